"""Report a concern and the confidential grievance, end to end through the in-memory adapter.

Real Dialogue, store (SQLite and PostgreSQL), routing rules and case sealing; only the embedder is fake.
People come from the sample rosters (terminal handles in config/councils/*.yaml).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.memory import MemoryAdapter
from bot.dialogue import Dialogue
from bot.messages import QuoteBlock, Reply, Visibility
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store
from config.councils import load_profile
from knowledge.embedding import HashEmbedder
from knowledge.library import Library

pytestmark = pytest.mark.usefixtures("case_key")

DETAILS = "On 3 March Cllr X shouted at the clerk in the office and called her useless."




def said(replies: list[Reply]) -> str:
    return "\n".join(r.plain() for r in replies)


def kinds(replies: list[Reply]) -> list[str]:
    return [r.kind for r in replies]


def last_step(replies: list[Reply]) -> Reply:
    return [r for r in replies if r.buttons][-1]


async def answer(chat: MemoryAdapter, replies: list[Reply], label: str, user: str) -> list[Reply]:
    return await chat.press(last_step(replies), label, user=user, chat=f"dm-{user}")


async def report_about_clerk(chat: MemoryAdapter, user: str, council_reporter: str = "A councillor") -> list[Reply]:
    replies = await chat.push("/report", user=user)
    replies = await answer(chat, replies, council_reporter, user)
    replies = await answer(chat, replies, "The Clerk", user)
    return await answer(chat, replies, "Conduct or behaviour", user)


async def send_report(chat: MemoryAdapter, replies: list[Reply], user: str, details: str = DETAILS,
                      anonymous: bool = False) -> tuple[list[Reply], str, str]:
    replies = await answer(chat, replies, "Yes, send a report", user)
    replies = await chat.push(details, user=user)
    replies = await answer(chat, replies, "No, keep me anonymous" if anonymous else "Yes, show my name", user)
    assert "Please check the report before I send it." in said(replies) and details in said(replies)
    replies = await answer(chat, replies, "Send", user)
    receipt = next(r for r in replies if r.kind == "case_receipt")
    code = re.search(r"shown only this once: (\S+)", receipt.plain())
    assert code is not None
    return replies, receipt.meta["reference"], code.group(1)


async def test_councillor_reports_the_clerk_to_the_staffing_chair_who_alone_is_told(
        terminal: MemoryAdapter, store: Store) -> None:
    replies = await report_about_clerk(terminal, "okafor")
    route = next(r for r in replies if r.kind == "route")
    assert "the Chairman of the Staffing Committee (Cllr Alan Whitcombe)" in route.plain()
    assert any(isinstance(b, QuoteBlock) and b.clause_id == "wendlebury:5.2" for b in route.blocks)
    assert "invoke the Council's Disciplinary Procedure" in route.plain()  # what comes next, quoted
    replies, reference, code = await send_report(terminal, replies, "okafor")
    assert reference.startswith(f"WEN-{datetime.now(UTC).year}-")
    notices = [r for r in replies if r.kind == "case_notice"]
    assert [n.target.user_id for n in notices if n.target] == ["whitcombe"]
    assert all(n.visibility is Visibility.DIRECT_MESSAGE and DETAILS not in n.plain() for n in notices)
    # The recipient reads it in private; the Clerk it is about cannot.
    listing = said(await terminal.push("/cases", user="whitcombe"))
    assert reference in listing and DETAILS not in listing
    read = said(await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert DETAILS in read and "From: Cllr Ruth Okafor" in read
    assert DETAILS not in said(await terminal.push(f"/cases {reference}", user="clerk"))
    # The reporter checks, adds to and withdraws it with the receipt code.
    assert "open" in said(await terminal.push(f"/case {code}", user="okafor"))
    assert "Added to" in said(await terminal.push(f"/case {code} add It happened again on 5 March.", user="okafor"))
    assert "Added later:\n\n| It happened again on 5 March." in said(
        await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert "withdrawn" in said(await terminal.push(f"/case {code} withdraw", user="okafor"))
    events = [e.event for e in await store.audit.recent()]
    assert {"case.submitted", "case.read", "case.read_refused", "case.withdrawn"} <= set(events)


async def test_nothing_anyone_wrote_is_readable_in_the_database(terminal: MemoryAdapter, store: Store,
                                                                 tmp_path: Path) -> None:
    replies = await report_about_clerk(terminal, "okafor")
    replies = await answer(terminal, replies, "Yes, send a report", "okafor")
    await terminal.push(DETAILS, user="okafor")  # in progress: sealed in the conversation state already
    async with store.database.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT state FROM conversations"))).all()
    assert rows and all("shouted" not in str(row[0]) for row in rows)
    replies = await answer(terminal, await terminal.push("/report", user="hollins"), "A councillor", "hollins")
    _, reference, code = await send_report(
        terminal, await answer(terminal, await answer(terminal, replies, "The Clerk", "hollins"),
                               "Conduct or behaviour", "hollins"), "hollins")
    async with store.database.engine.connect() as connection:
        tables = ["cases", "conversations", "audit_events", "feedback", "case_recipients"]
        dump = ""
        for table in tables:
            dump += str((await connection.execute(text(f"SELECT * FROM {table}"))).all())
    assert "shouted" not in dump and "useless" not in dump and code not in dump
    assert reference in dump
    files = list(tmp_path.glob("protocol-bot.db*"))
    assert files or "postgresql" in str(store.database.engine.url)
    for path in files:  # the SQLite file itself, WAL included, read raw
        raw = path.read_bytes()
        assert b"shouted" not in raw and b"useless" not in raw and code.encode() not in raw


async def test_anonymous_report_hides_the_reporter_from_the_recipient(terminal: MemoryAdapter) -> None:
    replies = await report_about_clerk(terminal, "okafor")
    _, reference, _ = await send_report(terminal, replies, "okafor", anonymous=True)
    read = said(await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert "From: anonymous" in read and "Okafor" not in read


async def test_wrong_receipt_codes_reveal_nothing_and_are_throttled(terminal: MemoryAdapter) -> None:
    replies = [said(await terminal.push(f"/case ABCD-EFGH-JKMN-PQR{c}", user="hollins")) for c in "STUVW"]
    assert len(set(replies)) == 1 and "can't find a case" in replies[0]
    assert "Too many wrong codes" in said(await terminal.push("/case ABCD-EFGH-JKMN-PQRX", user="hollins"))


async def test_back_cancel_and_a_question_mid_flow(terminal: MemoryAdapter, store: Store) -> None:
    replies = await terminal.push("/report", user="okafor")
    assert "From the roster: A councillor" in said(replies)  # pre-filled from the roster
    replies = await answer(terminal, replies, "A councillor", "okafor")
    assert "Who is the concern about?" in said(replies)
    replies = await terminal.push("back", user="okafor")
    assert "Who is raising the concern?" in said(replies)
    replies = await terminal.push("1", user="okafor")  # typed choice
    assert "Who is the concern about?" in said(replies)
    replies = await terminal.push("/ask must councillors respect the impartiality of officers?", user="okafor")
    assert kinds(replies)[0] == "answer" and "Who is the concern about?" in replies[-1].plain()
    replies = await terminal.push("cancel", user="okafor")
    assert "Cancelled: nothing was sent" in said(replies)
    conversation = await store.conversations.load("terminal", "dm-okafor", "okafor")
    assert conversation.flow is None and conversation.state == {}


async def test_flow_survives_a_restart_and_expires_after_a_day(qa: QaService, store: Store,
                                                               terminal: MemoryAdapter) -> None:
    replies = await terminal.push("/report", user="okafor")
    await answer(terminal, replies, "A councillor", "okafor")
    restarted = Dialogue(qa, store, rate_limit=RateLimit(burst=1000))
    await restarted.start()
    again = MemoryAdapter(restarted, platform="terminal")
    replies = await again.push("The Clerk", user="okafor")
    assert "What kind of concern is it?" in said(replies)
    conversation = await store.conversations.load("terminal", "dm-okafor", "okafor")
    stale = {**conversation.state, "updated": (datetime.now(UTC) - timedelta(hours=25)).isoformat()}
    await store.conversations.advance(conversation, flow=conversation.flow, state=stale)
    replies = await again.push("Performance", user="okafor")
    assert kinds(replies) == ["flow_expired"] and "nothing was sent" in said(replies)


async def test_report_started_in_a_group_moves_to_a_direct_message(terminal: MemoryAdapter) -> None:
    replies = await terminal.push("/report", user="okafor", chat="group-1", kind="group")
    in_group = [r for r in replies if r.visibility is not Visibility.DIRECT_MESSAGE]
    assert [r.visibility for r in in_group] == [Visibility.EPHEMERAL]
    private = next(r for r in replies if r.visibility is Visibility.DIRECT_MESSAGE)
    assert private.target is not None and private.target.user_id == "okafor"
    replies = await terminal.press(private, "Start: Report a concern", user="okafor", chat="dm-okafor")
    assert "Who is raising the concern?" in said(replies)


async def test_honiton_has_no_route_and_says_so(terminal: MemoryAdapter) -> None:
    replies = await terminal.push("/council honiton", user="resident")
    replies = await terminal.push("/report", user="resident")
    replies = await answer(terminal, replies, "A councillor", "resident")
    replies = await answer(terminal, replies, "The Clerk", "resident")
    replies = await answer(terminal, replies, "Conduct or behaviour", "resident")
    text_ = said(replies)
    assert "does not say who this should go to" in text_ and "not from the protocol" in text_
    assert not any(isinstance(b, QuoteBlock) for r in replies for b in r.blocks)


async def test_ledbury_never_delivers_a_report_about_the_clerk_to_the_clerk(terminal: MemoryAdapter) -> None:
    replies = await report_about_clerk(terminal, "led-reid")
    route = next(r for r in replies if r.kind == "route")
    assert "goes first to the Clerk (Helen Marsh)" in route.plain()
    assert "never delivered to the person it concerns" in route.plain()
    replies, _, _ = await send_report(terminal, replies, "led-reid")
    alternative = next(r for r in replies if r.kind == "route_alternative")
    assert "the Standing Committee" in alternative.plain()
    assert any(isinstance(b, QuoteBlock) and b.clause_id == "ledbury:5.2" for b in alternative.blocks)
    notices = [r.target.user_id for r in replies if r.kind == "case_notice" and r.target]
    assert notices == ["led-standing"]


async def test_grievance_quotes_the_procedure_and_reaches_only_the_designated_recipient(
        terminal: MemoryAdapter) -> None:
    refused = await terminal.push("/grievance", user="okafor")
    assert kinds(refused) == ["flow_refused"]
    replies = await terminal.push("/grievance", user="deputy")
    text_ = said(replies)
    assert "stored encrypted" in text_ and "180 days" in text_
    assert any(isinstance(b, QuoteBlock) and b.clause_id == "wendlebury:5.1" for r in replies for b in r.blocks)
    # Ledbury 5.2 delegates employment matters to the Standing Committee (Wendlebury names nobody: test_silent_routes)
    replies = await terminal.push("/grievance", user="led-officer")
    assert any(isinstance(b, QuoteBlock) and b.clause_id == "ledbury:5.1" for r in replies for b in r.blocks)
    replies = await answer(terminal, replies, "A councillor", "led-officer")
    replies = await answer(terminal, replies, "Yes", "led-officer")
    replies = await terminal.push(DETAILS, user="led-officer")
    replies = await terminal.push("skip", user="led-officer")
    replies = await answer(terminal, replies, "Send", "led-officer")
    assert any(r.kind == "case_receipt" for r in replies)
    assert [r.target.user_id for r in replies if r.kind == "case_notice" and r.target] == ["led-standing"]


COUNCIL_PEOPLE = {  # (a councillor, an officer) on each sample roster; None: the council has no roster
    "wendlebury": ("okafor", "deputy"), "ledbury": ("led-reid", "led-officer"), "cheshire": ("che-hughes", None),
    "blaby": (None, None), "honiton": (None, None)}


@pytest.mark.parametrize("council", sorted(COUNCIL_PEOPLE))
@pytest.mark.parametrize("about", ["The Clerk", "The Chair"])
async def test_every_council_a_report_never_reaches_the_person_it_is_about(
        terminal: MemoryAdapter, store: Store, council: str, about: str) -> None:
    councillor, _ = COUNCIL_PEOPLE[council]
    user = councillor or f"visitor-{council}"
    if councillor is None:
        await terminal.push(f"/council {council}", user=user)
    replies = await terminal.push("/report", user=user)
    for label in ("A councillor", about, "Conduct or behaviour"):
        replies = await answer(terminal, replies, label, user)
    if not any(r.kind == "route" for r in replies):
        assert "does not say who this should go to" in said(replies)  # said plainly; nothing to deliver
        return
    if any(r.kind == "route_no_recipient" for r in replies):  # nobody to send it to: said before any details
        assert "I won't ask you for the details" in said(replies)
        return
    replies = await answer(terminal, replies, "Yes, send a report", user)
    replies = await terminal.push(DETAILS, user=user)
    if councillor is not None:  # someone not on the roster has no name to show: anonymous without asking
        replies = await answer(terminal, replies, "Yes, show my name", user)
    replies = await answer(terminal, replies, "Send", user)
    notified = {r.target.user_id for r in replies if r.kind == "case_notice" and r.target}
    members = {m.name: m for m in await store.members.of_council(council)}
    subject_role = "clerk" if about == "The Clerk" else "chair"
    profile_handles = {e.handles.get("terminal"): e for e in load_profile(council, Path("/nonexistent")).roster}
    for handle in notified:
        entry = profile_handles[handle]
        assert subject_role not in entry.roles and entry.name in members
    assert notified or any(r.kind == "not_delivered" for r in replies)


@pytest.mark.parametrize("council", sorted(COUNCIL_PEOPLE))
async def test_every_council_the_grievance_quotes_its_own_procedure_or_says_there_is_none(
        terminal: MemoryAdapter, council: str) -> None:
    _, officer = COUNCIL_PEOPLE[council]
    user = officer or f"officer-{council}"
    if officer is None:
        await terminal.push(f"/council {council}", user=user)
    replies = await terminal.push("/grievance", user=user)
    quotes = [b for r in replies for b in r.blocks if isinstance(b, QuoteBlock)]
    assert all(q.clause_id.startswith(f"{council}:") for q in quotes)
    if council in ("blaby", "honiton"):
        assert "does not set out a grievance procedure" in said(replies)
    else:
        assert any(r.kind == "route" for r in replies) and quotes
    assert "Who is your grievance about?" in said(replies)


async def test_clerk_issues_a_link_code_and_a_new_account_links_once(terminal: MemoryAdapter, store: Store) -> None:
    refused = await terminal.push("/linkcode Cllr Ruth Okafor", user="okafor")
    assert kinds(refused) == ["refusal"]
    issued = await terminal.push("/linkcode ruth okafor", user="clerk")
    code = re.search(r"Link code for Cllr Ruth Okafor: (\S+)", said(issued))
    assert code is not None
    linked = await terminal.push(f"/link {code.group(1)}", user="ruth-laptop")
    assert "Linked: you are Cllr Ruth Okafor" in said(linked)
    assert "You are Cllr Ruth Okafor" in said(await terminal.push("/whoami", user="ruth-laptop"))
    again = await terminal.push(f"/link {code.group(1)}", user="someone-else")
    assert kinds(again) == ["link_failed"]
    for _ in range(5):
        await terminal.push("/link WRONGCODE1", user="guesser")
    assert kinds(await terminal.push(f"/link {code.group(1)}", user="guesser")) == ["link_throttled"]


async def test_a_published_version_is_quoted_by_routes_at_once(tmp_path: Path, store: Store) -> None:
    from knowledge.publishing import prepare, publish

    library = Library(tmp_path / "home", HashEmbedder())
    library.load_all()
    qa = QaService(library)
    dialogue = Dialogue(qa, store, rate_limit=RateLimit(burst=1000))
    await dialogue.start()
    chat = MemoryAdapter(dialogue, platform="terminal")
    original = (library.sources()["ledbury"].read_text())
    assert "must be raised with the Clerk in the first instance" in original
    before = await report_about_clerk(chat, "led-reid")
    assert "must be raised with the Clerk in the first instance" in said(before)
    await chat.push("cancel", user="led-reid")
    reworded = original.replace("must be raised with the Clerk in the first instance",
                                "must be raised with the Clerk, in writing, in the first instance")
    publish(library, prepare(library, "ledbury", reworded, version="2"))
    after = await report_about_clerk(chat, "led-reid")
    assert "must be raised with the Clerk, in writing, in the first instance" in said(after)


async def test_a_recipient_on_another_platform_is_notified_through_the_outbox(terminal: MemoryAdapter,
                                                                              store: Store) -> None:
    from bot.broadcasts.sending import MemorySender
    from bot.broadcasts.worker import OutboxWorker

    whitcombe = await store.members.by_identity("terminal", "whitcombe")
    assert whitcombe is not None
    await store.members.link(whitcombe.id, "telegram", "4242")
    replies = await report_about_clerk(terminal, "okafor")
    _, reference, _ = await send_report(terminal, replies, "okafor")
    senders = {"slack": MemorySender("slack"), "telegram": MemorySender("telegram")}
    await OutboxWorker(store, senders).drain(timeout=30)
    [notice] = senders["telegram"].to("4242")
    assert reference in notice.plain() and DETAILS not in notice.plain()
    assert senders["slack"].sent == [] and senders["telegram"].to("clerk") == []
