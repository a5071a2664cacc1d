"""Rating an ephemeral answer on another worker, or after a restart, keeps the answer on screen (issue 15, Slack 2,
the rest): the blocks used to live in one worker's memory, so anywhere else the press left the answer with its
buttons as if nothing had happened. Signed requests into two real apps over one database, the fake Web API.
"""
# ruff: noqa: F811  (the scenario fixtures are imported from test_slack and named again as test parameters)

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack.app import SlackBot
from adapters.slack.carried import split
from adapters.slack.client import web_client
from adapters.slack.http import web_app
from bot.dialogue import Dialogue
from bot.qa import QaService
from bot.store import Store
from tests.slack_fake import SECRET, FakeSlack, block_actions_form, command_form
from tests.test_slack import (  # noqa: F401  (qa, fake, bot, http are fixtures)
    OKAFOR,
    QUESTION,
    bot,
    fake,
    http,
    qa,
    send_form,
    shown,
)


@pytest.fixture
async def other_worker(qa: QaService, tmp_path: Path, fake: FakeSlack, bot: SlackBot
                       ) -> AsyncIterator[tuple[SlackBot, TestClient[Any, Any]]]:
    """A second worker (or the first, restarted): the same database, nothing in memory."""
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'protocol-bot.db'}")
    second = SlackBot(Dialogue(qa, store), web_client("xoxb-test", base_url=fake.url), signing_secret=SECRET)
    client: TestClient[Any, Any] = TestClient(TestServer(web_app(second), host="127.0.0.1", port=0))
    await client.start_server()
    yield second, client
    await client.close()
    await second.settled()
    await store.close()


async def asked(http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> dict[str, Any]:
    await send_form(http, command_form(QUESTION, user=OKAFOR, response_url=fake.response_url("cmd")))
    await bot.settled()
    [answer] = fake.of("response")
    return {"ts": "1700000998.000100", "text": answer.args["text"], "blocks": answer.args["blocks"]}


def answer_part(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] != "actions"]


async def test_a_rating_pressed_on_another_worker_keeps_the_answer_with_the_rating_beneath(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack,
        other_worker: tuple[SlackBot, TestClient[Any, Any]]) -> None:
    message = await asked(http, bot, fake)
    second, client = other_worker
    await send_form(client, block_actions_form(user=OKAFOR, channel="CGENERAL", message=message, label="Not helpful",
                                               response_url=fake.response_url("press"), ephemeral=True))
    await second.settled()
    replaced = fake.of("response")[1]
    assert replaced.args["replace_original"] is True
    assert answer_part(replaced.args["blocks"])[:-1] == answer_part(message["blocks"]), "the answer, unchanged"
    assert shown(replaced).endswith("\u2713 Not helpful") and "actions" not in block_types(replaced.args["blocks"])
    assert [f.helpful for f in await second.dialogue.store.feedback.rated("wendlebury")] == [False]


async def test_a_rating_button_carries_the_answer_but_never_the_question(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    message = await asked(http, bot, fake)
    pressed = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(pressed) == 2 and all(len(e["value"]) <= 2000 for e in pressed), "within Slack's limit"
    for element in pressed:
        value, carried = split("feedback", element["value"])
        assert value.endswith((":y", ":n")) and carried == answer_part(message["blocks"])
        assert QUESTION not in json.dumps(carried)


async def test_a_rating_whose_carried_answer_is_not_ours_still_counts_and_blanks_nothing(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack,
        other_worker: tuple[SlackBot, TestClient[Any, Any]]) -> None:
    message = await asked(http, bot, fake)
    for block in message["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            element["value"] = element["value"].partition("~")[0] + "~eNpTykjNyclXAgAJUgJZ"  # the JSON "hello"
    second, client = other_worker
    await send_form(client, block_actions_form(user=OKAFOR, channel="CGENERAL", message=message, label="Helpful",
                                               response_url=fake.response_url("press"), ephemeral=True))
    await second.settled()
    assert not [c for c in fake.of("response") if c.args.get("replace_original")], "nothing blanked"
    assert [f.helpful for f in await second.dialogue.store.feedback.rated("wendlebury")] == [True]


def block_types(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["type"] for b in blocks]
