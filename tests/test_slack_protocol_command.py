"""``/protocol NAME ARGS`` on Slack: a command word with the arguments it takes runs that command, exactly as the
dedicated command would; a question that starts with a command word is still answered as a question. Signed
slash-command requests into the real Bolt app and Dialogue, answered through the fake Slack Web API.
"""
# ruff: noqa: F811  (the scenario fixtures are imported from test_slack and named again as test parameters)

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp.test_utils import TestClient

from adapters.slack.app import SlackBot
from bot.slash import ARGUMENTS
from tests.slack_fake import FakeSlack, command_form, file_share
from tests.test_publish_chat import wendlebury_v2
from tests.test_slack import (  # noqa: F401  (qa, fake, bot, http are fixtures)
    CLERK,
    OKAFOR,
    bot,
    fake,
    http,
    qa,
    send_event,
    send_form,
    shown,
)

_triggers = iter(range(1000, 100000))


async def protocol(http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack, text: str, *, user: str = OKAFOR,
                   channel: str = "CGENERAL", command: str = "/protocol") -> list[str]:
    """Send ``command text`` as Slack does; what the asker was shown through the response URL, one per reply."""
    seen = len(fake.of("response"))
    form = dict(parse_qsl(command_form(text, user=user, channel=channel, response_url=fake.response_url(),
                                       trigger=f"tr{next(_triggers)}"), keep_blank_values=True))
    status, _ = await send_form(http, urlencode({**form, "command": command}))
    assert status == 200
    await bot.settled()
    return [shown(call) for call in fake.of("response")[seen:]]


def answered_as_question(said: list[str]) -> bool:
    """An answer from the protocol: quotes cited from Wendlebury's, or its polite "not in the protocol"."""
    return bool(said) and ("Wendlebury" in said[0] or "protocol" in said[0].lower())


async def share_new_version(http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack, *, n: int = 1) -> None:
    """The Clerk shares the text in the DM first (a slash command cannot carry a file); a preview uses it up."""
    shared = fake.upload("protocol-v2.txt", wendlebury_v2().encode("utf-8"))
    await send_event(http, file_share("", [shared], user=CLERK, ts=f"170000060{n}.000100"), event_id=f"Ev-share-{n}")
    await bot.settled()


async def test_publish_with_arguments_runs_publish_like_its_own_slash_command(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    await share_new_version(http, bot, fake)
    [dedicated] = await protocol(http, bot, fake, "2026-11 Clause 5.2 reworded", user=CLERK, channel=f"D{CLERK}",
                                 command="/publish")
    await share_new_version(http, bot, fake, n=2)
    [through] = await protocol(http, bot, fake, "publish 2026-11 Clause 5.2 reworded", user=CLERK,
                               channel=f"D{CLERK}")
    assert through == dedicated
    assert through.startswith("Preview: version 2026-11 of") and "Note: Clause 5.2 reworded" in through
    assert [e["text"]["text"] for e in fake.of("response")[-1].args["blocks"][-1]["elements"]] == ["Publish",
                                                                                                 "Cancel"]
    await share_new_version(http, bot, fake, n=3)  # the Clerk's note without a version: still /publish, for them
    [noted] = await protocol(http, bot, fake, "publish Clause 5.2 reworded", user=CLERK, channel=f"D{CLERK}")
    assert noted.startswith("Preview: version ") and "Note: Clause 5.2 reworded" in noted


async def test_publish_with_arguments_from_a_councillor_is_refused_as_publish_would_be(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    dedicated = await protocol(http, bot, fake, "2026-11 note text", command="/publish")
    through = await protocol(http, bot, fake, "Publish 2026-11 note text")
    assert through == dedicated == ["Sorry, /publish is only for the Clerk."]


async def test_a_question_starting_with_publish_never_starts_a_publication(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    councillor = await protocol(http, bot, fake, "publish the minutes of a meeting online")
    assert answered_as_question(councillor) and "only for" not in councillor[0]
    await share_new_version(http, bot, fake)
    clerk = await protocol(http, bot, fake, "publish the minutes online, may I?", user=CLERK, channel=f"D{CLERK}")
    assert answered_as_question(clerk) and not any(s.startswith("Preview:") for s in clerk)
    assert clerk[-1].startswith('I read that as a question because it ends with "?". To run /publish with it, '
                                "send /protocol /publish")
    assert "Publish" not in str(fake.of("response")[-2].args.get("blocks"))


async def test_the_clerks_broadcast_is_sent_and_a_question_never_is(http: TestClient[Any, Any], bot: SlackBot,
                                                                    fake: FakeSlack) -> None:
    broadcasts = bot.dialogue.store.broadcasts
    asked = await protocol(http, bot, fake, "broadcast of meetings: may members film them?", user=CLERK)
    assert answered_as_question(asked) and "/protocol /broadcast TEXT" in asked[-1]
    councillor = await protocol(http, bot, fake, "broadcast the meeting on social media")
    assert answered_as_question(councillor) and "only for" not in councillor[0]
    assert await broadcasts.latest("wendlebury") is None and await broadcasts.latest("wendlebury", needs_ack=False) \
        is None
    [queued] = await protocol(http, bot, fake, "broadcast The meeting moves to Tuesday, 7pm.", user=CLERK,
                              channel=f"D{CLERK}")
    assert queued.startswith("Notice #1 queued:")


async def test_arguments_reach_the_command_unchanged(http: TestClient[Any, Any], bot: SlackBot,
                                                     fake: FakeSlack) -> None:
    typed = "Dear all,\n  the *agenda* & <minutes>   are   out; CAPITALS stay. Questions? Ask me"
    for text in (f"/broadcast {typed}", f"BROADCAST {typed}", f"broadcast\n{typed}"):
        [queued] = await protocol(http, bot, fake, text, user=CLERK, channel=f"D{CLERK}")
        assert queued.startswith("Notice #") and "queued" in queued
    notices = [await bot.dialogue.store.broadcasts.get(n) for n in (1, 2, 3)]
    contents = [n.content if n else None for n in notices]
    assert contents == [[{"text": f"Notice from the Clerk of Wendlebury Parish Council:\n{typed}"}]] * 3


async def test_council_with_a_council_name_switches_and_council_tax_is_a_question(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    [switch] = await protocol(http, bot, fake, "council wendlebury")
    assert switch == "This chat is set to wendlebury by the council's configuration; please ask the Clerk to " \
                     "change it."
    typo = await protocol(http, bot, fake, "council wendelbury")
    assert typo[0].startswith("I don't know the council 'wendelbury'.")
    for question in ("council tax question", "council tax?", "council members may not instruct staff?"):
        said = await protocol(http, bot, fake, question)
        assert answered_as_question(said) and "I don't know the council" not in said[0], question


async def test_help_alone_lists_the_commands_but_help_me_understand_is_a_question(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    [listed] = await protocol(http, bot, fake, "help")
    assert "/publish" in listed and "/protocol whoami" in listed
    said = await protocol(http, bot, fake, "help me understand who I report bullying to")
    assert said and not any("/whoami" in s for s in said)
    assert answered_as_question(said)


async def test_a_question_is_answered(http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack) -> None:
    said = await protocol(http, bot, fake, "can I instruct the deputy clerk?")
    assert answered_as_question(said) and len(said) == 1  # no note
    assert fake.of("response")[-1].args["response_type"] == "ephemeral"


@pytest.mark.usefixtures("case_key")  # link codes are keyed by the secret the case key wraps
@pytest.mark.parametrize(("typed", "user", "channel", "expected"), [
    ("whoami", OKAFOR, "CGENERAL", "You are Cllr Ruth Okafor (councillor) of wendlebury."),
    ("role add @newcomer councillor", OKAFOR, "CGENERAL", "Sorry, /protocol role is only for the Clerk."),
    ("acks 2026-11", CLERK, f"D{CLERK}", "Nothing has been sent for acknowledgement yet."),
    ("acks", CLERK, f"D{CLERK}", "Nothing has been sent for acknowledgement yet."),
    ("case ABCD-EFGH-JKMN-PQRS", OKAFOR, f"D{OKAFOR}", "I can't find a case with that code."),
    ("case ABCD-EFGH-JKMN-PQRS withdraw", OKAFOR, "CGENERAL", "Please use this in a private chat with me"),
    ("cases WEN-2026-0001", CLERK, f"D{CLERK}", "No case with that reference was sent to you."),
    ("link ABCDEFGHJK", OKAFOR, "CGENERAL", "That code is not valid"),
    ("linkcode Cllr Ruth Okafor", CLERK, f"D{CLERK}", "Link code for Cllr Ruth Okafor:"),
    ("ask must councillors respect the impartiality of officers?", OKAFOR, "CGENERAL",
     "As a councillor, this applies to you:"),
])
async def test_each_command_word_with_its_arguments_runs_the_command(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack, typed: str, user: str, channel: str,
        expected: str) -> None:
    said = await protocol(http, bot, fake, typed, user=user, channel=channel)
    dedicated = await protocol(http, bot, fake, f"/{typed}", user=user, channel=channel)
    assert said[0].startswith(expected) and len(said) == 1
    if not typed.startswith(("link", "case")):  # a fresh code each time; wrong codes are counted
        assert said == dedicated


@pytest.mark.parametrize(("typed", "user"), [
    ("role of the clerk in committee meetings", CLERK),
    ("acks for a gift from a developer", CLERK),
    ("case study: a councillor emails an officer at home", OKAFOR),
    ("cases where the monitoring officer is involved", OKAFOR),
    ("link between councillors and officers", OKAFOR),
    ("linkcode of conduct for members", OKAFOR),
    ("whoami to contact about planning", OKAFOR),
    ("start of term training for councillors", OKAFOR),
    ("cancel a meeting at short notice", OKAFOR),
    ("roster of councillors and their roles", OKAFOR),
])
async def test_a_question_starting_with_a_command_word_is_answered(
        http: TestClient[Any, Any], bot: SlackBot, fake: FakeSlack, typed: str, user: str) -> None:
    said = await protocol(http, bot, fake, typed, user=user)
    assert answered_as_question(said), said
    assert not any(w in said[0] for w in ("Usage", "only for", "Link code", "Roster of", "You are", "Cancel"))


async def test_unknown_commands_get_a_clear_answer(http: TestClient[Any, Any], bot: SlackBot,
                                                   fake: FakeSlack) -> None:
    unknown = await protocol(http, bot, fake, "/frobnicate now")
    assert unknown == ["Unknown command /frobnicate. Try /protocol help.",
                       "On Slack, /protocol help lists my commands."]
    near = await protocol(http, bot, fake, "ack")
    assert near[-1] == '"ack" is not one of my commands; did you mean /protocol acks? /protocol help lists them all.'
    assert len(near) == 2  # and the word is still answered, in case it was a question
    [plain] = await protocol(http, bot, fake, "rule")  # a word, not a near miss of /role
    assert "not one of my commands" not in plain


async def test_every_command_that_takes_arguments_says_which_it_takes(bot: SlackBot) -> None:
    taking = {c.name for c in bot.dialogue.commands.all() if c.usage}
    assert taking == set(ARGUMENTS)
    assert {"publish", "broadcast", "acks", "role", "linkcode", "link", "case", "cases", "council", "ask"} <= taking
