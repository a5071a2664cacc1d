"""A sign-in code lives in plain text only in the outbox, and only while it is on its way: the outbox worker blanks
it once every delivery is settled; the console blanks one that expired first or had nowhere to go."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from aiohttp.test_utils import TestServer
from sqlalchemy import select, update

from adapters.web.context import CONTEXT
from adapters.web.signin import EXPIRED
from bot.broadcasts.sending import MemorySender
from bot.broadcasts.settings import UNPACED
from bot.broadcasts.worker import OutboxWorker
from bot.store import Store
from bot.store.models import BroadcastRow, utcnow
from tests.web.conftest import link_chat
from tests.web.people import CODE, WEN, Person, latest_code

OKAFOR = "Cllr Ruth Okafor"


async def _outbox_text(store: Store) -> str:
    """Everything the outbox's direct messages hold, as stored."""
    async with store.database.sessions() as session:
        return repr(list(await session.scalars(select(BroadcastRow.content).where(BroadcastRow.kind == "direct"))))


async def _deliver(store: Store, platform: str) -> MemorySender:
    sender = MemorySender(platform)
    await OutboxWorker(store, {platform: sender}, pacing={platform: UNPACED}).drain(timeout=30)
    return sender


def _said(sender: MemorySender) -> str:
    return " ".join(block.text for _, reply in sender.sent for block in reply.blocks)


async def test_a_delivered_code_leaves_the_outbox(browser: Callable[[], Person], web_store: Store) -> None:
    await link_chat(web_store, WEN, OKAFOR)
    person = browser()
    await person.ask_code(WEN, OKAFOR)
    code = await latest_code(web_store)
    telegram = await _deliver(web_store, "telegram")
    assert code in _said(telegram)  # the person has it in their chat
    assert code not in await _outbox_text(web_store) and CODE.search(await _outbox_text(web_store)) is None
    status, page = await person.post("/sign-in/code", {"code": code})
    assert status == 200 and f"Signed in as {OKAFOR}" in page


async def test_a_code_stays_until_its_last_platform_has_it(browser: Callable[[], Person], web_store: Store) -> None:
    await link_chat(web_store, WEN, OKAFOR, platform="telegram")
    await link_chat(web_store, WEN, OKAFOR, platform="slack")
    await browser().ask_code(WEN, OKAFOR)
    code = await latest_code(web_store)
    await _deliver(web_store, "telegram")
    assert code in await _outbox_text(web_store)  # Slack has yet to send it
    assert code in _said(await _deliver(web_store, "slack"))
    assert code not in await _outbox_text(web_store)


async def test_an_expired_code_leaves_the_outbox_undelivered(browser: Callable[[], Person], server: TestServer,
                                                            web_store: Store) -> None:
    await link_chat(web_store, WEN, OKAFOR)
    await browser().ask_code(WEN, OKAFOR)
    code = await latest_code(web_store)
    context = server.app[CONTEXT]
    assert await context.signin.forget_codes() == 0  # on its way and still good: kept
    async with web_store.database.sessions.begin() as session:  # no outbox worker ran for the code's lifetime
        await session.execute(update(BroadcastRow).where(BroadcastRow.kind == "direct").values(
            created_at=utcnow() - context.settings.code_for - timedelta(seconds=1)))
    assert await context.signin.forget_codes() == 1
    assert code not in await _outbox_text(web_store)
    late = _said(await _deliver(web_store, "telegram"))  # a worker that starts now sends no dead code
    assert code not in late and late == EXPIRED


async def test_a_code_with_nowhere_to_go_is_not_kept(browser: Callable[[], Person], web_store: Store) -> None:
    await browser().ask_code(WEN, OKAFOR)  # no chat linked: nothing will deliver it
    assert "sign in to Protocol Bot" not in await _outbox_text(web_store)
