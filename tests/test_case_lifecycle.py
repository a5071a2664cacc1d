"""A case's life after it is filed, like a whistleblowing desk's (issue 14, finding 6): acknowledged, asked about
and answered through the receipt code, added to, withdrawn, closed with an outcome, reminded about, purged from
closing. Each test says what the reporter, the recipients and the person the case is about would see.

Real Dialogue through the in-memory adapter (the terminal platform), the store on SQLite and PostgreSQL, the
outbox drained by the real worker into in-memory senders; nothing of ours is mocked. Raw reads go straight to the
tables and the database files.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from adapters.memory import MemoryAdapter
from bot.broadcasts.sending import MemorySender
from bot.broadcasts.worker import OutboxWorker
from bot.cases.desk import CaseDesk, Submission
from bot.cases.keyring import Keyring
from bot.cases.reminders import remind_unacknowledged
from bot.messages import Reply, Visibility
from bot.qa import QaService
from bot.store import Store
from bot.store.models import CaseRow
from tests.databases import BACKENDS, empty_database, migrate
from tests.test_flows import DETAILS, report_about_clerk, said, send_report

pytestmark = pytest.mark.usefixtures("case_key")

QUESTION = "Were there any witnesses in the office that day?"
ANSWER = "Yes: the assistant clerk saw all of it."
ADDED = "It happened again at the May meeting."
OUTCOME = "Referred to the disciplinary panel; the Clerk has been asked to attend a hearing."
TABLES = ["cases", "case_recipients", "case_subjects", "audit_events", "broadcasts", "deliveries", "conversations",
          "feedback", "receipt_attempts", "processed_messages"]


async def file_report(terminal: MemoryAdapter, *, anonymous: bool = False) -> tuple[str, str]:
    """Cllr Okafor reports the Clerk (Wendlebury: it goes to the Staffing chair, Cllr Whitcombe)."""
    replies = await report_about_clerk(terminal, "okafor")
    _, reference, code = await send_report(terminal, replies, "okafor", anonymous=anonymous)
    return reference, code


def notices_in(replies: list[Reply]) -> list[Reply]:
    return [r for r in replies if r.kind == "case_notice"]


def to_whom(replies: list[Reply]) -> list[str]:
    return [r.target.user_id or "" for r in notices_in(replies) if r.target]


def own(replies: list[Reply]) -> str:
    """What the person who sent the message sees (the notices to others go elsewhere)."""
    return "\n".join(r.plain() for r in replies if r.kind != "case_notice")


async def dump(store: Store) -> str:
    async with store.database.engine.connect() as connection:
        found = ""
        for table in TABLES:
            found += str((await connection.execute(text(f"SELECT * FROM {table}"))).all())
        return found


async def drain(store: Store) -> dict[str, MemorySender]:
    senders = {"slack": MemorySender("slack"), "telegram": MemorySender("telegram")}
    await OutboxWorker(store, senders).drain(timeout=30)
    return senders


async def on_telegram(store: Store, handle: str, chat: str) -> None:
    member = await store.members.by_identity("terminal", handle)
    assert member is not None
    await store.members.link(member.id, "telegram", chat)


# -- acknowledging -------------------------------------------------------------------------------------------


async def test_the_recipient_acknowledges_and_the_reporter_sees_it_with_the_code(terminal: MemoryAdapter) -> None:
    reference, code = await file_report(terminal)
    before = own(await terminal.push(f"/case {code}", user="okafor"))
    assert f"{reference}: open" in before and "has not been acknowledged yet" in before
    read = own(await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert f"Not acknowledged yet: /cases {reference} ack" in read
    acked = await terminal.push(f"/cases {reference} ack", user="whitcombe")
    assert f"Acknowledged {reference}. The reporter sees that" in own(acked)
    assert to_whom(acked) == []  # the only recipient is the one who acted; nobody else is told
    today = f"{datetime.now(UTC):%d %B %Y}"
    assert f"{reference}: acknowledged on {today}" in own(await terminal.push(f"/case {code}", user="okafor"))
    assert f"already acknowledged on {today}" in own(await terminal.push(f"/cases {reference} ack", user="whitcombe"))
    assert f"{reference}  acknowledged" in own(await terminal.push("/cases", user="whitcombe"))
    # The Clerk it is about can neither acknowledge it nor learn anything from trying.
    refused = own(await terminal.push(f"/cases {reference} ack", user="clerk"))
    assert "No case with that reference was sent to you." in refused


async def test_lifecycle_commands_work_only_in_a_private_chat(terminal: MemoryAdapter) -> None:
    reference, code = await file_report(terminal)
    for user, command in (("whitcombe", f"/cases {reference} ack"), ("whitcombe", f"/cases {reference} ask Why?"),
                          ("whitcombe", f"/cases {reference} close Done."), ("okafor", f"/case {code} reply Yes.")):
        replies = await terminal.push(command, user=user, chat="group-1", kind="group")
        assert [r.visibility for r in replies] == [Visibility.EPHEMERAL]
        assert "private chat" in said(replies)
    assert "has not been acknowledged yet" in own(await terminal.push(f"/case {code}", user="okafor"))


# -- questions and answers, anonymous throughout ---------------------------------------------------------------


async def test_an_anonymous_reporter_answers_a_question_through_the_code_and_stays_anonymous(
        terminal: MemoryAdapter, store: Store, tmp_path: Path) -> None:
    reference, code = await file_report(terminal, anonymous=True)
    okafor = await store.members.by_identity("terminal", "okafor")
    assert okafor is not None
    early = own(await terminal.push(f"/case {code} reply Nothing to answer yet.", user="okafor"))
    assert f"There is no question waiting for your answer on {reference}" in early

    asked = await terminal.push(f"/cases {reference} ask {QUESTION}", user="whitcombe")
    assert f"Your question is sealed with {reference}" in own(asked) and "I do not know who they are" in own(asked)
    # Asking means the case was read: the reporter sees it acknowledged, and the question quoted, not as our text.
    status = own(await terminal.push(f"/case {code}", user="okafor"))
    assert f"{reference}: acknowledged on" in status
    assert f"Question from the recipient:\n\n| {QUESTION}" in status
    assert "/case YOUR-CODE reply YOUR ANSWER" in status and code not in status and DETAILS not in status

    answered = await terminal.push(f"/case {code} reply {ANSWER}", user="okafor")
    assert f"Your answer is sealed with {reference}" in own(answered)
    [notice] = notices_in(answered)
    assert notice.target is not None and notice.target.user_id == "whitcombe"
    assert notice.visibility is Visibility.DIRECT_MESSAGE
    assert f"The reporter answered a question on the confidential case {reference}" in notice.plain()
    assert ANSWER not in notice.plain() and QUESTION not in notice.plain() and "Okafor" not in notice.plain()
    assert "(you have answered)" in own(await terminal.push(f"/case {code}", user="okafor"))

    read = own(await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert "From: anonymous" in read and "Okafor" not in read
    assert f"Question from Cllr Alan Whitcombe:\n\n| {QUESTION}" in read
    assert f"The reporter's answer:\n\n| {ANSWER}" in read

    # Nothing written down says who answered, nor what was asked or answered.
    everything = await dump(store)
    assert QUESTION not in everything and ANSWER not in everything and code not in everything
    async with store.database.engine.connect() as connection:
        events = [dict(r._mapping) for r in await connection.execute(text("SELECT * FROM audit_events"))]
        deliveries = (await connection.execute(text("SELECT recipient FROM deliveries"))).scalars().all()
    assert [e for e in events if e["user_id"] == "okafor" or e["member_id"] == okafor.id] == []
    assert {"case.answered", "case.question_asked"} <= {e["event"] for e in events}
    assert "okafor" not in deliveries
    for path in tmp_path.glob("protocol-bot.db*"):  # the SQLite file itself, WAL included, read raw
        raw = path.read_bytes()
        assert QUESTION.encode() not in raw and ANSWER.encode() not in raw


async def test_a_question_and_an_addition_written_at_the_same_moment_are_both_kept(
        terminal: MemoryAdapter, store: Store, qa: QaService) -> None:
    reference, _ = await file_report(terminal)
    desk = CaseDesk(store, Keyring(qa.library.home))
    case = await store.cases.by_reference(reference)
    whitcombe = await store.members.by_identity("terminal", "whitcombe")
    assert case is not None and whitcombe is not None
    assert all(await asyncio.gather(desk.ask(case, whitcombe, QUESTION), desk.add_information(case, ADDED)))
    read = own(await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert f"| {QUESTION}" in read and f"| {ADDED}" in read


# -- additions and withdrawal ------------------------------------------------------------------------------


async def test_recipients_are_told_of_additions_and_withdrawal_and_a_withdrawn_case_is_no_longer_readable(
        terminal: MemoryAdapter, store: Store) -> None:
    reference, code = await file_report(terminal)
    added = await terminal.push(f"/case {code} add {ADDED}", user="okafor")
    assert "has been told there is something new" in own(added)
    assert to_whom(added) == ["whitcombe"]
    assert f"The reporter added information to the confidential case {reference}" in said(notices_in(added))
    assert ADDED not in said(notices_in(added))
    assert f"Added later:\n\n| {ADDED}" in own(await terminal.push(f"/cases {reference}", user="whitcombe"))

    withdrawn = await terminal.push(f"/case {code} withdraw", user="okafor")
    assert f"{reference} is withdrawn" in own(withdrawn)
    assert to_whom(withdrawn) == ["whitcombe"]
    assert f"The reporter withdrew the confidential case {reference}" in said(notices_in(withdrawn))

    read = own(await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert f"{reference} was withdrawn by the reporter on" in read
    assert DETAILS not in read and ADDED not in read and "From:" not in read
    assert f"{reference}  withdrawn" in own(await terminal.push("/cases", user="whitcombe"))
    for command in ("ack", f"ask {QUESTION}", f"close {OUTCOME}"):
        refused = own(await terminal.push(f"/cases {reference} {command}", user="whitcombe"))
        assert f"{reference} was withdrawn by the reporter, so it can no longer be" in refused
    assert "no longer be added to" in own(await terminal.push(f"/case {code} add More.", user="okafor"))
    assert f"{reference}: withdrawn on" in own(await terminal.push(f"/case {code}", user="okafor"))
    assert QUESTION not in await dump(store)


async def test_notices_reach_recipients_on_other_platforms_and_never_the_person_it_is_about(
        terminal: MemoryAdapter, store: Store) -> None:
    """The Clerk moves her own account onto the recipient's roster entry after the case is filed: the recipient
    is still told, on every platform, and her account is told nothing."""
    await on_telegram(store, "whitcombe", "4242")
    clerk = await store.members.by_identity("terminal", "clerk")
    assert clerk is not None
    await store.members.link(clerk.id, "telegram", "6666")
    reference, code = await file_report(terminal)
    issued = said(await terminal.push("/linkcode Cllr Alan Whitcombe", user="clerk"))
    link = issued.split("Link code for Cllr Alan Whitcombe: ", 1)[1].split()[0]
    held = said(await terminal.push(f"/link {link}", user="clerk"))
    change = re.search(r"Change (\d+):", held)  # linking onto a recipient waits for the Chair (bot.linking)
    assert change is not None
    assert "Confirmed" in said(await terminal.push(f"/role confirm {change.group(1)}", user="chair"))
    await drain(store)  # the notice of the new case, before this test's own

    added = await terminal.push(f"/case {code} add {ADDED}", user="okafor")
    assert to_whom(added) == ["whitcombe"]  # not "clerk", though that account is now on his roster entry
    senders = await drain(store)
    [notice] = senders["telegram"].to("4242")
    assert f"The reporter added information to the confidential case {reference}" in notice.plain()
    assert ADDED not in notice.plain() and DETAILS not in notice.plain()
    assert senders["telegram"].to("6666") == [] and senders["slack"].sent == []


async def test_other_recipients_are_told_when_one_acknowledges_asks_or_closes(
        terminal: MemoryAdapter, store: Store, qa: QaService) -> None:
    members = {m.name: m for m in await store.members.of_council("wendlebury")}
    whitcombe, hollins = members["Cllr Alan Whitcombe"], members["Cllr Gareth Hollins"]
    desk = CaseDesk(store, Keyring(qa.library.home))
    done = await desk.submit(Submission("wendlebury", "concern", "clerk", "the Staffing Committee",
                                        (whitcombe, hollins), None, True, {"details": DETAILS}))
    reference = done.case.reference
    for command, expected in ((f"/cases {reference} ack", f"Cllr Alan Whitcombe acknowledged the confidential "
                               f"case {reference}."),
                              (f"/cases {reference} ask {QUESTION}", "Cllr Alan Whitcombe asked the reporter a "
                               f"question on the confidential case {reference}."),
                              (f"/cases {reference} close {OUTCOME}", "Cllr Alan Whitcombe closed the confidential "
                               f"case {reference} with an outcome.")):
        replies = await terminal.push(command, user="whitcombe")
        assert to_whom(replies) == ["hollins"], command
        assert expected in said(notices_in(replies))
        assert QUESTION not in said(notices_in(replies)) and OUTCOME not in said(notices_in(replies))
    assert f"Closed by Cllr Alan Whitcombe on {datetime.now(UTC):%d %B %Y}. Outcome:\n\n| {OUTCOME}" in own(
        await terminal.push(f"/cases {reference}", user="hollins"))
    assert f"{reference}: closed on" in own(await terminal.push(f"/case {done.receipt_code}", user="okafor"))


# -- closing, and retention from closing ----------------------------------------------------------------------


async def test_the_recipient_closes_with_an_outcome_the_reporter_reads_and_retention_runs_from_closing(
        terminal: MemoryAdapter, store: Store, qa: QaService) -> None:
    reference, code = await file_report(terminal)
    still_open, _ = await file_report(terminal)
    year_ago = datetime.now(UTC) - timedelta(days=400)
    async with store.database.engine.begin() as connection:  # both filed long ago: filing starts no clock
        await connection.execute(update(CaseRow).values(created_at=year_ago))
    assert "Put the outcome after close" in own(await terminal.push(f"/cases {reference} close", user="whitcombe"))
    closed = own(await terminal.push(f"/cases {reference} close {OUTCOME}", user="whitcombe"))
    assert f"Closed {reference}. The reporter sees the outcome" in closed and "180 days from today" in closed

    status = own(await terminal.push(f"/case {code}", user="okafor"))
    assert f"{reference}: closed on {datetime.now(UTC):%d %B %Y}" in status
    assert f"Outcome:\n\n| {OUTCOME}" in status and DETAILS not in status
    assert "no longer be added to" in own(await terminal.push(f"/case {code} add {ADDED}", user="okafor"))
    assert "can no longer be answered" in own(await terminal.push(f"/case {code} reply {ANSWER}", user="okafor"))
    assert f"{reference} is already closed" in own(await terminal.push(f"/case {code} withdraw", user="okafor"))
    assert "so it can no longer be asked about" in own(
        await terminal.push(f"/cases {reference} ask {QUESTION}", user="whitcombe"))
    assert f"| {OUTCOME}" in own(await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert OUTCOME not in await dump(store)

    desk = CaseDesk(store, Keyring(qa.library.home))
    assert (await desk.purge()).references == []  # closed today: the retention period has only begun
    async with store.database.engine.begin() as connection:
        await connection.execute(update(CaseRow).where(CaseRow.reference == reference)
                                 .values(closed_at=datetime.now(UTC) - timedelta(days=181)))
    assert (await desk.purge()).references == [reference]  # the open one, older still, is kept
    assert "its details were deleted after the retention period" in own(
        await terminal.push(f"/cases {reference}", user="whitcombe"))
    assert "Its details were deleted after the retention period" in own(
        await terminal.push(f"/case {code}", user="okafor"))
    assert DETAILS in own(await terminal.push(f"/cases {still_open}", user="whitcombe"))


# -- the reminder ----------------------------------------------------------------------------------------------


async def test_recipients_are_reminded_once_of_a_case_unacknowledged_for_seven_days(
        terminal: MemoryAdapter, store: Store) -> None:
    await on_telegram(store, "whitcombe", "4242")
    clerk = await store.members.by_identity("terminal", "clerk")
    assert clerk is not None
    await store.members.link(clerk.id, "telegram", "6666")
    waiting, _ = await file_report(terminal)
    acknowledged, _ = await file_report(terminal)
    await terminal.push(f"/cases {acknowledged} ack", user="whitcombe")
    await drain(store)  # the notices of the new cases

    assert await remind_unacknowledged(store, now=datetime.now(UTC) + timedelta(days=6)) == []
    later = datetime.now(UTC) + timedelta(days=8)
    assert await remind_unacknowledged(store, now=later) == [waiting]
    assert await remind_unacknowledged(store, now=later) == []  # once, whoever runs it again
    senders = await drain(store)
    [reminder] = senders["telegram"].to("4242")
    assert f"Reminder: the confidential case {waiting}, sent to you on" in reminder.plain()
    assert f"/cases {waiting} ack" in reminder.plain() and DETAILS not in reminder.plain()
    assert senders["telegram"].to("6666") == [] and senders["slack"].sent == []
    async with store.database.engine.connect() as connection:
        events = [dict(r._mapping) for r in await connection.execute(
            text("SELECT * FROM audit_events WHERE event = 'case.reminded'"))]
    assert [(e["ref"], e["user_id"], e["member_id"]) for e in events] == [(waiting, None, None)]


async def test_a_quiet_outbox_worker_still_reminds_recipients(terminal: MemoryAdapter, store: Store) -> None:
    """``serve`` with nobody writing: the worker's housekeeping is what runs, so it must send case reminders."""
    await on_telegram(store, "whitcombe", "4242")
    waiting, _ = await file_report(terminal)
    await drain(store)
    later = datetime.now(UTC) + timedelta(days=8)
    senders = {"slack": MemorySender("slack"), "telegram": MemorySender("telegram")}
    worker = OutboxWorker(store, senders, now=lambda: later)
    await worker.housekeeping()
    await worker.drain(timeout=30)
    assert [m for m in senders["telegram"].to("4242")
            if f"Reminder: the confidential case {waiting}" in m.plain()]


# -- help and the schema -----------------------------------------------------------------------------------------


async def test_help_lists_the_lifecycle_commands(terminal: MemoryAdapter) -> None:
    shown = said(await terminal.push("/help", user="whitcombe"))
    assert "/case CODE [reply ANSWER|add TEXT|withdraw]" in shown
    assert "/cases [REFERENCE [ack|ask QUESTION|close OUTCOME]]" in shown


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migration_0008_adds_the_lifecycle_to_existing_cases_and_goes_back(backend: str, tmp_path: Path) -> None:
    from bot.store.database import Database
    from bot.store.migrate import head

    async def columns(database: Database) -> dict[str, Any]:
        async with database.engine.connect() as connection:
            return dict((await connection.execute(text("SELECT * FROM cases"))).one()._mapping)

    async def check(database: Database) -> None:
        await migrate(database, "0007")
        async with database.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO cases (reference, council, flow, status, about_role, recipient, receipt_hash, anonymous, "
                "key_id, wrapped_key, ciphertext, created_at) VALUES ('WEN-2026-0001', 'wendlebury', 'concern', "
                "'open', 'clerk', 'x', 'h', :no, 'k', :blob, :blob, CURRENT_TIMESTAMP)"), {"no": False, "blob": b"1"})
        assert await database.upgrade() == head()
        case = await columns(database)
        assert (case["acknowledged_at"], case["reminded_at"], case["revision"]) == (None, None, 0)
        await migrate(database, "0007", down=True)
        assert "revision" not in await columns(database) and (await columns(database))["reference"] == "WEN-2026-0001"

    async with empty_database(backend, tmp_path) as database:
        await check(database)



# -- a named reporter is told a question waits -----------------------------------------------------------------


async def test_a_named_reporter_is_told_privately_that_a_question_waits_and_an_anonymous_one_is_not(
        terminal: MemoryAdapter, store: Store) -> None:
    reference, code = await file_report(terminal)  # named: "Yes, show my name"
    asked = await terminal.push(f"/cases {reference} ask {QUESTION}", user="whitcombe")
    [notice] = [r for r in asked if r.kind == "reporter_notice"]
    assert notice.visibility is Visibility.DIRECT_MESSAGE and notice.target is not None
    assert notice.target.user_id == "okafor" and notice.target.platform == "terminal"
    assert notice.plain() == (
        "A recipient of a confidential report you sent has asked you a question. To read and answer it, send me "
        "/case followed by your receipt code, here in this private chat. (I cannot show it without the code.)")
    assert "I have told them privately that a question is waiting, not what it says" in own(
        [r for r in asked if r.kind != "reporter_notice"])
    status = own(await terminal.push(f"/case {code}", user="okafor"))
    assert f"Question from the recipient:\n\n| {QUESTION}" in status

    anonymous, anonymous_code = await file_report(terminal, anonymous=True)
    quiet = await terminal.push(f"/cases {anonymous} ask {QUESTION}", user="whitcombe")
    assert [r for r in quiet if r.target is not None and r.target.user_id == "okafor"] == []
    assert "I do not know who they are" in own(quiet)
    assert f"| {QUESTION}" in own(await terminal.push(f"/case {anonymous_code}", user="okafor"))


async def test_a_named_reporter_on_another_platform_is_told_through_the_outbox_with_nothing_of_the_case(
        terminal: MemoryAdapter, store: Store) -> None:
    """Okafor reports from Telegram; Whitcombe asks from the terminal: the outbox carries the notice to the account
    the report came from, naming no case and no member, and no group hears of it."""
    await on_telegram(store, "okafor", "5151")
    await on_telegram(store, "whitcombe", "4242")
    telegram = MemoryAdapter(terminal.dialogue, platform="telegram")
    _, reference, _ = await send_report(telegram, await report_about_clerk(telegram, "5151"), "5151")
    await drain(store)  # the notice of the new case, before this test's own
    asked = await terminal.push(f"/cases {reference} ask {QUESTION}", user="whitcombe")
    assert [r for r in asked if r.kind == "reporter_notice"] == []  # not this platform: through the outbox
    assert "I have told them privately" in own(asked)
    async with store.database.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT d.member_id, d.recipient, b.content FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
            "WHERE d.recipient = '5151'"))).all()
    assert len(rows) == 1 and rows[0].member_id is None
    assert reference not in str(rows[0].content) and QUESTION not in str(rows[0].content)
    senders = await drain(store)
    [notice] = senders["telegram"].to("5151")
    assert notice.plain().startswith("A recipient of a confidential report you sent has asked you a question.")
    assert senders["telegram"].to("4242") == [] and senders["slack"].sent == []
