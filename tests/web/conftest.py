"""The web console over a real Dialogue and store (SQLite and PostgreSQL), with the fake embedder: one server per
test for the HTTP tests; the browser suite has its own module-wide server (``live_server.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from adapters.web.app import web_app
from adapters.web.settings import WebSettings
from bot.dialogue import Dialogue
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store
from config.councils import load_profile
from tests.databases import BACKENDS, open_store
from tests.web.people import Person


@pytest.fixture(params=BACKENDS)
async def web_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """SQLite, and PostgreSQL where one answers (``tests/databases.py``), as the store suites run."""
    async with open_store(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
async def dialogue(qa: QaService, web_store: Store, case_key: None) -> Dialogue:
    await seed_rosters(qa, web_store)
    started = Dialogue(qa, web_store, rate_limit=RateLimit(burst=1000))
    await started.start()
    return started


async def seed_rosters(qa: QaService, store: Store) -> None:
    """Every council's roster file written as it stands (a deployment's first start), before the dialogue starts:
    the web suite tests the console, not how later roster edits are confirmed."""
    for council in sorted(qa.library.sources()):
        await store.members.sync_roster(council, load_profile(council, qa.library.home).roster)


@pytest.fixture
async def server(dialogue: Dialogue) -> AsyncIterator[TestServer]:
    running = TestServer(web_app(dialogue, WebSettings()))
    await running.start_server()
    yield running
    await running.close()


@pytest.fixture
async def browser(server: TestServer) -> AsyncIterator[Callable[[], Person]]:
    """``browser()``: one more person with a cookie jar of their own."""
    people: list[Person] = []

    def make() -> Person:
        people.append(Person(server))
        return people[-1]

    yield make
    for person in people:
        await person.close()


async def link_chat(store: Store, council: str, name: str, platform: str = "telegram", user: Any = None) -> int:
    """Give a roster member a linked chat, so a sign-in code has somewhere to go; returns their member id."""
    member = next(m for m in await store.members.of_council(council) if m.name == name)
    await store.members.link(member.id, platform, str(user or f"chat-{member.id}"))
    return member.id
