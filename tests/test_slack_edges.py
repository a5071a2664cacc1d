"""What a Slack admin and their members trip over (issue 15, Slack 1-7), driven from outside: signed requests into
the real Bolt app and Dialogue, answered through the fake Slack Web API; ``serve --slack`` started as deployed.
"""
# ruff: noqa: F811  (the scenario fixtures are imported from test_slack and named again as test parameters)

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp.test_utils import TestClient

from adapters.cli.serve import ServeOptions
from adapters.slack import runner
from adapters.slack.app import SlackBot
from adapters.slack.sender import SlackSender
from bot.broadcasts.worker import OutboxWorker
from config.settings import CONFIG_DIR
from tests.slack_fake import (
    SECRET,
    FakeSlack,
    block_actions_form,
    command_form,
    mention,
    signed,
    slack_user,
)
from tests.test_slack import (  # noqa: F401  (qa, fake, bot, http are fixtures)
    CLERK,
    FORM,
    OKAFOR,
    QUESTION,
    bot,
    fake,
    http,
    qa,
    send_event,
    send_form,
    shown,
)
from tests.test_slack_protocol_command import protocol
from tests.test_slack_transports import free_port, healthy, stop

HOLLINS, WHITCOMBE = "UHOLLINS", "UWHITCOMBE"


async def roster_names(bot: SlackBot) -> list[str]:
    return [m.name for m in await bot.dialogue.store.members.of_council("wendlebury")]


# 1. Mentions in /protocol role resolve to Slack user ids; what cannot be resolved is refused.

def test_the_manifest_asks_slack_to_send_mentions_as_user_ids() -> None:
    manifest = yaml.safe_load((CONFIG_DIR / "slack" / "manifest.yaml").read_text(encoding="utf-8"))
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert commands["/protocol"]["should_escape"] is True
    assert "users:read" in manifest["oauth_config"]["scopes"]["bot"]


async def test_a_typed_name_is_looked_up_and_changes_the_linked_member(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    store = bot.dialogue.store.members
    hollins = next(m for m in await store.of_council("wendlebury") if m.name == "Cllr Gareth Hollins")
    await store.link(hollins.id, "slack", HOLLINS)
    fake.users = [slack_user(HOLLINS, "gareth.hollins", "Gareth Hollins"), slack_user("UOTHER", "sam", "Sam Lee")]
    before = await roster_names(bot)
    # rfo: a role no second person need confirm (the Vice-Chair may stand in for the Chair, so that one waits)
    [said] = await protocol(http, bot, fake, "role add @gareth.hollins rfo", user=CLERK)
    assert said == "Cllr Gareth Hollins (councillor, committee chair (Planning), rfo) of wendlebury."
    assert await roster_names(bot) == before
    [escaped] = await protocol(http, bot, fake, f"role remove <@{HOLLINS}|gareth.hollins> rfo", user=CLERK)
    assert escaped == "Cllr Gareth Hollins (councillor, committee chair (Planning)) of wendlebury."


async def test_a_name_nobody_in_the_workspace_has_is_refused_and_nothing_changes(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    fake.users = [slack_user("UOTHER", "sam", "Sam Lee")]
    before = await roster_names(bot)
    [said] = await protocol(http, bot, fake, "role add @tom.hughes vice-chair", user=CLERK)
    assert said.startswith("I can't find @tom.hughes in this Slack workspace") and "Nothing was changed" in said
    assert await roster_names(bot) == before


async def test_someone_on_slack_not_yet_linked_to_their_roster_entry_is_not_added_twice(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    fake.users = [slack_user(WHITCOMBE, "alan.w", "Alan Whitcombe")]
    before = await roster_names(bot)
    [said] = await protocol(http, bot, fake, f"role add <@{WHITCOMBE}|alan.w> vice-chair", user=CLERK)
    assert said.startswith("@alan.w on Slack is not linked to Cllr Alan Whitcombe on the roster yet")
    assert "/protocol linkcode Cllr Alan Whitcombe" in said
    assert await roster_names(bot) == before


async def test_a_councillor_still_hears_that_role_is_for_the_clerk(http: TestClient[Any, Any], bot: SlackBot,
                                                                   fake: FakeSlack) -> None:
    assert await protocol(http, bot, fake, "role add @tom.hughes vice-chair") == [
        "Sorry, /protocol role is only for the Clerk."]
    assert fake.of("users.list") == []


async def test_escaped_command_text_reaches_the_dialogue_as_typed(http: TestClient[Any, Any], bot: SlackBot,
                                                                  fake: FakeSlack) -> None:
    """With ``should_escape: true`` Slack sends ``&amp;`` and ``&lt;``; the Clerk's notice says ``&`` and ``<``."""
    [queued] = await protocol(http, bot, fake, "broadcast Minutes &amp; agenda &lt;draft&gt;", user=CLERK,
                              channel=f"D{CLERK}")
    assert queued.startswith("Notice #")
    notice = await bot.dialogue.store.broadcasts.get(1)
    assert notice is not None and notice.content[0]["text"].endswith("Minutes & agenda <draft>")


# 2. Rating keeps the answer, and only the asker may rate.

async def test_rating_an_ephemeral_answer_keeps_the_answer_with_the_rating_beneath(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    await send_form(http, command_form(QUESTION, user=OKAFOR, response_url=fake.response_url("cmd")))
    await bot.settled()
    [answer] = fake.of("response")
    message = {"ts": "1700000998.000100", "text": answer.args["text"], "blocks": answer.args["blocks"]}
    await send_form(http, block_actions_form(user=OKAFOR, channel="CGENERAL", message=message, label="Not helpful",
                                             response_url=fake.response_url("press"), ephemeral=True))
    await bot.settled()
    replaced = fake.of("response")[1]
    assert replaced.args["replace_original"] is True
    kept = [b for b in replaced.args["blocks"] if b["type"] != "actions"]
    assert kept[:-1] == [b for b in answer.args["blocks"] if b["type"] != "actions"]  # the answer, unchanged
    assert shown(replaced).endswith("\u2713 Not helpful") and "actions" not in [b["type"] for b in kept]


async def test_only_the_asker_may_rate_an_answer_in_a_channel(http: TestClient[Any, Any], bot: SlackBot,
                                                              fake: FakeSlack) -> None:
    await send_event(http, mention(QUESTION, user=OKAFOR, ts="1700000100.000200"))
    await bot.settled()
    [post] = fake.of("chat.postMessage")
    message = {"ts": "1700000999.000100", "thread_ts": "1700000100.000200", "text": post.args["text"],
               "blocks": post.args["blocks"]}
    await send_form(http, block_actions_form(user=CLERK, channel="CGENERAL", message=message, label="Not helpful",
                                             response_url=fake.response_url()))
    await bot.settled()
    assert fake.of("chat.update") == []
    [refused] = fake.of("chat.postEphemeral")
    assert refused.args["user"] == CLERK and shown(refused) == "Only the person who asked can rate this."
    assert await bot.dialogue.store.feedback.rated("wendlebury") == []
    await send_form(http, block_actions_form(user=OKAFOR, channel="CGENERAL", message=message, label="Helpful",
                                             response_url=fake.response_url(), action_ts="1700000301.000400"))
    await bot.settled()
    assert len(fake.of("chat.update")) == 1
    assert [f.helpful for f in await bot.dialogue.store.feedback.rated("wendlebury")] == [True]


# 3. A refused token stops the start with a clear message; /healthz tells the truth about Socket Mode.

def serve_options(port: int = 0) -> ServeOptions:
    return ServeOptions(port=port or free_port(), host="127.0.0.1", webhook=None, socket_mode=None)


@pytest.fixture
def deployed(home: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> FakeSlack:
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    monkeypatch.setenv("PROTOCOL_BOT_SLACK_API_URL", fake.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    return fake


@pytest.mark.parametrize("error", ["invalid_auth", "not_authed", "token_revoked"])
async def test_a_refused_bot_token_stops_serve_with_a_clear_message(
        deployed: FakeSlack, capsys: pytest.CaptureFixture[str], error: str) -> None:
    deployed.errors["auth.test"] = error
    code = await asyncio.to_thread(runner.run, serve_options())
    err = capsys.readouterr().err
    assert code == 2
    assert f"Slack refused SLACK_BOT_TOKEN ({error})" in err and "Bot User OAuth Token" in err
    assert "Traceback" not in err


async def test_a_refused_app_token_stops_socket_mode_with_a_clear_message(
        deployed: FakeSlack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-revoked")
    deployed.errors["apps.connections.open"] = "invalid_auth"
    code = await asyncio.to_thread(runner.run, serve_options())
    err = capsys.readouterr().err
    assert code == 2 and "Slack refused SLACK_APP_TOKEN (invalid_auth)" in err and "connections:write" in err
    assert deployed.of("auth.test")  # the bot token was checked first


async def test_healthz_is_503_while_socket_mode_is_not_connected(deployed: FakeSlack,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    options = serve_options()
    chosen = runner.settings(options)
    assert isinstance(chosen, runner.SlackSettings)
    task = asyncio.create_task(runner.serve(options, chosen))
    try:
        assert await healthy(options.port)
        await deployed.drop_sockets()
        url = f"http://127.0.0.1:{options.port}/healthz"
        async with aiohttp.ClientSession() as session:
            for _ in range(250):
                async with session.get(url) as response:
                    if response.status == 503:
                        assert (await response.json())["ok"] is False
                        break
                await asyncio.sleep(0.02)
            else:
                pytest.fail("/healthz stayed 200 after Socket Mode lost its connection")
    finally:
        await stop(task)


# 4. Command hints in Slack name /protocol: a message starting with "/" is refused by Slack.

async def test_help_and_replies_give_commands_slack_accepts(http: TestClient[Any, Any], bot: SlackBot,
                                                            fake: FakeSlack) -> None:
    [listed] = await protocol(http, bot, fake, "help")
    command_lines = [line.strip() for line in listed.split("\n") if line.strip().startswith("/")]
    assert command_lines and all(line.startswith(("/protocol ", "/publish")) for line in command_lines)
    assert "/protocol whoami - " in listed and "/protocol case " in listed
    unknown = await protocol(http, bot, fake, "/frobnicate now")
    assert unknown[0] == "Unknown command /frobnicate. Try /protocol help."


async def test_app_home_gives_commands_slack_accepts(http: TestClient[Any, Any], bot: SlackBot,
                                                     fake: FakeSlack) -> None:
    await send_event(http, {"type": "app_home_opened", "user": OKAFOR, "channel": f"D{OKAFOR}", "tab": "home",
                            "event_ts": "1700000500.000100"})
    await bot.settled()
    [view] = fake.of("views.publish")
    text = "\n".join(b["text"]["text"] for b in view.args["view"]["blocks"] if b["type"] == "section")
    assert "\n/protocol whoami - " in text and "\n/whoami" not in text and "\n/help" not in text


# 5. Junk is refused quietly, before it is parsed.

async def test_junk_is_refused_quietly(http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    now = str(int(time.time()))
    unsigned = {"X-Slack-Request-Timestamp": now, "Content-Type": "application/json"}
    cases: list[tuple[bytes, dict[str, str], int]] = [
        (b"{not json", unsigned, 401),
        (b"\xff\xfe\x00junk", unsigned, 401),
        (b"{}", {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00", "Content-Type": FORM}, 401),
        (b"{not json", signed("{not json"), 400),
        (b"payload=%7Bnot+json", signed("payload=%7Bnot+json", content_type=FORM), 400),
        (b"[1, 2]", signed("[1, 2]"), 400),
    ]
    bad_utf8 = b"{\"type\": \"\xff\"}"
    digest = hmac.new(SECRET.encode(), f"v0:{now}:".encode() + bad_utf8, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": f"v0={digest}", "Content-Type": FORM}
    cases.append((bad_utf8, headers, 400))
    for body, sent_headers, expected in cases:
        response = await http.post("/slack/events", data=body, headers=sent_headers)
        assert response.status == expected, body
    no_channel = {k: v for k, v in mention(QUESTION, user=OKAFOR).items() if k not in ("channel", "ts")}
    assert await send_event(http, no_channel) == 200
    await bot.settled()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert fake.of("chat.postMessage") == []


# 6. Nothing said to a person is lost: undelivered replies go to the outbox; a command is always answered.

async def test_an_answer_slack_keeps_refusing_is_delivered_later_through_the_outbox(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    fake.fail("response", 429, retry_after=0, times=4)
    await send_form(http, command_form(QUESTION, user=OKAFOR, response_url=fake.response_url()))
    await bot.settled()
    assert fake.of("response") == []
    sender = SlackSender("xoxb-test", base_url=fake.url)
    try:
        assert await OutboxWorker(bot.dialogue.store, {"slack": sender}).run_once("slack") == 1
    finally:
        await sender.close()
    [later] = fake.of("chat.postMessage")
    assert later.args["channel"] == OKAFOR
    text = shown(later)
    assert text.startswith("My reply to your earlier message") and "Wendlebury" in text


async def test_every_command_is_answered_even_past_the_flood_limit(http: TestClient[Any, Any], bot: SlackBot,
                                                                   fake: FakeSlack) -> None:
    said = [await protocol(http, bot, fake, "whoami") for _ in range(13)]
    assert all(len(s) == 1 for s in said), said
    assert "faster than I can answer" in said[10][0]
    assert "wait a minute" in said[11][0] and "wait a minute" in said[12][0]


# 7. /council in a chat bound by configuration says so, and offers no buttons.

async def test_council_in_a_bound_chat_says_it_is_bound(http: TestClient[Any, Any], bot: SlackBot,
                                                        fake: FakeSlack) -> None:
    [said] = await protocol(http, bot, fake, "council")
    assert said == ("This chat is bound to wendlebury by the council's configuration, so it cannot be switched "
                    "here; the Clerk can change it.")
    assert "actions" not in [b["type"] for b in fake.of("response")[-1].args["blocks"]]

