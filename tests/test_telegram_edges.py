"""What a Telegram group owner or a Clerk tripped over (issue 15, findings 8-14), through the real Application, the
real Dialogue and runner, and the fake Bot API server speaking the wire format (``tests/telegram_fake.py``).

Each test asserts what a person, or the Telegram server, would see: the links in a group, the messages in a private
chat, the calls that reach the server (``getFile``, ``getUpdates`` offsets, ``answerCallbackQuery``) and when.
"""

from __future__ import annotations

import asyncio
import logging
from itertools import pairwise
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.telegram import runner
from adapters.telegram.delivery import SENT_PRIVATELY
from adapters.telegram.render import LIMIT
from adapters.telegram.sender import TelegramSender
from bot.broadcasts.compose import version_content
from bot.broadcasts.worker import OutboxWorker, WorkerOptions
from bot.messages import Action, Button, QuoteBlock, Reply, Text
from bot.publish.chat import parse_args
from config.councils import RosterEntry
from tests import test_telegram, test_telegram_transport
from tests.databases import open_store
from tests.telegram_fake import BOT, GROUP, TOKEN, FakeTelegram, Updates
from tests.test_publish_chat import wendlebury_v2
from tests.test_telegram import CLERK, OKAFOR, STRANGER, App, feed
from tests.test_telegram_transport import SECRET, USER, eventually, free_port, options, serving

qa, app, telegram, updates = test_telegram.qa, test_telegram.app, test_telegram.telegram, test_telegram.updates
environment = test_telegram_transport.environment
"""The fixtures of the scenario and transport suites: the same Application, fake server and environment."""

DEEP_LINK = f"https://t.me/{BOT['username']}?start="


@pytest.fixture
def case_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports are sealed with the case key: a flow cannot start without one."""
    from bot.cases.keys import ENV_VAR, MasterKey

    monkeypatch.setenv(ENV_VAR, MasterKey.generate().encoded())


def links(calls: list[Any]) -> list[str]:
    return [str(b.get("url")) for call in calls for b in call.buttons() if b.get("url")]


# -- 8. a deep link that resumes the report ------------------------------------------------------------------------

@pytest.mark.usefixtures("case_key")
@pytest.mark.parametrize(("command", "payload", "first_question"), [
    ("report", "report", "Who is raising the concern?"),
    ("grievance", "grievance", "goes first to the Grievance Procedure"),
])
async def test_group_report_from_someone_who_never_started_the_bot_links_to_a_start_that_resumes_it(
        app: App, telegram: FakeTelegram, updates: Updates, command: str, payload: str,
        first_question: str) -> None:
    telegram.forbidden.add(str(STRANGER["id"]))  # a bot may not write first
    await feed(app, updates.text(f"/{command}@{BOT['username']}", user=STRANGER, chat=GROUP))
    [pointer] = telegram.sent(GROUP["id"])
    [url] = links([pointer])
    assert url.startswith(f"{DEEP_LINK}{payload}") and url in pointer.text
    start = url.removeprefix(DEEP_LINK)
    assert len(start) <= 64 and start.replace("_", "").replace("-", "").isalnum()  # what Telegram accepts
    telegram.forbidden.clear()
    telegram.clear()
    await feed(app, updates.text(f"/start {start}", user=STRANGER))  # what pressing Start sends
    private = [call.text for call in telegram.sent(STRANGER["id"])]
    assert private and not any("Which council" in text for text in private)  # the group's council came along
    assert any(first_question in text for text in private)  # the flow itself, begun for the group's council


# -- 9. a /publish document is never fetched for someone who may not publish -----------------------------------

@pytest.mark.parametrize("person", [OKAFOR, STRANGER], ids=["councillor", "stranger"])
async def test_a_publish_document_is_not_downloaded_for_anyone_but_the_clerk(
        app: App, telegram: FakeTelegram, updates: Updates, person: dict[str, Any]) -> None:
    telegram.add_file("doc-not-yours", wendlebury_v2().encode("utf-8"))
    await feed(app, updates.document("doc-not-yours", user=person, caption="/publish 2 my version"))
    assert telegram.of("getFile") == [] and telegram.downloads == []
    [refusal] = telegram.sent(person["id"])
    assert refusal.text.startswith("Sorry, /publish is only for")


# -- 10. an update the library cannot parse ------------------------------------------------------------------------

DOCUMENTED_START = {"update_id": 10000, "message": {
    "date": 1441645532, "message_id": 1365, "text": "/start my secret words",
    "chat": {"last_name": "Test Lastname", "id": 1111111, "first_name": "Test", "username": "Test"},
    "from": {"last_name": "Test Lastname", "id": 1111111, "first_name": "Test", "username": "Test"}}}
"""Telegram's own example of an update (core.telegram.org/bots/webhooks): no ``from.is_bot``, no ``chat.type``."""


@pytest.mark.usefixtures("environment")
async def test_an_update_that_cannot_be_parsed_is_skipped_and_polling_moves_on(
        telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    good = Updates().text("/whoami", user=USER)
    good["update_id"] = 10001
    telegram.updates.extend([DOCUMENTED_START, good])

    async def body() -> None:
        await eventually(lambda: bool(telegram.sent(USER["id"])), seconds=10)
        await asyncio.sleep(0.5)

    with caplog.at_level(logging.DEBUG):
        await serving(runner.settings(options()), lambda: bool(telegram.of("getUpdates")), body)
    offsets = [str(call.params.get("offset", "")) for call in telegram.of("getUpdates")]
    assert "10002" in offsets  # both confirmed, the bad one too
    assert len(offsets) < 40  # long polling, not a spin on the same update
    assert telegram.updates == []
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "my secret words" not in logged and "Test Lastname" not in logged
    assert any("10000" in record.getMessage() for record in caplog.records)  # the skip is logged by its id


@pytest.mark.usefixtures("environment")
async def test_webhook_refuses_malformed_json_with_400_and_skips_unparseable_updates(
        telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    chosen = runner.settings(options(webhook="https://bot.example.org/hooks/telegram", port=port))
    url = f"http://127.0.0.1:{port}/hooks/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            for junk in (b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"'):
                async with session.post(url, data=junk, headers=headers) as response:
                    assert response.status == 400
            async with session.post(url, json=DOCUMENTED_START, headers=headers) as response:
                assert response.status == 200  # from Telegram, but unusable: accepted, so it is not sent again
            async with session.post(url, data=b"{not json", headers={"Content-Type": "application/json"}) as response:
                assert response.status == 403  # the secret is checked before anything is read
            async with session.post(url, json=Updates().text("/whoami", user=USER), headers=headers) as response:
                assert response.status == 200
        await eventually(lambda: bool(telegram.sent(USER["id"])))

    with caplog.at_level(logging.DEBUG):
        await serving(chosen, lambda: bool(telegram.of("setWebhook")), body)
    assert "not on a council roster" in telegram.sent(USER["id"])[0].text
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "my secret words" not in logged and "Traceback" not in logged and "JSONDecodeError" not in logged


# -- 11. Publish is acknowledged at once ---------------------------------------------------------------------------

async def test_pressing_publish_is_answered_at_once_then_the_result_is_reported(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    telegram.add_file("doc-v2", wendlebury_v2().encode("utf-8"))
    await feed(app, updates.document("doc-v2", user=CLERK, caption="/publish 2 Clause 5.2 reworded"))
    data = next(b["callback_data"] for b in telegram.sent(CLERK["id"])[-1].buttons() if b["text"] == "Publish")
    telegram.clear()
    await feed(app, updates.press(data, user=CLERK))
    [answered] = telegram.of("answerCallbackQuery")
    assert answered.params["text"].lower().startswith("publishing")
    methods = [call.method for call in telegram.calls]
    assert methods[0] == "answerCallbackQuery"  # before the rebuild, not after it
    texts = [call.text for call in telegram.sent(CLERK["id"])]
    assert texts[0].lower().startswith("publishing")  # said in the chat too: a toast vanishes
    assert texts[-1].startswith("Published version 2")  # then the result, as a message of its own


# -- 12. no stray "I've sent you a private message." in the private chat ------------------------------------------

@pytest.mark.usefixtures("case_key")
@pytest.mark.parametrize("command", ["report", "grievance", "case", "cases"])
async def test_the_private_chat_never_hears_that_it_was_sent_a_private_message(
        app: App, telegram: FakeTelegram, updates: Updates, command: str) -> None:
    await feed(app, updates.text(f"/{command}@{BOT['username']}", user=OKAFOR, chat=GROUP))
    private = [call.text for call in telegram.sent(OKAFOR["id"])]
    assert SENT_PRIVATELY not in private and not any("not here" in text for text in private)
    [group] = telegram.sent(GROUP["id"])
    assert links([group]) and links([group])[0].startswith(f"https://t.me/{BOT['username']}")
    if command in ("case", "cases"):  # nothing went privately: the group is told to go there, not that it went
        assert private == [] and group.text != SENT_PRIVATELY and "private chat" in group.text
    else:
        assert private and group.text == SENT_PRIVATELY


# -- 13. paced as the README promises ------------------------------------------------------------------------------

def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))


async def test_broadcast_pace_holds_thirty_a_second_overall_and_one_a_second_per_chat(
        telegram: FakeTelegram, tmp_path: Path) -> None:
    members = 40
    long_clause = "Councillors must not instruct employees directly and must go through the Clerk. " * 60
    async with open_store("sqlite", tmp_path) as store:
        await store.members.sync_roster("wendlebury", [
            RosterEntry(name=f"Cllr {i}", roles=("councillor",), handles={"telegram": str(100 + i)})
            for i in range(members)])
        await store.broadcasts.create("wendlebury", "notice", [{"text": "A short notice."}], platforms=("telegram",))
        await store.broadcasts.create("wendlebury", "notice", [{"text": "Part one."}, {"quote": long_clause,
                                      "citation": "Wendlebury, 5.2", "clause_id": "wendlebury:5.2"}],
                                      platforms=("telegram",))
        sender = TelegramSender(TOKEN, base_url=telegram.base_url)
        try:  # the worker's own default pacing: Telegram's 30 a second and one a second per chat
            await OutboxWorker(store, {"telegram": sender}, options=WorkerOptions(idle_poll=0.05)).drain(timeout=60)
        finally:
            await sender.close()
    sent = telegram.sent()
    assert len(sent) == members * 3  # a short notice, and a long one in two parts, to each member
    assert busiest_second([call.at for call in sent]) <= 30
    for i in range(members):
        times = sorted(call.at for call in telegram.sent(100 + i))
        assert all(later - earlier >= 1.0 for earlier, later in pairwise(times))


# -- 14. smaller things --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    ("2026-12b Minor wording", ("2026-12b", "Minor wording")),
    ("v3.1 Clause 5 reworded", ("v3.1", "Clause 5 reworded")),
    ("2026-12-rev2", ("2026-12-rev2", None)),
    ("2 Clause 5.2 reworded", ("2", "Clause 5.2 reworded")),
    ("Clause 5.2 reworded", (None, "Clause 5.2 reworded")),
    ("Minor wording", (None, "Minor wording")),
])
def test_a_first_word_that_is_a_version_name_is_the_version(args: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_args(args) == expected


async def test_publish_with_a_lettered_version_previews_that_version(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    text = wendlebury_v2().replace("every two years", "every three years")  # new, whichever version is live
    telegram.add_file("doc-v3", text.encode("utf-8"))
    await feed(app, updates.document("doc-v3", user=CLERK, caption="/publish 2026-12b Minor wording"))
    preview = "\n".join(call.text for call in telegram.sent(CLERK["id"]))
    assert "Preview: version 2026-12b of Wendlebury" in preview and "Note: Minor wording" in preview


async def test_a_clause_label_is_never_split_from_its_quote(telegram: FakeTelegram) -> None:
    from knowledge.clauses import Clause, DocumentMeta
    from knowledge.diff import ClauseChange, ProtocolDiff

    meta = DocumentMeta(council="wendlebury", council_name="Wendlebury Parish Council", title="Protocol",
                        version="3")
    text = "The Clerk answers to the whole council and to no councillor on their own. " * 12
    clauses = [Clause(clause_id=f"wendlebury:3.{n}", council="wendlebury", number=f"3.{n}", heading_path=("Roles",),
                      text=text, offset=0) for n in range(1, 8)]
    diff = ProtocolDiff(changes=tuple(ClauseChange("changed", c, c) for c in clauses), unchanged=10)
    reply = Reply(tuple(version_content(meta, diff, previous="2")), (Button("Acknowledge", Action("ack", "1")),))
    sender = TelegramSender(TOKEN, base_url=telegram.base_url)
    try:
        await sender.send("4242", reply)
    finally:
        await sender.close()
    parts = [call.text for call in telegram.sent("4242")]
    assert len(parts) > 1 and all(len(part) <= LIMIT for part in parts)
    assert not any(part.rstrip().endswith("It now reads:") for part in parts)
    assert all(part.count("It now reads:") == part.count("<blockquote>") for part in parts[1:])


async def test_a_label_longer_than_a_message_with_its_quote_still_goes(telegram: FakeTelegram) -> None:
    reply = Reply((Text("Changed: 3.3. It now reads:"), QuoteBlock("x " * 3000, "Wendlebury, 3.3", "w:3.3")))
    sender = TelegramSender(TOKEN, base_url=telegram.base_url)
    try:
        await sender.send("4242", reply)
    finally:
        await sender.close()
    parts = [call.text for call in telegram.sent("4242")]
    assert parts[0].startswith("Changed: 3.3. It now reads:\n\n<blockquote>") and len(parts) == 2

