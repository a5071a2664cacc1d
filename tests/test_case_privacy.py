"""What a reporter's words and identity leave behind, read as the Clerk would read the database, and how they are
shown back (issue 14, findings 4, 5, 11 and 12).

Real Dialogue through the in-memory adapter (the terminal platform), the store on SQLite and PostgreSQL, the
councils' own routing rules and the case key; nothing of ours is mocked. Raw reads go straight to the tables.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.cli.chat import render as terminal_render
from adapters.memory import MemoryAdapter
from adapters.slack.blocks import render as slack_render
from adapters.telegram.render import render as telegram_render
from bot.answering import WITHHELD
from bot.cases.desk import CaseDesk
from bot.cases.keyring import Keyring
from bot.cases.sealing import Sealed, seal, unseal
from bot.dialogue import Dialogue
from bot.messages import Reply
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store
from bot.store.cases import NewCase
from tests.databases import BACKENDS, empty_database, migrate
from tests.test_flows import DETAILS, answer, report_about_clerk, said, send_report

pytestmark = pytest.mark.usefixtures("case_key")

QUESTION = "must councillors respect the impartiality of officers?"




async def rows(store: Store, table: str) -> list[dict[str, Any]]:
    async with store.database.engine.connect() as connection:
        result = await connection.execute(text(f"SELECT * FROM {table}"))
        return [dict(row._mapping) for row in result]


async def opened(store: Store, qa: QaService, reference: str) -> dict[str, Any]:
    """The sealed details of a case, opened with the key as anyone holding it (and the database) could."""
    case = await store.cases.by_reference(reference)
    assert case is not None and case.wrapped_key is not None and case.ciphertext is not None
    keys = await Keyring(qa.library.home).keys(store)
    data: dict[str, Any] = json.loads(unseal(keys.master, reference,
                                             Sealed(case.key_id, case.wrapped_key, case.ciphertext)))
    return data


async def member_id(store: Store, handle: str) -> int:
    member = await store.members.by_identity("terminal", handle)
    assert member is not None
    return member.id


def traces_of(events: list[dict[str, Any]], handle: str, mid: int) -> list[dict[str, Any]]:
    return [e for e in events if e["user_id"] == handle or e["member_id"] == mid]


# -- finding 4: anonymity that is real ----------------------------------------------------------------------


async def test_finding_4_an_anonymous_report_leaves_no_reporter_anywhere(terminal: MemoryAdapter, store: Store,
                                                                          qa: QaService) -> None:
    okafor = await member_id(store, "okafor")
    replies = await report_about_clerk(terminal, "okafor")
    _, reference, _ = await send_report(terminal, replies, "okafor", anonymous=True)
    [case] = await rows(store, "cases")
    assert all(value is None for column, value in case.items() if "reporter" in column), case
    assert traces_of(await rows(store, "audit_events"), "okafor", okafor) == []  # no event names her, at all
    assert "case.submitted" in [e["event"] for e in await rows(store, "audit_events")]  # the event is still there
    sealed = await opened(store, qa, reference)
    assert sealed["reporter"] is None and "Okafor" not in json.dumps(sealed)
    read = said(await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert "From: anonymous" in read and "Okafor" not in read and DETAILS in read


async def test_finding_4_a_named_report_keeps_the_name_only_inside_the_ciphertext(
        terminal: MemoryAdapter, store: Store, qa: QaService) -> None:
    okafor = await member_id(store, "okafor")
    replies = await report_about_clerk(terminal, "okafor")
    _, reference, code = await send_report(terminal, replies, "okafor")
    await terminal.push(f"/case {code} add It happened again.", user="okafor")  # follow-up by the code alone
    await terminal.push(f"/case {code}", user="okafor")
    [case] = await rows(store, "cases")
    assert all(value is None for column, value in case.items() if "reporter" in column), case
    assert traces_of(await rows(store, "audit_events"), "okafor", okafor) == []
    assert (await opened(store, qa, reference))["reporter"] == "Cllr Ruth Okafor"
    assert "From: Cllr Ruth Okafor" in said(await terminal.push(f"/cases {reference}", user="whitcombe"))


async def test_finding_4_an_unfinished_report_shows_nothing_it_says_in_the_conversation_row(
        terminal: MemoryAdapter, store: Store) -> None:
    replies = await terminal.push("/report", user="okafor")
    replies = await answer(terminal, replies, "A councillor", "okafor")
    replies = await answer(terminal, replies, "The Clerk", "okafor")
    replies = await answer(terminal, replies, "Bullying or undue pressure", "okafor")
    replies = await answer(terminal, replies, "Yes, send a report", "okafor")
    await terminal.push(DETAILS, user="okafor")
    [row] = [r for r in await rows(store, "conversations") if r["user_id"] == "okafor"]
    dump = json.dumps(row["state"] if isinstance(row["state"], dict) else json.loads(row["state"]))
    for answered in ("clerk", "bullying", "councillor", "shouted"):
        assert answered not in dump, answered
    assert row["flow"] == "concern"
    summary = said(await terminal.push("2", user="okafor"))  # the sealed draft opens again for the next step
    assert "Bullying or undue pressure" in summary and DETAILS in summary


async def test_finding_4_anonymous_cases_filed_before_lose_the_name_from_their_sealed_details(
        qa: QaService, store: Store) -> None:
    """A case filed by the old code: anonymous, yet its sealed details name the reporter. The next start removes it."""
    keys = await Keyring(qa.library.home).keys(store)
    content = json.dumps({"answers": {"details": DETAILS}, "additions": [], "reporter": "Cllr Ruth Okafor"})
    sealed = seal(keys.master, "WEN-2026-0001", content)
    await store.cases.create("WEN-2026-0001", NewCase("wendlebury", "concern", "clerk", "x", "h1", True,
                                                      sealed.key_id, sealed.wrapped_key, sealed.ciphertext), [1])
    named = seal(keys.master, "WEN-2026-0002", content)
    await store.cases.create("WEN-2026-0002", NewCase("wendlebury", "concern", "clerk", "x", "h2", False,
                                                      named.key_id, named.wrapped_key, named.ciphertext), [1])
    await Dialogue(qa, store).start()
    assert (await opened(store, qa, "WEN-2026-0001"))["reporter"] is None
    assert (await opened(store, qa, "WEN-2026-0001"))["answers"] == {"details": DETAILS}
    assert (await opened(store, qa, "WEN-2026-0002"))["reporter"] == "Cllr Ruth Okafor"  # named: kept, sealed
    assert await CaseDesk(store, Keyring(qa.library.home)).forget_anonymous_reporters() == 0  # done once


@pytest.mark.parametrize("backend", BACKENDS)
async def test_finding_4_migration_0007_drops_reporter_ids_and_plaintext_drafts(backend: str, tmp_path: Path) -> None:
    from bot.store.database import Database
    from bot.store.migrate import head

    async def run(database: Database) -> None:
        await migrate(database, "0006")
        async with database.engine.begin() as connection:
            for n, anonymous in ((1, True), (2, False)):
                await connection.execute(text(
                    "INSERT INTO cases (reference, council, flow, status, about_role, recipient, receipt_hash, "
                    "reporter_member_id, anonymous, key_id, wrapped_key, ciphertext, created_at) VALUES "
                    f"('WEN-2026-000{n}', 'wendlebury', 'concern', 'open', 'clerk', 'x', 'h{n}', 5, :anonymous, 'k', "
                    ":blob, :blob, CURRENT_TIMESTAMP)"), {"anonymous": anonymous, "blob": b"\x01"})
            await connection.execute(text(
                "INSERT INTO conversations (platform, chat_id, user_id, flow, state, version, updated_at) VALUES "
                "('terminal', 'dm-okafor', 'okafor', 'concern', :state, 3, CURRENT_TIMESTAMP)"),
                {"state": json.dumps({"step": "send", "answers": {"about": "clerk", "concern": "bullying"}})})
        assert await database.upgrade() == head()
        async with database.engine.connect() as connection:
            cases = [dict(r._mapping) for r in await connection.execute(text("SELECT * FROM cases"))]
            [conversation] = [dict(r._mapping) for r in await connection.execute(text("SELECT * FROM conversations"))]
        assert len(cases) == 2 and all("reporter_member_id" not in case for case in cases)
        state = conversation["state"]
        assert (json.loads(state) if isinstance(state, str) else state) == {"expired": "concern"}
        assert conversation["flow"] is None and conversation["version"] == 4

    async with empty_database(backend, tmp_path) as database:
        await run(database)


# -- finding 5: free text never leaks into feedback ---------------------------------------------------------


async def rate_all(terminal: MemoryAdapter, replies: list[Reply], user: str) -> None:
    for reply in replies:
        if reply.kind == "answer":
            await terminal.press(reply, "Helpful", user=user)


async def test_finding_5_nothing_typed_in_a_flow_or_shaped_like_a_code_is_kept_with_feedback(
        terminal: MemoryAdapter, store: Store) -> None:
    replies = await report_about_clerk(terminal, "okafor")
    _, _, code = await send_report(terminal, replies, "okafor")
    # a receipt code pasted on its own: a hint, no answer, nothing kept
    pasted = await terminal.push(code, user="okafor")
    assert [r.kind for r in pasted] == ["case_hint"] and "/case" in said(pasted)
    # a code inside a question, and a question asked in the middle of another report
    await rate_all(terminal, await terminal.push(f"my code is {code.lower()}, {QUESTION}", user="okafor"), "okafor")
    replies = await terminal.push("/report", user="hollins")
    await answer(terminal, replies, "A councillor", "hollins")
    await rate_all(terminal, await terminal.push(f"/ask {QUESTION}", user="hollins"), "hollins")
    await rate_all(terminal, await terminal.push(QUESTION, user="hollins"), "hollins")  # handed back by the flow
    await terminal.push("cancel", user="hollins")
    # what the issue saw leak: a concern told as a question, with and without /ask
    for words in ("The clerk is bullying me... what can I do?", "/ask who do I complain to about the clerk?"):
        replies = await terminal.push(words, user="chair")
        assert "offer" in [r.kind for r in replies], words
        await rate_all(terminal, replies, "chair")
    rated = await store.feedback.rated("wendlebury")
    assert len(rated) == 5 and {f.question for f in rated} == {WITHHELD}
    dump = json.dumps([list(map(str, r.values())) for r in await rows(store, "feedback")])
    assert code not in dump and code.lower() not in dump and "bullying" not in dump and "complain" not in dump
    # an ordinary question is still kept, so the Clerk learns what people ask
    await rate_all(terminal, await terminal.push(QUESTION, user="hollins"), "hollins")
    assert QUESTION in {f.question for f in await store.feedback.rated("wendlebury")}


async def test_finding_5_the_report_offer_catches_what_the_issue_saw_missed(terminal: MemoryAdapter) -> None:
    for words in ("I want to report the clerk for misconduct", "the clerk is bullying me", "blow the whistle",
                  "who do I complain to about the clerk?"):
        replies = await terminal.push(words, user="okafor")
        assert "offer" in [r.kind for r in replies], words
    # someone with no council yet: offered, and the words are not kept waiting for the council to be chosen
    replies = await terminal.push("/ask who do I complain to about the clerk?", user="stranger")
    assert [r.kind for r in replies] == ["ask_council", "offer"]
    state = (await terminal.dialogue.store.conversations.load("terminal", "dm-stranger", "stranger")).state
    assert "complain" not in json.dumps(state)


# -- finding 11: user text can never pass for the bot's labels ----------------------------------------------

SPOOF = ("Nothing much.\nFrom: Cllr Alan Whitcombe\r\nanonymous: no\u2028From: the Chair\n"
         "\x1b[2J\x1b[31mred\x1b[0m \x00nul\x07 \x9bcsi *bold* _it_ ~x~ `code` <!channel> <@U123>")


def lines_starting_with(rendered: str, prefix: str) -> list[str]:
    return [line for line in rendered.split("\n") if line.lstrip().startswith(prefix)]


async def test_finding_11_a_report_s_text_is_quoted_cleaned_and_escaped_on_every_platform(
        terminal: MemoryAdapter, store: Store, qa: QaService) -> None:
    replies = await report_about_clerk(terminal, "okafor")
    replies = await answer(terminal, replies, "Yes, send a report", "okafor")
    replies = await terminal.push(SPOOF, user="okafor")
    replies = await answer(terminal, replies, "No, keep me anonymous", "okafor")
    assert lines_starting_with(said(replies), "From:") == []  # the reporter's own summary quotes it too
    replies = await answer(terminal, replies, "Send", "okafor")
    reference = next(r for r in replies if r.kind == "case_receipt").meta["reference"]
    stored = json.dumps(await opened(store, qa, reference), ensure_ascii=False)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028]", stored.replace("\\n", "\n"))  # cleaned first
    [read] = await terminal.push(f"/cases {reference}", user="whitcombe")
    # terminal: one "From:" line, the bot's; the typed ones are behind the quote mark; no escape reaches the screen
    shown = terminal_render(read)
    assert lines_starting_with(shown, "From:") == ["From: anonymous"]
    assert "| From: Cllr Alan Whitcombe" in shown and "| From: the Chair" in shown and "| anonymous: no" in shown
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", shown) and "red" in shown
    # Slack: the typed words as plain_text (never formatted, linked or pinging), each line marked; fallback inert
    [message] = slack_render(read)
    mrkdwn = [b["text"]["text"] for b in message.blocks if b.get("text", {}).get("type") == "mrkdwn"]
    plain = "\n".join(b["text"]["text"] for b in message.blocks if b.get("text", {}).get("type") == "plain_text")
    assert not any(s in t for t in mrkdwn for s in ("*bold*", "<!channel>", "_it_", "Whitcombe"))
    assert "*bold*" in plain and all(line.startswith("| ") for line in plain.split("\n") if line)
    assert lines_starting_with(message.text, "From:") == ["From: anonymous"]
    assert not any(s in message.text for s in ("*bold*", "_it_", "~x~", "`code`", "<!channel>", "<@U123>"))
    # Telegram: a blockquote, HTML-escaped, each line marked (a notification preview drops the HTML)
    [html] = telegram_render(read)
    preview = re.sub(r"<[^>]+>", "", html)
    assert lines_starting_with(preview, "From:") == ["From: anonymous"]
    assert "&lt;!channel&gt;" in html and "<blockquote>| Nothing much." in html


async def test_finding_11_control_characters_never_reach_feedback_or_names(terminal: MemoryAdapter,
                                                                           store: Store) -> None:
    replies = await terminal.push(f"\x1b[2J\x1b]0;owned\x07{QUESTION}\x00", user="okafor")
    await rate_all(terminal, replies, "okafor")
    [kept] = await store.feedback.rated("wendlebury")
    assert kept.question == QUESTION


# -- finding 12: no name to show, no dropped draft, no draft left behind ------------------------------------


async def test_finding_12_someone_not_on_the_roster_is_never_offered_to_be_named(terminal: MemoryAdapter,
                                                                                 store: Store) -> None:
    await terminal.push("/council wendlebury", user="visitor")
    replies = await report_about_clerk(terminal, "visitor")
    replies = await answer(terminal, replies, "Yes, send a report", "visitor")
    replies = await terminal.push(DETAILS, user="visitor")
    labels = [b.label for r in replies for b in r.buttons]
    assert "Yes, show my name" not in labels and "roster" in said(replies) and "anonymously" in said(replies)
    assert "Should the recipient see your name?" not in said(replies)
    assert "Please check the report before I send it." in said(replies)
    replies = await answer(terminal, replies, "Send", "visitor")
    reference = next(r for r in replies if r.kind == "case_receipt").meta["reference"]
    read = said(await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert "From: anonymous" in read and "anonymous: no" not in read and "Show your name" not in read
    assert (await store.cases.by_reference(reference)).anonymous  # type: ignore[union-attr]


async def test_finding_12_a_new_report_over_an_unfinished_one_says_the_draft_was_discarded(
        terminal: MemoryAdapter, store: Store) -> None:
    replies = await terminal.push("/report", user="deputy")
    replies = await answer(terminal, replies, "An officer or employee", "deputy")
    await answer(terminal, replies, "A councillor", "deputy")
    replies = await terminal.push("/grievance", user="deputy")
    assert replies[0].kind == "flow_discarded" and "discarded" in said(replies) and "nothing was sent" in said(replies)
    assert "Who is your grievance about?" in said(replies)
    conversation = await store.conversations.load("terminal", "dm-deputy", "deputy")
    assert conversation.flow == "grievance"
    replies = await answer(terminal, replies, "A councillor", "deputy")
    replies = await terminal.push("/report", user="deputy")  # and the other way round
    assert replies[0].kind == "flow_discarded" and "unfinished grievance" in said(replies)
    # a refused start (a councillor's /grievance) leaves the report in progress alone
    replies = await terminal.push("/report", user="okafor")
    await answer(terminal, replies, "A councillor", "okafor")
    assert [r.kind for r in await terminal.push("/grievance", user="okafor")] == ["flow_refused"]
    assert "What kind of concern is it?" in said(await terminal.push("The Clerk", user="okafor"))


async def backdate(store: Store, user: str, hours: float) -> None:
    async with store.database.engine.begin() as connection:
        await connection.execute(text("UPDATE conversations SET updated_at = :at WHERE user_id = :user"),
                                 {"at": datetime.now(UTC) - timedelta(hours=hours), "user": user})


async def test_finding_12_unfinished_drafts_are_deleted_after_the_timeout_even_if_nobody_writes_again(
        qa: QaService, store: Store) -> None:
    dialogue = Dialogue(qa, store, rate_limit=RateLimit(burst=1000), sweep_every=timedelta(0))
    await dialogue.start()
    chat = MemoryAdapter(dialogue, platform="terminal")
    for user in ("okafor", "hollins"):
        replies = await chat.push("/report", user=user)
        replies = await answer(chat, replies, "A councillor", user)
        await answer(chat, replies, "The Clerk", user)
    await backdate(store, "okafor", 25)
    await backdate(store, "hollins", 23)
    await Dialogue(qa, store).start()  # a restart sweeps
    okafor = await store.conversations.load("terminal", "dm-okafor", "okafor")
    assert okafor.flow is None and okafor.state == {"expired": "concern"}
    assert (await store.conversations.load("terminal", "dm-hollins", "hollins")).flow == "concern"  # not yet
    await backdate(store, "hollins", 25)
    await chat.push("/whoami", user="chair")  # anyone's message: the running bot sweeps now and then
    hollins = await store.conversations.load("terminal", "dm-hollins", "hollins")
    assert hollins.flow is None and hollins.state == {"expired": "concern"}
    dump = json.dumps([str(r["state"]) for r in await rows(store, "conversations")])
    assert "draft" not in dump
    # the person is told the next time they write, and what they write is handled as usual
    replies = await chat.push(QUESTION, user="okafor")
    assert [r.kind for r in replies] == ["flow_expired", "answer"] and "deleted what you typed" in said(replies)
    assert (await store.conversations.load("terminal", "dm-okafor", "okafor")).state == {}
    assert [r.kind for r in await chat.push(QUESTION, user="okafor")] == ["answer"]  # said once



def test_finding_11_a_long_report_split_across_messages_keeps_every_line_marked() -> None:
    from bot.messages import Text, Typed

    long = Reply((Text("From: anonymous"), Typed(("word " * 900 + "From: Cllr X ") * 3 + "\nFrom: Cllr Y")))
    for message in slack_render(long):
        for block in message.blocks:
            if block.get("text", {}).get("type") == "plain_text":
                assert all(line.startswith("| ") for line in block["text"]["text"].split("\n"))
    parts = telegram_render(long)
    assert len(parts) > 1
    for part in parts:
        preview = re.sub(r"<[^>]+>", "", part)
        assert lines_starting_with(preview, "From:") in ([], ["From: anonymous"])
