"""A reply Slack will not take reaches someone on no roster too (issue 15, Slack 6, the rest): anyone in a bound
workspace may ask, and their answer used to be lost with a log line because the outbox addressed members only.
Signed requests into the real app and Dialogue; the outbox worker delivers through the fake Slack Web API.
"""
# ruff: noqa: F811  (the scenario fixtures are imported from test_slack and named again as test parameters)

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from adapters.slack.app import SlackBot
from adapters.slack.sender import SlackSender
from bot.broadcasts.worker import OutboxWorker
from tests.slack_fake import FakeSlack, command_form
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

STRANGER = "USTRANGER"
"""In the bound workspace, on nobody's roster."""


async def deliver_later(bot: SlackBot, fake: FakeSlack) -> int:
    sender = SlackSender("xoxb-test", base_url=fake.url)
    try:
        return await OutboxWorker(bot.dialogue.store, {"slack": sender}).run_once("slack")
    finally:
        await sender.close()


async def test_an_answer_for_someone_on_no_roster_is_delivered_later_to_them_alone(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    fake.fail("response", 429, retry_after=0, times=4)
    await send_form(http, command_form(QUESTION, user=STRANGER, response_url=fake.response_url()))
    await bot.settled()
    assert fake.of("response") == []
    assert await deliver_later(bot, fake) == 1
    [later] = fake.of("chat.postMessage")
    assert later.args["channel"] == STRANGER, "their DM with the app, nobody else's"
    text = shown(later)
    assert text.startswith("My reply to your earlier message") and "Wendlebury" in text


async def test_a_report_step_for_someone_on_no_roster_is_never_written_to_the_outbox(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", 429, retry_after=0, times=4)
    fake.fail("response", 429, retry_after=0, times=4)
    await send_form(http, command_form("report", user=STRANGER, response_url=fake.response_url()))
    await bot.settled()
    await deliver_later(bot, fake)
    later = [c for c in fake.of("chat.postMessage") if c.args["channel"] == STRANGER]
    assert later, "they are told"
    assert all("couldn't deliver my reply" in shown(c) and "Please send it again" in shown(c) for c in later)
    assert not [c for c in fake.of("chat.postMessage") if c.args["channel"] == OKAFOR]
