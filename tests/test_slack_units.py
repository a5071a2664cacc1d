"""The Slack adapter's pure parts: escaping, Block Kit limits, payload translation, slash words, token checks."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.cli.serve import ServeOptions
from adapters.slack import runner
from adapters.slack.app import ATTACHING
from adapters.slack.blocks import MAX_BLOCKS, MAX_TEXT, action_of, choice_made, render
from adapters.slack.events import chat_kind, from_block_actions
from adapters.slack.files import trusted
from adapters.slack.mrkdwn import escape, from_slack
from bot.commands import core_commands
from bot.messages import Action, Button, QuoteBlock, Reply, Text
from bot.slash import Reading, read


def test_escape_makes_mentions_and_links_inert() -> None:
    assert escape("<!channel> & <@U1> <https://x|y>") == "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://x|y&gt;"


def test_incoming_text_is_what_the_person_typed() -> None:
    typed = "<@UBOT> is 1 &lt; 2 &amp;&amp; <https://example.org|the site> ok? <@U123|bob>"
    assert from_slack(typed, bot_user_id="UBOT") == "is 1 < 2 && the site ok? <@U123|bob>"
    assert from_slack("<mailto:a@b.org>") == "mailto:a@b.org"


def test_quotes_citations_and_buttons() -> None:
    reply = Reply((Text("Short answer."), QuoteBlock("line one\nline <two>", "Council, 5.4", "c:5.4")),
                  (Button("Helpful", Action("feedback", "7:y")),))
    [message] = render(reply)
    assert [b["type"] for b in message.blocks] == ["section", "section", "context", "actions"]
    assert message.blocks[1]["text"]["text"] == "> line one\n> line &lt;two&gt;"
    button = message.blocks[3]["elements"][0]
    assert action_of(button["action_id"], button["value"]) == Action("feedback", "7:y")
    assert action_of("someone_elses_button", "x") is None


def test_text_is_split_within_the_section_limit_even_when_escaping_grows_it() -> None:
    for text in ("&" * 4000, "x" * 9000, ("word " * 700 + "\n") * 3):
        sections = [b["text"]["text"] for m in render(Reply((Text(text),))) for b in m.blocks]
        assert all(0 < len(s) <= MAX_TEXT for s in sections)
        joined = "".join(s.replace("\n", "") for s in sections)
        assert joined.replace(" ", "") == escape(text).replace("\n", "").replace(" ", "")


def test_many_blocks_become_several_messages_with_the_buttons_last() -> None:
    reply = Reply(tuple(Text(f"t{i}") for i in range(120)), (Button("Go", Action("x")),))
    messages = render(reply)
    assert [len(m.blocks) for m in messages] == [MAX_BLOCKS, MAX_BLOCKS, 21]
    assert messages[-1].blocks[-1]["type"] == "actions" and messages[1].text == "(continued)"


def test_choice_replaces_only_our_buttons() -> None:
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}},
                                    {"type": "actions", "block_id": "pb-buttons-0", "elements": []}]
    replaced = choice_made(blocks, "pb-buttons-0", "<!here> Helpful")
    assert replaced[0] == blocks[0] and replaced[1]["type"] == "context"
    assert replaced[1]["elements"][0]["text"] == "\u2713 &lt;!here&gt; Helpful"


def test_conversation_kinds_from_ids() -> None:
    assert [chat_kind("D1"), chat_kind("G1"), chat_kind("C1"), chat_kind("C1", channel_type="im")] == [
        "dm", "group", "channel", "dm"]


def test_presses_on_other_buttons_or_outside_a_conversation_are_not_ours() -> None:
    home_press = {"type": "block_actions", "user": {"id": "U1"}, "container": {"type": "view"},
                  "actions": [{"action_id": "pb:0:feedback", "value": "1:y"}]}
    assert from_block_actions(home_press) is None
    assert from_block_actions({**home_press, "channel": {"id": "C1"},
                               "actions": [{"action_id": "other", "value": "x"}]}) is None


@pytest.mark.parametrize(("typed", "meant"), [
    ("", "/help"), ("help", "/help"), ("WHOAMI", "/whoami"), ("report", "I want to report a concern"),
    ("grievance", "I want to raise a grievance"), ("/council ledbury", "/council ledbury"),
    ("council members may not instruct staff?", "council members may not instruct staff?"),
    ("council Ledbury", "/council Ledbury"), ("council tax question", "council tax question"),
    ("help me understand who I report bullying to", "help me understand who I report bullying to"),
    ("ask can I?", "/ask can I?"), ("cancel a meeting", "cancel a meeting"),
])
def test_slash_words(typed: str, meant: str) -> None:
    assert read(typed, core_commands(), councils=["ledbury", "wendlebury"]) == Reading(meant)


def options(socket_mode: bool | None = None) -> ServeOptions:
    return ServeOptions(port=3000, host="127.0.0.1", webhook=None, socket_mode=socket_mode)


def test_missing_tokens_are_named() -> None:
    assert "SLACK_BOT_TOKEN" in str(runner.settings(options(), {}))
    http = runner.settings(options(), {"SLACK_BOT_TOKEN": "xoxb-1"})
    assert isinstance(http, str) and "SLACK_SIGNING_SECRET" in http and "HTTP Events" in http
    socket = runner.settings(options(socket_mode=True), {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert isinstance(socket, str) and "SLACK_APP_TOKEN" in socket
    chosen = runner.settings(options(), {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert isinstance(chosen, runner.SlackSettings) and chosen.socket_mode
    forced = runner.settings(options(socket_mode=False), {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1",
                                                          "SLACK_SIGNING_SECRET": "s"})
    assert isinstance(forced, runner.SlackSettings) and not forced.socket_mode


def test_serve_without_tokens_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert runner.run(options()) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err


def test_manifest_subscribes_to_what_the_app_listens_for() -> None:
    import yaml

    from adapters.slack.app import COMMAND, PUBLISH_COMMAND
    from config.settings import CONFIG_DIR

    manifest = yaml.safe_load((CONFIG_DIR / "slack" / "manifest.yaml").read_text(encoding="utf-8"))
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im",
                                                                             "app_home_opened"}
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND, PUBLISH_COMMAND]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "im:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"])


def test_the_bot_token_goes_only_to_slack_file_hosts_or_the_configured_api() -> None:
    api = "http://127.0.0.1:8123/api/"
    assert trusted("https://files.slack.com/files-pri/T1-F1/download/p.txt", "https://slack.com/api/")
    assert trusted("http://127.0.0.1:8123/files/F1/p.txt", api)
    assert not trusted("http://files.slack.com/files-pri/T1-F1/p.txt", api)  # not over plain http
    assert not trusted("https://files.slack.com.evil.example/p.txt", api)
    assert not trusted("https://evil.example/slack.com/p.txt", api)
    assert not trusted("http://127.0.0.1:9999/files/F1/p.txt", api)


def test_only_publish_downloads_the_shared_file() -> None:
    assert ATTACHING.match("/publish") and ATTACHING.match("/publish 2026-11 a note")
    assert not ATTACHING.match("/publishing") and not ATTACHING.match("what does /publish do?")


def test_the_outbox_worker_runs_in_serve_unless_turned_off() -> None:
    assert runner.outbox_enabled({}) and runner.outbox_enabled({"PROTOCOL_BOT_SLACK_OUTBOX": "1"})
    assert not runner.outbox_enabled({"PROTOCOL_BOT_SLACK_OUTBOX": "0"})
    assert not runner.outbox_enabled({"PROTOCOL_BOT_SLACK_OUTBOX": " off "})
