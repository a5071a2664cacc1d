"""Scenarios through the real python-telegram-bot Application, the real Dialogue and a fake Bot API server.

Updates are realistic payloads fed with ``process_update``; assertions are on what the bot sent to the fake
server (``sendMessage``, ``answerCallbackQuery``, ``editMessageReplyMarkup``) and its HTML. Only the
embedder is fake (``HashEmbedder``); the store is SQLite in a temporary folder.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram import Update
from telegram.ext import Application

from adapters.telegram.app import announce, build_application
from adapters.telegram.bridge import MENU, STALE_BUTTON
from adapters.telegram.delivery import SENT_PRIVATELY, Delivery, Origin
from adapters.telegram.documents import NOT_TEXT, ONLY_PUBLISH, TOO_LARGE
from bot.dialogue import SORRY, Dialogue
from bot.messages import Incoming, Target, Visibility, say
from bot.qa import QaService
from config.settings import CONFIG_DIR
from knowledge.embedding import HashEmbedder
from knowledge.library import Library
from tests.databases import open_store
from tests.telegram_fake import BOT, GROUP, TOKEN, FakeTelegram, Updates, person
from tests.test_publish_chat import wendlebury_v2

QUESTION = "must councillors respect the impartiality of officers?"
OKAFOR = person(4242, "Ruth", "ruth_okafor")  # on the Wendlebury roster by Telegram user id (profile below)
STRANGER = person(9001, "Sam", "sam")
CLERK = person(4343, "Margaret", "margaret_ashdown")  # Wendlebury's Clerk, by Telegram user id (profile below)
ME = f"@{BOT['username']}"

App = Application[Any, Any, Any, Any, Any, Any]
"""What ``build_application`` returns (it leaves the type parameters open)."""


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory) -> QaService:
    """Wendlebury's profile, with a councillor's and the Clerk's Telegram ids and the group bound to the council."""
    home = tmp_path_factory.mktemp("telegram-home")
    profile = yaml.safe_load((CONFIG_DIR / "councils" / "wendlebury.yaml").read_text(encoding="utf-8"))
    okafor = next(entry for entry in profile["roster"] if entry["name"] == "Cllr Ruth Okafor")
    okafor["handles"]["telegram"] = str(OKAFOR["id"])
    clerk = next(entry for entry in profile["roster"] if "clerk" in entry["roles"])
    clerk["handles"]["telegram"] = str(CLERK["id"])
    profile["bindings"] = [{"platform": "telegram", "chat": str(GROUP["id"])}]
    target = home / "councils" / "wendlebury" / "profile.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(yaml.safe_dump(profile), encoding="utf-8")
    library = Library(home, HashEmbedder())
    library.load_all()
    return QaService(library)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def app(qa: QaService, tmp_path: Path, telegram: FakeTelegram) -> AsyncIterator[App]:
    async with open_store("sqlite", tmp_path) as store:
        dialogue = Dialogue(qa, store)
        await dialogue.start()
        application = build_application(dialogue, TOKEN, base_url=telegram.base_url, updater=False)
        async with application:
            await announce(application)
            yield application


@pytest.fixture
def updates() -> Updates:
    return Updates()


async def feed(app: App, payload: dict[str, Any]) -> None:
    await app.process_update(Update.de_json(payload, app.bot))


def callback_data(button_label: str, buttons: list[dict[str, Any]]) -> str:
    return str(next(b["callback_data"] for b in buttons if b["text"] == button_label))


async def test_command_menu_registered_at_start(app: App, telegram: FakeTelegram) -> None:
    [call] = telegram.of("setMyCommands")
    assert [c["command"] for c in call.params["commands"]] == list(MENU)
    assert all(c["description"] for c in call.params["commands"])


async def test_private_question_answered_as_html_with_quotes_citations_and_feedback(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    await feed(app, updates.text(QUESTION, user=OKAFOR))
    [answer] = telegram.sent(OKAFOR["id"])
    assert answer.params["parse_mode"] == "HTML"
    assert answer.text.startswith("As a councillor, this applies to you:")  # the roster knows the Telegram id
    assert "<blockquote>" in answer.text and "</blockquote>\n<i>" in answer.text
    assert "Wendlebury" in answer.text.split("<i>", 1)[1]  # the citation sits under the quote
    assert [b["text"] for b in answer.buttons()] == ["Helpful", "Not helpful"]
    assert callback_data("Helpful", answer.buttons()).startswith("feedback|")
    assert "reply_parameters" not in answer.params  # a private chat needs no reply threading


async def test_feedback_press_is_answered_and_the_keyboard_removed(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    await feed(app, updates.text(QUESTION, user=OKAFOR))
    data = callback_data("Helpful", telegram.sent(OKAFOR["id"])[0].buttons())
    telegram.clear()
    await feed(app, updates.press(data, user=OKAFOR, message_id=77))
    [answered] = telegram.of("answerCallbackQuery")
    assert answered.params["text"].startswith("Thank you")
    [edited] = telegram.of("editMessageReplyMarkup")
    assert edited.params["message_id"] == "77" and edited.chat_id == str(OKAFOR["id"])
    assert not edited.markup or edited.markup.get("inline_keyboard") == []
    assert telegram.sent() == []  # the thank-you was the callback answer, not a message


async def test_stranger_chooses_a_council_with_a_button_then_the_question_is_answered(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    await feed(app, updates.text(QUESTION, user=STRANGER))
    [ask] = telegram.sent(STRANGER["id"])
    assert "Which council" in ask.text and "council|ledbury" in [b["callback_data"] for b in ask.buttons()]
    telegram.clear()
    await feed(app, updates.press("council|ledbury", user=STRANGER))
    assert len(telegram.of("answerCallbackQuery")) == 1 and len(telegram.of("editMessageReplyMarkup")) == 1
    texts = [call.text for call in telegram.sent(STRANGER["id"])]
    assert texts[0] == "Council: Ledbury Town Council. Ask away." and "Ledbury Town Council" in texts[1]


async def test_a_button_this_bot_did_not_write_is_still_answered(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    await feed(app, updates.press("something-else", user=STRANGER))
    [answered] = telegram.of("answerCallbackQuery")
    assert answered.params["text"] == STALE_BUTTON
    assert telegram.sent() == []


async def test_group_chatter_not_addressed_to_the_bot_is_ignored(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    await feed(app, updates.text(QUESTION, user=OKAFOR, chat=GROUP))
    await feed(app, updates.text(f"/ask@OtherBot {QUESTION}", user=OKAFOR, chat=GROUP))
    assert telegram.sent() == []


async def test_group_command_addressed_to_the_bot_is_answered_in_reply(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    payload = updates.text(f"/ask@{BOT['username']} {QUESTION}", user=STRANGER, chat=GROUP)
    await feed(app, payload)
    [answer] = telegram.sent(GROUP["id"])
    assert answer.params["reply_parameters"]["message_id"] == payload["message"]["message_id"]
    assert "Wendlebury" in answer.text and "<blockquote>" in answer.text  # the group is bound to Wendlebury


async def test_group_mention_and_reply_to_the_bot_are_answered(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    await feed(app, updates.text(f"{ME} {QUESTION}", user=STRANGER, chat=GROUP, mention=ME))
    bots_message = {"message_id": 5, "date": int(time.time()), "chat": GROUP, "from": BOT, "text": "..."}
    await feed(app, updates.text("and can councillors ask an officer to do party political work?", user=STRANGER,
                                 chat=GROUP, reply_to=bots_message))
    answers = telegram.sent(GROUP["id"])
    assert len(answers) == 2 and all("<blockquote>" in a.text for a in answers)


async def test_grievance_raised_in_a_group_leaves_only_a_pointer_there(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    text = f"{ME} I want to raise a grievance about the clerk"
    await feed(app, updates.text(text, user=OKAFOR, chat=GROUP, mention=ME))
    [pointer] = telegram.sent(GROUP["id"])
    assert pointer.text == SENT_PRIVATELY
    assert [b.get("url") for b in pointer.buttons()] == [f"https://t.me/{BOT['username']}"]
    [offer] = telegram.sent(OKAFOR["id"])
    assert "report a concern or raise a grievance" in offer.text
    assert "flow.start|grievance:wendlebury" in [b["callback_data"] for b in offer.buttons()]


async def test_grievance_from_someone_who_never_started_the_bot_gets_a_deep_link(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    telegram.forbidden.add(str(STRANGER["id"]))
    text = f"{ME} how do I raise a grievance against a councillor?"
    await feed(app, updates.text(text, user=STRANGER, chat=GROUP, mention=ME))
    deep_link = f"https://t.me/{BOT['username']}?start=report_wendlebury"  # the group's council travels along
    group = telegram.sent(GROUP["id"])
    pointer = group[-1]
    assert deep_link in pointer.text and [b.get("url") for b in pointer.buttons()] == [deep_link]
    assert all("step by step" not in call.text for call in group)  # the offer itself never reaches the group
    assert len(telegram.sent(STRANGER["id"])) == 1  # tried privately first (403)


async def test_deep_link_start_in_private_resumes_as_the_flow_command(
        app: App, telegram: FakeTelegram, updates: Updates, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cases.keys import ENV_VAR, MasterKey

    monkeypatch.setenv(ENV_VAR, MasterKey.generate().encoded())  # a draft's answers are sealed with the case key
    await feed(app, updates.text("/start report", user=OKAFOR))  # https://t.me/<bot>?start=report
    started = [c.text for c in telegram.sent(OKAFOR["id"])]
    assert any("I'll ask three short questions" in t for t in started)  # the report flow, as /report starts it
    assert "Who is raising the concern?" in started[-1]
    await feed(app, updates.text("/cancel", user=OKAFOR))
    await feed(app, updates.text("/start", user=OKAFOR))
    assert "Who is raising the concern?" not in telegram.sent(OKAFOR["id"])[-1].text  # a plain /start is /start


async def test_user_text_is_html_escaped(app: App, telegram: FakeTelegram, updates: Updates) -> None:
    await feed(app, updates.text("/council <b>x</b><script>alert(1)</script>", user=STRANGER))
    first = telegram.sent(STRANGER["id"])[0]
    assert "&lt;b&gt;x&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in first.text
    assert "<b>" not in first.text and "<script>" not in first.text


async def test_an_update_delivered_twice_is_answered_once(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    payload = updates.text(QUESTION, user=OKAFOR)
    await feed(app, payload)
    await feed(app, payload)
    press = updates.press("feedback|nothing:y", user=OKAFOR)
    await feed(app, press)
    await feed(app, press)
    assert len(telegram.sent(OKAFOR["id"])) == 1
    assert len(telegram.of("answerCallbackQuery")) == 2  # every press is answered, its work done once
    assert [c.params.get("text") for c in telegram.of("answerCallbackQuery")][1] is None


async def test_flood_control_is_waited_out(app: App, telegram: FakeTelegram, updates: Updates) -> None:
    telegram.fail_next("sendMessage", 429, retry_after=1, description="Too Many Requests: retry after 1")
    started = time.monotonic()
    await feed(app, updates.text(QUESTION, user=OKAFOR))
    assert time.monotonic() - started >= 1.0
    attempts = telegram.sent(OKAFOR["id"])
    assert len(attempts) == 2 and attempts[0].text == attempts[1].text


async def test_network_errors_are_retried(app: App, telegram: FakeTelegram, updates: Updates) -> None:
    telegram.fail_next("sendMessage", 502, description="Bad Gateway")
    await feed(app, updates.text(QUESTION, user=OKAFOR))
    assert len(telegram.sent(OKAFOR["id"])) == 2


async def test_errors_are_logged_without_content_and_the_person_gets_an_apology(
        app: App, telegram: FakeTelegram, updates: Updates, caplog: pytest.LogCaptureFixture) -> None:
    telegram.fail_next("sendMessage", 400, description="Bad Request: can't parse entities")
    secret = "my confidential question about the clerk's conduct"
    with caplog.at_level(logging.INFO):
        await feed(app, updates.text(secret, user=OKAFOR))
    assert telegram.sent(OKAFOR["id"])[-1].text == SORRY
    assert caplog.records and all(secret not in record.getMessage() for record in caplog.records)
    assert any("BadRequest" in record.getMessage() for record in caplog.records)


async def test_a_refusal_in_a_group_goes_privately_with_a_pointer_in_the_group(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    await feed(app, updates.text(f"/role@{BOT['username']} add ruth_okafor chair", user=STRANGER, chat=GROUP))
    [pointer] = telegram.sent(GROUP["id"])
    assert pointer.text == SENT_PRIVATELY
    [refusal] = telegram.sent(STRANGER["id"])
    assert refusal.text.startswith("Sorry, /role is only for")


async def test_replies_for_another_platform_or_person_are_routed_not_leaked(
        app: App, telegram: FakeTelegram) -> None:
    incoming = Incoming(platform="telegram", user_id=str(STRANGER["id"]), chat_id=str(GROUP["id"]),
                        chat_kind="group", text="...")
    clerk = Target("telegram", user_id="777")
    await Delivery(app.bot).deliver(Origin(incoming, reply_to=9), [
        say("for slack", visibility=Visibility.DIRECT_MESSAGE, target=Target("slack", user_id="U1")),
        say("for the clerk", visibility=Visibility.DIRECT_MESSAGE, target=clerk),
        say("for everyone")])
    sent = [(c.chat_id, c.text) for c in telegram.sent()]
    assert sent == [("777", "for the clerk"), (str(GROUP["id"]), "for everyone")]  # no pointer: not the sender's


async def test_the_clerks_publish_document_becomes_a_preview_of_the_changed_clauses(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    content = wendlebury_v2().encode("utf-8")
    telegram.add_file("doc-v2", content)
    await feed(app, updates.document("doc-v2", user=CLERK, caption=f"/publish@{BOT['username']} 2 Clause 5.2 reworded",
                                     file_size=len(content)))
    assert [c.params["file_id"] for c in telegram.of("getFile")] == ["doc-v2"]
    assert telegram.downloads == ["documents/doc-v2.txt"]  # from the file URL on the configured server
    sent = telegram.sent(CLERK["id"])
    preview = "\n".join(call.text for call in sent)
    assert sent[0].params["parse_mode"] == "HTML"
    assert "Preview: version 2 of Wendlebury" in preview and "1 changed, 1 added, 1 removed" in preview
    assert "5.2 changed\n  was: " in preview and "raised with the Parish Clerk." in preview  # old and new text
    assert "  now: " in preview and "raised with the Chairman." in preview
    assert "5.3 added" in preview and "1.3 removed" in preview
    assert "config/councils/&lt;council&gt;.yaml" in preview  # the preview is escaped HTML like any reply
    assert "Note: Clause 5.2 reworded" in preview
    assert [b["text"] for b in sent[-1].buttons()] == ["Publish", "Cancel"]
    assert callback_data("Publish", sent[-1].buttons()).startswith("publish.confirm|wendlebury:")


async def test_a_publish_document_from_anyone_but_the_clerk_is_politely_refused(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    telegram.add_file("doc-okafor", wendlebury_v2().encode("utf-8"))
    await feed(app, updates.document("doc-okafor", user=OKAFOR, caption="/publish"))
    [refusal] = telegram.sent(OKAFOR["id"])
    assert refusal.text.startswith("Sorry, /publish is only for") and not refusal.buttons()


async def test_an_oversize_document_is_refused_before_it_is_downloaded(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    await feed(app, updates.document("doc-huge", user=CLERK, caption="/publish", file_size=5 * 1024 * 1024))
    [refused] = telegram.sent(CLERK["id"])
    assert refused.text == TOO_LARGE
    assert telegram.of("getFile") == [] and telegram.downloads == []
    telegram.add_file("doc-big", b"- 1.1. x\n" * 150_000)  # Telegram did not say its size: counted on arrival
    await feed(app, updates.document("doc-big", user=CLERK, caption="/publish"))
    assert telegram.sent(CLERK["id"])[-1].text == TOO_LARGE


async def test_a_binary_or_uncaptioned_document_gets_a_clear_note_and_nothing_is_logged(
        app: App, telegram: FakeTelegram, updates: Updates, caplog: pytest.LogCaptureFixture) -> None:
    secret = "confidential clause text"
    telegram.add_file("doc-pdf", b"%PDF-1.7\n\xff\xfe\x00\x81 " + secret.encode())
    with caplog.at_level(logging.DEBUG):
        await feed(app, updates.document("doc-pdf", user=CLERK, caption="/publish", mime_type="application/pdf"))
        await feed(app, updates.document("doc-pdf", user=CLERK))  # the Clerk's file alone is read: for /publish
        await feed(app, updates.document("doc-pdf", user=OKAFOR))  # anyone else's is not
    assert [c.text for c in telegram.sent(CLERK["id"])] == [NOT_TEXT, NOT_TEXT]
    assert [c.text for c in telegram.sent(OKAFOR["id"])] == [ONLY_PUBLISH] and len(telegram.downloads) == 2
    assert all(secret not in record.getMessage() for record in caplog.records)


async def test_a_document_sent_first_is_previewed_by_publish_sent_after_it(
        app: App, telegram: FakeTelegram, updates: Updates) -> None:
    telegram.add_file("doc-first", wendlebury_v2().encode("utf-8"))
    await feed(app, updates.document("doc-first", user=CLERK, file_name="protocol-v2.txt"))
    [kept] = telegram.sent(CLERK["id"])
    assert kept.text.startswith("Got protocol-v2.txt. Send /publish [VERSION] [NOTE] within 30 minutes")
    await feed(app, updates.text("/publish 2026-12", user=CLERK))
    preview = "\n".join(call.text for call in telegram.sent(CLERK["id"])[1:])
    assert "Preview: version 2026-12 of Wendlebury" in preview and "5.2 changed" in preview
    assert [b["text"] for b in telegram.sent(CLERK["id"])[-1].buttons()] == ["Publish", "Cancel"]
