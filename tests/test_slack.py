"""Slack scenarios: signed requests with realistic payloads into the real Bolt app, wired to the real Dialogue
(SQLite store, fake embedder), answering through a fake Slack Web API on loopback. Nothing of ours is mocked.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from adapters.slack.app import SlackBot
from adapters.slack.blocks import MAX_BLOCKS, MAX_TEXT
from adapters.slack.client import web_client
from adapters.slack.files import MAX_BYTES
from adapters.slack.http import web_app
from bot.commands import Command
from bot.context import Turn
from bot.dialogue import Dialogue
from bot.messages import Reply, Text
from bot.qa import QaService
from bot.store import Store
from config.settings import CONFIG_DIR
from knowledge.embedding import HashEmbedder
from knowledge.library import Library
from tests.slack_fake import (
    SECRET,
    TEAM,
    FakeSlack,
    block_actions_form,
    command_form,
    direct_message,
    event_body,
    file_share,
    mention,
    signed,
)
from tests.test_publish_chat import wendlebury_v2

QUESTION = "must councillors respect the impartiality of officers?"
OKAFOR = "UOKAFOR"
CLERK = "UCLERK"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory) -> QaService:
    """Wendlebury as a Clerk would set it up for Slack: the workspace bound, two members linked by user id."""
    home = tmp_path_factory.mktemp("slack-home")
    profile = yaml.safe_load((CONFIG_DIR / "councils" / "wendlebury.yaml").read_text(encoding="utf-8"))
    slack_ids = {"Margaret Ashdown": CLERK, "Cllr Ruth Okafor": OKAFOR}
    for person in profile["roster"]:
        if person["name"] in slack_ids:
            person["handles"]["slack"] = slack_ids[person["name"]]
    profile["bindings"] = [{"platform": "slack", "workspace": TEAM}]
    path = home / "councils" / "wendlebury" / "profile.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    library = Library(home, HashEmbedder())
    library.load_all(only="wendlebury")
    return QaService(library)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    started = await FakeSlack().start()
    yield started
    await started.close()


@pytest.fixture
async def bot(qa: QaService, tmp_path: Path, fake: FakeSlack) -> AsyncIterator[SlackBot]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'protocol-bot.db'}")
    dialogue = Dialogue(qa, store)
    await dialogue.start()
    made = SlackBot(dialogue, web_client("xoxb-test", base_url=fake.url), signing_secret=SECRET)
    yield made
    await made.settled()
    await store.close()


@pytest.fixture
async def http(bot: SlackBot) -> AsyncIterator[TestClient[Any, Any]]:
    client: TestClient[Any, Any] = TestClient(TestServer(web_app(bot), host="127.0.0.1", port=0))
    await client.start_server()
    yield client
    await client.close()


async def send_event(http: TestClient[Any, Any], event: dict[str, Any], *, event_id: str = "Ev001",
                     **headers: str) -> int:
    body = json.dumps(event_body(event, event_id=event_id))
    response = await http.post("/slack/events", data=body, headers={**signed(body), **headers})
    return response.status


async def send_form(http: TestClient[Any, Any], body: str) -> tuple[int, str]:
    response = await http.post("/slack/events", data=body, headers=signed(body, content_type=FORM))
    return response.status, await response.text()


def block_types(call: Any) -> list[str]:
    return [b["type"] for b in call.args["blocks"]]


def shown(call: Any) -> str:
    return "\n".join(e.get("text", "") if isinstance(e.get("text"), str) else e["text"]["text"]
                     for b in call.args["blocks"] for e in ([b] if b["type"] == "section" else b.get("elements", [])))


async def test_mention_is_answered_in_its_thread_with_quotes_citations_and_buttons(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    assert await send_event(http, mention(QUESTION, user=OKAFOR, ts="1700000100.000200")) == 200
    await bot.settled()
    [post] = fake.of("chat.postMessage")
    assert post.args["channel"] == "CGENERAL" and post.args["thread_ts"] == "1700000100.000200"
    types = block_types(post)
    assert types[0] == "section" and "context" in types and types[-1] == "actions"
    quotes = [b["text"]["text"] for b in post.args["blocks"] if b["type"] == "section"][1:]
    assert quotes and all(q.startswith("> ") for q in quotes)
    citations = [b["elements"][0]["text"] for b in post.args["blocks"] if b["type"] == "context"]
    assert all("Wendlebury" in c for c in citations)
    assert shown(post).startswith("As a councillor, this applies to you:")  # linked by Slack user id
    assert [e["text"]["text"] for e in post.args["blocks"][-1]["elements"]] == ["Helpful", "Not helpful"]
    assert post.args["text"]  # a notification fallback


async def test_a_reply_in_a_thread_stays_in_that_thread(http: TestClient[Any, Any], bot: SlackBot,
                                                         fake: FakeSlack) -> None:
    await send_event(http, mention(QUESTION, user=OKAFOR, ts="1700000101.000200", thread_ts="1700000001.000100"))
    await bot.settled()
    assert fake.of("chat.postMessage")[0].args["thread_ts"] == "1700000001.000100"


async def test_direct_message_is_answered_in_the_dm(http: TestClient[Any, Any], bot: SlackBot,
                                                    fake: FakeSlack) -> None:
    await send_event(http, direct_message(QUESTION, user=OKAFOR))
    await bot.settled()
    [post] = fake.of("chat.postMessage")
    assert post.args["channel"] == f"D{OKAFOR}" and "thread_ts" not in post.args
    assert "Wendlebury" in shown(post)


async def test_slash_command_is_acknowledged_before_it_is_answered(http: TestClient[Any, Any], bot: SlackBot,
                                                                   fake: FakeSlack) -> None:
    gate = fake.hold("response")
    started = time.monotonic()
    status, body = await send_form(http, command_form(QUESTION, user=OKAFOR, response_url=fake.response_url()))
    assert status == 200 and body == "" and time.monotonic() - started < 3
    assert fake.of("response") == []  # the answer is still on its way
    gate.set()
    await bot.settled()
    [answer] = fake.of("response")
    assert answer.args["response_type"] == "ephemeral" and "Wendlebury" in shown(answer)
    assert fake.of("chat.postMessage") == []


async def test_slash_command_help_lists_the_commands(http: TestClient[Any, Any], bot: SlackBot,
                                                     fake: FakeSlack) -> None:
    await send_form(http, command_form("help", user=OKAFOR, response_url=fake.response_url()))
    await bot.settled()
    assert "/protocol whoami" in shown(fake.of("response")[0])  # Slack refuses a message starting "/whoami"


async def test_pressed_buttons_are_replaced_by_the_choice_then_acted_on(http: TestClient[Any, Any], bot: SlackBot,
                                                                        fake: FakeSlack) -> None:
    await send_event(http, mention(QUESTION, user=OKAFOR, ts="1700000100.000200"))
    await bot.settled()
    [post] = fake.of("chat.postMessage")
    message = {"ts": "1700000999.000100", "thread_ts": "1700000100.000200", "text": post.args["text"],
               "blocks": post.args["blocks"]}
    status, _ = await send_form(http, block_actions_form(user=OKAFOR, channel="CGENERAL", message=message,
                                                         label="Not helpful", response_url=fake.response_url()))
    assert status == 200
    await bot.settled()
    [update] = fake.of("chat.update")
    assert update.args["channel"] == "CGENERAL" and update.args["ts"] == "1700000999.000100"
    assert "actions" not in block_types(update) and "\u2713 Not helpful" in shown(update)
    assert block_types(update)[:-1] == block_types(post)[:-1]  # the answer itself is kept
    [thanks] = fake.of("chat.postEphemeral")
    assert thanks.args["user"] == OKAFOR and "Thank you" in shown(thanks)
    assert thanks.args["thread_ts"] == "1700000100.000200"
    rated = await bot.dialogue.store.feedback.rated("wendlebury")
    assert [(f.question, f.helpful) for f in rated] == [(QUESTION, False)]


async def test_buttons_on_an_ephemeral_answer_are_replaced_through_its_response_url(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    await send_form(http, command_form(QUESTION, user=OKAFOR, response_url=fake.response_url("cmd")))
    await bot.settled()
    [answer] = fake.of("response")
    message = {"ts": "1700000998.000100", "text": answer.args["text"], "blocks": answer.args["blocks"]}
    await send_form(http, block_actions_form(user=OKAFOR, channel="CGENERAL", message=message, label="Helpful",
                                             response_url=fake.response_url("press"), ephemeral=True))
    await bot.settled()
    replaced, thanks = fake.of("response")[1:]
    assert replaced.args["replace_original"] is True and "actions" not in block_types(replaced)
    assert "\u2713 Helpful" in shown(replaced)
    assert thanks.args["replace_original"] is False and "Thank you" in shown(thanks)
    assert fake.of("chat.update") == [] and fake.of("chat.postMessage") == []


async def test_bad_signature_and_stale_timestamp_are_rejected(http: TestClient[Any, Any], bot: SlackBot,
                                                              fake: FakeSlack) -> None:
    body = json.dumps(event_body(mention(QUESTION, user=OKAFOR)))
    forged = await http.post("/slack/events", data=body, headers=signed(body, secret="not-the-secret"))
    stale = await http.post("/slack/events", data=body, headers=signed(body, timestamp=int(time.time()) - 600))
    assert (forged.status, stale.status) == (401, 401)
    await bot.settled()
    assert fake.of("chat.postMessage") == []


async def test_a_retried_event_is_answered_once(http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    event = mention(QUESTION, user=OKAFOR)
    assert await send_event(http, event) == 200
    assert await send_event(http, event, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}) == 200
    await bot.settled()
    assert await send_event(http, event, event_id="Ev001",
                            **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}) == 200
    await bot.settled()
    assert len(fake.of("chat.postMessage")) == 1


async def test_a_dm_mentioning_the_bot_arrives_twice_and_is_answered_once(http: TestClient[Any, Any],
                                                                           bot: SlackBot, fake: FakeSlack) -> None:
    dm = direct_message(f"<@UBOT> {QUESTION}", user=OKAFOR)
    both = [dm, {**dm, "type": "app_mention"}]
    for i, event in enumerate(both):
        await send_event(http, event, event_id=f"Ev00{i}")
    await bot.settled()
    assert len(fake.of("chat.postMessage")) == 1


async def test_mentions_typed_by_a_person_come_back_inert(http: TestClient[Any, Any], bot: SlackBot,
                                                          fake: FakeSlack) -> None:
    await send_event(http, direct_message("/council <!channel> <@U999> <https://evil.example|click>", user=OKAFOR))
    await bot.settled()
    posted = " ".join(c.text() for c in fake.calls if c.method == "chat.postMessage")
    assert "&lt;!channel&gt;" in posted and "&lt;@U999&gt;" in posted
    assert "<!channel>" not in posted and "<@U999>" not in posted and "<https://" not in posted


async def test_rate_limit_is_waited_out_and_the_answer_delivered_once(http: TestClient[Any, Any], bot: SlackBot,
                                                                      fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", 429, retry_after=1)
    started = time.monotonic()
    await send_event(http, direct_message(QUESTION, user=OKAFOR))
    await bot.settled()
    assert time.monotonic() - started >= 1.0
    assert [a.status for a in fake.attempts if a.method == "chat.postMessage"] == [429, 200]
    assert len(fake.of("chat.postMessage")) == 1


async def test_server_errors_are_retried_with_backoff(http: TestClient[Any, Any], bot: SlackBot,
                                                      fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", 500, times=2)
    await send_event(http, direct_message(QUESTION, user=OKAFOR))
    await bot.settled()
    assert [a.status for a in fake.attempts if a.method == "chat.postMessage"] == [500, 500, 200]


async def test_failures_are_logged_without_content(http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    fake.fail("chat.postMessage", 500, times=4)
    await send_event(http, direct_message("a secret about the clerk?", user=OKAFOR))
    await bot.settled()
    assert fake.of("chat.postMessage") == []
    assert "not delivered" in caplog.text and "chat.postMessage 500" in caplog.text
    assert "secret" not in caplog.text and "Wendlebury" not in caplog.text


async def test_grievance_started_in_a_channel_continues_in_the_dm(http: TestClient[Any, Any], bot: SlackBot,
                                                                  fake: FakeSlack) -> None:
    await send_event(http, mention("I want to raise a grievance about the clerk", user=OKAFOR))
    await bot.settled()
    [opened] = fake.of("conversations.open")
    assert opened.args["users"] == OKAFOR
    [offer] = fake.of("chat.postMessage")
    assert offer.args["channel"] == f"D{OKAFOR}" and "Raise a grievance" in json.dumps(offer.args["blocks"])
    [notice] = fake.of("chat.postEphemeral")
    assert notice.args["channel"] == "CGENERAL" and notice.args["user"] == OKAFOR
    assert shown(notice) == "I've sent you a private message."
    assert not [c for c in fake.calls if c.args.get("channel") == "CGENERAL" and c.method != "chat.postEphemeral"]
    message = {"ts": "1700000999.000100", "text": offer.args["text"], "blocks": offer.args["blocks"]}
    await send_form(http, block_actions_form(user=OKAFOR, channel=f"D{OKAFOR}", message=message,
                                             label="Raise a grievance", response_url=fake.response_url()))
    await bot.settled()
    after = [c for c in fake.calls[fake.calls.index(notice) + 1:] if c.method.startswith("chat.")]
    assert after and {c.args["channel"] for c in after} == {f"D{OKAFOR}"}  # the flow (or who to contact)


async def test_slash_report_in_a_channel_only_tells_the_channel_about_the_dm(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    await send_form(http, command_form("report", user=OKAFOR, response_url=fake.response_url()))
    await bot.settled()
    [offer] = fake.of("chat.postMessage")
    assert offer.args["channel"] == f"D{OKAFOR}" and "Report a concern" in json.dumps(offer.args["blocks"])
    [notice] = fake.of("response")
    assert notice.args["response_type"] == "ephemeral" and shown(notice) == "I've sent you a private message."
    assert fake.of("chat.postEphemeral") == []


async def test_replies_beyond_slack_limits_are_split(http: TestClient[Any, Any], bot: SlackBot,
                                                     fake: FakeSlack) -> None:
    async def long(turn: Turn, _args: str) -> list[Reply]:
        return [Reply((Text("word " * 1500), *(Text(f"line {i}") for i in range(60))), meta={"kind": "long"})]

    bot.dialogue.add_command(Command("long", long, "a long reply"))
    await send_event(http, direct_message("/long", user=OKAFOR))
    await bot.settled()
    posts = fake.of("chat.postMessage")
    assert len(posts) == 2 and all(len(p.args["blocks"]) <= MAX_BLOCKS for p in posts)
    sections = [b["text"]["text"] for p in posts for b in p.args["blocks"]]
    assert all(len(s) <= MAX_TEXT for s in sections) and len(sections) == 3 + 60  # 7,500 characters: 3 sections
    assert sections[-1] == "line 59" and {p.args["channel"] for p in posts} == {f"D{OKAFOR}"}


async def test_socket_mode_envelope_is_answered(bot: SlackBot, fake: FakeSlack) -> None:
    envelope = {"type": "events_api", "envelope_id": "env-1", "accepts_response_payload": False,
                "retry_attempt": 0, "retry_reason": "",
                "payload": event_body(mention(QUESTION, user=OKAFOR, ts="1700000400.000100"))}
    request = SocketModeRequest.from_dict(envelope)
    assert request is not None
    response = await run_async_bolt_app(bot.app, request)  # no signature: the socket is the authentication
    assert response.status == 200
    await bot.settled()
    [post] = fake.of("chat.postMessage")
    assert post.args["thread_ts"] == "1700000400.000100"


async def test_app_home_shows_what_the_bot_does_and_who_you_are(http: TestClient[Any, Any], bot: SlackBot,
                                                                fake: FakeSlack) -> None:
    await send_event(http, {"type": "app_home_opened", "user": OKAFOR, "channel": f"D{OKAFOR}", "tab": "home",
                            "event_ts": "1700000500.000100"})
    await bot.settled()
    [publish] = fake.of("views.publish")
    view = publish.args["view"]
    text = json.dumps(view)
    assert publish.args["user_id"] == OKAFOR and view["type"] == "home"
    assert "Council: wendlebury" in text and "Cllr Ruth Okafor (councillor) of wendlebury" in text
    assert "/protocol report" in text


async def test_health_check(http: TestClient[Any, Any]) -> None:
    response = await http.get("/healthz")
    assert response.status == 200 and await response.json() == {"ok": True}


async def test_bot_ignores_its_own_messages(http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    await send_event(http, {**direct_message(QUESTION, user="UBOT"), "bot_id": "BBOT"})
    await send_event(http, {**direct_message(QUESTION, user=OKAFOR), "subtype": "message_changed"}, event_id="E2")
    await bot.settled()
    assert fake.of("chat.postMessage") == []



async def test_clerk_shares_a_file_with_publish_and_sees_the_preview(http: TestClient[Any, Any], bot: SlackBot,
                                                                     fake: FakeSlack) -> None:
    shared = fake.upload("protocol-v2.txt", wendlebury_v2().encode("utf-8"))
    assert await send_event(http, file_share("/publish 2026-11 Clause 5.2 reworded", [shared], user=CLERK)) == 200
    await bot.settled()
    assert [(d.file_id, d.authorization) for d in fake.downloads] == [(shared["id"], "Bearer xoxb-test")]
    [preview] = fake.of("chat.postMessage")
    assert preview.args["channel"] == f"D{CLERK}"
    text = shown(preview)
    assert "1 changed, 1 added, 1 removed" in text and "5.2 changed" in text and "raised with the Chairman." in text
    assert [e["text"]["text"] for e in preview.args["blocks"][-1]["elements"]] == ["Publish", "Cancel"]


async def test_publish_with_a_file_in_a_channel_previews_in_the_dm(http: TestClient[Any, Any], bot: SlackBot,
                                                                   fake: FakeSlack) -> None:
    shared = fake.upload("protocol-v2.txt", wendlebury_v2().encode("utf-8"))
    await send_event(http, file_share("/publish", [shared], user=CLERK, channel="CGENERAL"))
    await bot.settled()
    [preview] = fake.of("chat.postMessage")
    assert preview.args["channel"] == f"D{CLERK}" and "5.2 changed" in shown(preview)
    assert not [c for c in fake.calls if c.args.get("channel") == "CGENERAL" and c.method == "chat.postMessage"]


async def test_a_file_shared_first_is_previewed_by_the_publish_slash_command(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    shared = fake.upload("protocol-v2.txt", wendlebury_v2().encode("utf-8"))
    await send_event(http, file_share("", [shared], user=CLERK))
    await bot.settled()
    [kept] = fake.of("chat.postMessage")
    assert kept.args["channel"] == f"D{CLERK}"
    assert shown(kept).startswith("Got protocol-v2.txt. Send /publish [VERSION] [NOTE] within 30 minutes")
    form = dict(parse_qsl(command_form("", user=CLERK, channel=f"D{CLERK}", response_url=fake.response_url("pub"))))
    status, _ = await send_form(http, urlencode({**form, "command": "/publish"}))  # Slack's own slash command
    await bot.settled()
    [preview] = fake.of("response")
    assert status == 200 and "1 changed, 1 added, 1 removed" in shown(preview) and "5.2 changed" in shown(preview)
    assert [e["text"]["text"] for e in preview.args["blocks"][-1]["elements"]] == ["Publish", "Cancel"]

    councillors = fake.upload("notes.txt", b"my own notes")  # anyone else's file alone: not read, nothing said
    await send_event(http, file_share("", [councillors], user=OKAFOR, ts="1700000700.000100"), event_id="E2")
    await bot.settled()
    assert [d.file_id for d in fake.downloads] == [shared["id"]] and len(fake.of("chat.postMessage")) == 1


async def test_a_member_who_is_not_the_clerk_is_refused_politely(http: TestClient[Any, Any], bot: SlackBot,
                                                                 fake: FakeSlack) -> None:
    shared = fake.upload("protocol-v2.txt", wendlebury_v2().encode("utf-8"))
    await send_event(http, file_share("/publish", [shared], user=OKAFOR))
    await bot.settled()
    [refusal] = fake.of("chat.postEphemeral")  # seen by the sender alone, in the DM
    assert refusal.args["channel"] == f"D{OKAFOR}" and refusal.args["user"] == OKAFOR
    assert "only for the Clerk" in shown(refusal) and fake.of("chat.postMessage") == []


@pytest.mark.parametrize("size_said", [MAX_BYTES + 1, 10])  # Slack's size, or (wrong) a small one: read to the limit
async def test_an_oversize_file_gets_a_clear_message(http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack,
                                                    caplog: pytest.LogCaptureFixture, size_said: int) -> None:
    secret = b"confidential " + b"x" * MAX_BYTES
    shared = fake.upload("huge-protocol.txt", secret, size=size_said)
    await send_event(http, file_share("/publish", [shared], user=CLERK))
    await bot.settled()
    [message] = fake.of("chat.postMessage")
    assert message.args["channel"] == f"D{CLERK}"
    assert "huge-protocol.txt is too large" in shown(message) and "at most 1 MB" in shown(message)
    assert len(fake.downloads) == (0 if size_said > MAX_BYTES else 1)
    assert "confidential" not in caplog.text and "huge-protocol" not in caplog.text


async def test_files_that_are_not_text_are_refused_and_other_files_ignored(http: TestClient[Any, Any],
                                                                           bot: SlackBot, fake: FakeSlack) -> None:
    pdf = fake.upload("protocol.pdf", b"%PDF-1.7 ...", mimetype="application/pdf")
    await send_event(http, file_share("/publish", [pdf], user=CLERK, ts="1700000601.000100"), event_id="E1")
    latin = fake.upload("protocol.txt", "Caf\u00e9 clause".encode("cp1252"))
    await send_event(http, file_share("/publish", [latin], user=CLERK, ts="1700000602.000100"), event_id="E2")
    photo = fake.upload("photo.txt", b"not read")
    await send_event(http, file_share(QUESTION, [photo], user=OKAFOR, ts="1700000603.000100"), event_id="E3")
    await bot.settled()
    said = sorted(shown(c) for c in fake.of("chat.postMessage"))
    assert any("protocol.pdf is not a text file (application/pdf)" in s for s in said)
    assert any("protocol.txt is not UTF-8 text" in s for s in said)
    assert any("Wendlebury" in s for s in said)  # a question with a file: answered, the file left alone
    assert [d.file_id for d in fake.downloads] == [latin["id"]]


async def test_a_file_the_event_leaves_undescribed_is_looked_up_first(http: TestClient[Any, Any], bot: SlackBot,
                                                                      fake: FakeSlack) -> None:
    shared = fake.upload("protocol-v2.txt", wendlebury_v2().encode("utf-8"))
    await send_event(http, file_share("/publish", [{"id": shared["id"], "file_access": "check_file_info"}],
                                      user=CLERK))
    await bot.settled()
    assert fake.of("files.info")[0].args["file"] == shared["id"]
    assert [d.authorization for d in fake.downloads] == ["Bearer xoxb-test"]
    assert "5.2 changed" in shown(fake.of("chat.postMessage")[0])
