"""The Slack and Telegram senders against the fake Web API and Bot API servers (loopback, port 0): what each
platform's answers become (429 -> RetryAfter, 5xx -> Transient, blocked -> Permanent), and the outbox worker
delivering a broadcast over both with failures scripted in."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.slack.sender import SlackSender
from adapters.telegram.sender import TelegramSender
from bot.broadcasts.compose import acknowledge_button, notice_content
from bot.broadcasts.sending import Permanent, RetryAfter, Sender, Transient
from bot.broadcasts.settings import Pacing
from bot.broadcasts.worker import OutboxWorker, WorkerOptions
from bot.messages import Reply
from bot.store import Store
from config.councils import RosterEntry
from tests.databases import open_store
from tests.slack_fake import FakeSlack
from tests.telegram_fake import TOKEN, FakeTelegram

NOTICE = Reply(tuple(notice_content("Wendlebury Parish Council", "Extra meeting <Thursday> & Friday")),
               (acknowledge_button(7),))


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


async def test_slack_sender_posts_blocks_and_maps_429_and_5xx(slack: FakeSlack) -> None:
    sender = SlackSender("xoxb-test", base_url=slack.url)
    try:
        assert (await sender.send("U1", NOTICE)).endswith(".000100")
        posted = slack.of("chat.postMessage")[0].args
        assert posted["channel"] == "U1" and "&lt;Thursday&gt; &amp; Friday" in posted["text"]
        assert [e["text"]["text"] for b in posted["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
            "Acknowledge"]
        slack.fail("chat.postMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter) as limited:
            await sender.send("U1", NOTICE)
        assert limited.value.seconds == 3
        slack.fail("chat.postMessage", 500)
        with pytest.raises(Transient):
            await sender.send("U1", NOTICE)
        assert len(slack.of("chat.postMessage")) == 1  # no retries of its own: the outbox decides
    finally:
        await sender.close()


async def test_telegram_sender_sends_html_with_the_button_and_maps_errors(telegram: FakeTelegram) -> None:
    sender = TelegramSender(TOKEN, base_url=telegram.base_url)
    try:
        assert (await sender.send("1001", NOTICE)).isdigit()
        call = telegram.sent("1001")[0]
        assert call.params["parse_mode"] == "HTML" and "&lt;Thursday&gt; &amp; Friday" in call.text
        assert [b["callback_data"] for b in call.buttons()] == ["broadcast.ack|7"]
        telegram.fail_next("sendMessage", 429, retry_after=5)
        with pytest.raises(RetryAfter) as limited:
            await sender.send("1001", NOTICE)
        assert limited.value.seconds == 5
        telegram.fail_next("sendMessage", 502)
        with pytest.raises(Transient):
            await sender.send("1001", NOTICE)
        telegram.forbidden.add("1004")
        with pytest.raises(Permanent) as blocked:
            await sender.send("1004", NOTICE)
        assert blocked.value.kind == "blocked"
    finally:
        await sender.close()


async def test_worker_over_both_fakes_delivers_once_through_429s_and_5xx(slack: FakeSlack, telegram: FakeTelegram,
                                                                        tmp_path: Path) -> None:
    async with open_store("sqlite", tmp_path) as store:
        await _roster(store)
        await store.broadcasts.create("wendlebury", "notice", [{"text": "Extra meeting on Thursday."}],
                                      platforms=("slack", "telegram"), needs_ack=True)
        slack.fail("chat.postMessage", 429, retry_after=0, times=2)
        slack.fail("chat.postMessage", 503)
        telegram.fail_next("sendMessage", 429, retry_after=1)
        telegram.fail_next("sendMessage", 502, times=2)
        senders: dict[str, Sender] = {"slack": SlackSender("xoxb-test", base_url=slack.url),
                                      "telegram": TelegramSender(TOKEN, base_url=telegram.base_url)}
        pace = {p: Pacing(overall=200, per_chat=50) for p in senders}
        options = WorkerOptions(backoff=0.05, idle_poll=0.05, lease=timedelta(seconds=30))
        try:
            stats = await OutboxWorker(store, senders, pacing=pace, options=options).drain(timeout=30)
        finally:
            for sender in senders.values():
                await sender.close()
        on_slack = Counter(c.args["channel"] for c in slack.of("chat.postMessage"))
        on_telegram = Counter(c.chat_id for c in telegram.sent() if c.text)
        ok_telegram = len(telegram.sent()) - 3  # the fake records failed calls too
        assert on_slack == {f"U{i}": 1 for i in range(5)}
        assert set(on_telegram) == {str(100 + i) for i in range(5)} and ok_telegram == 5
        assert stats.sent == 10 and stats.rate_limited == 3 and stats.transient == 3 and stats.failed == 0


async def _roster(store: Store) -> None:
    await store.members.sync_roster("wendlebury", [
        RosterEntry(name=f"Cllr {i}", roles=("councillor",), handles={"slack": f"U{i}", "telegram": str(100 + i)})
        for i in range(5)])
