"""Confidential cases at rest: sealed details, the receipt code's hash, recipients and subjects, the key record,
wrong-code attempts.

Nothing here sees plaintext: ``bot.cases.desk`` seals before calling in and unseals after reading out. Every
write of sealed details checks, inside its transaction, that it was sealed under the key ``case_keys`` names
(``KeyChanged`` otherwise), and a rotation changes that row in the transaction that re-wraps the cases: so a
worker still holding the old key can never add a case the new key cannot open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import (
    CaseKeyRow,
    CaseRecipientRow,
    CaseRow,
    CaseSubjectRow,
    IdentityRow,
    ReceiptAttemptRow,
    utcnow,
)

KEY_ROW = 1


@dataclass(frozen=True, slots=True)
class StoredCase:
    id: int
    reference: str
    council: str
    flow: str
    status: str
    about_role: str
    recipient: str
    anonymous: bool
    key_id: str
    wrapped_key: bytes | None
    ciphertext: bytes | None
    created_at: datetime
    closed_at: datetime | None


def _case(row: CaseRow) -> StoredCase:
    return StoredCase(row.id, row.reference, row.council, row.flow, row.status, row.about_role, row.recipient,
                      row.anonymous, row.key_id, row.wrapped_key, row.ciphertext, row.created_at, row.closed_at)


@dataclass(frozen=True, slots=True)
class NewCase:
    council: str
    flow: str
    about_role: str
    recipient: str
    receipt_hash: str
    anonymous: bool
    """The reporter chose not to be named (or is not on the roster). Who reported is never a column: a named
    reporter's name is inside the sealed details only."""
    key_id: str
    wrapped_key: bytes
    ciphertext: bytes


@dataclass(frozen=True, slots=True)
class Subject:
    """A member a case is about, with one platform identity they had when it was filed (or none)."""

    member_id: int
    platform: str | None = None
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: str
    check: str
    receipt_secret: bytes
    """The receipt-code secret, wrapped by the master key named here."""


@dataclass(frozen=True, slots=True)
class Rewrapped:
    case_id: int
    key_id: str
    wrapped_key: bytes


class DuplicateReference(Exception):
    pass


class KeyChanged(Exception):
    """The master key was rotated (by another process) since this worker sealed what it is writing."""


def _key(row: CaseKeyRow) -> KeyRecord:
    return KeyRecord(row.key_id, row.check, row.receipt_secret)


async def _require_key(session: AsyncSession, key_id: str, *, written: bool) -> None:
    """The key row names ``key_id`` (``KeyChanged`` otherwise). PostgreSQL: called before the write, reading the row
    with a share lock, so a rotation in progress is waited for and its new key seen, and locks are taken in the
    order rotation takes them (key row, then cases). SQLite: called after the write, which holds the database's one
    write lock, so the read sees the latest commit."""
    if (session.get_bind().dialect.name == "sqlite") != written:
        return
    current = await session.scalar(select(CaseKeyRow.key_id).where(CaseKeyRow.id == KEY_ROW)
                                   .with_for_update(read=True))
    if current is not None and current != key_id:
        raise KeyChanged(current)


def _not_about(member_id: int, platform: str | None, user_id: str | None) -> ColumnElement[bool]:
    """No subject row of the case names this member, or this platform identity."""
    match: ColumnElement[bool] = CaseSubjectRow.member_id == member_id
    if platform is not None and user_id is not None:
        match = or_(match, and_(CaseSubjectRow.platform == platform, CaseSubjectRow.user_id == user_id))
    return ~exists().where(CaseSubjectRow.case_id == CaseRow.id, match)


class Cases:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # -- the key record ---------------------------------------------------------------------------------
    async def key_record(self) -> KeyRecord | None:
        async with self.sessions() as session:
            row = await session.get(CaseKeyRow, KEY_ROW)
            return _key(row) if row else None

    async def record_key(self, record: KeyRecord) -> KeyRecord:
        """Store the key record at first use; if another worker just did, theirs stands and is returned."""
        try:
            async with self.sessions.begin() as session:
                session.add(CaseKeyRow(id=KEY_ROW, key_id=record.key_id, check=record.check,
                                       receipt_secret=record.receipt_secret, created_at=utcnow()))
            return record
        except IntegrityError:
            found = await self.key_record()
            assert found is not None
            return found

    async def key_ids(self) -> dict[str, list[str]]:
        """Key id -> references of the cases whose details are still sealed under it."""
        async with self.sessions() as session:
            rows = await session.execute(select(CaseRow.key_id, CaseRow.reference)
                                         .where(CaseRow.wrapped_key.is_not(None)).order_by(CaseRow.id))
            found: dict[str, list[str]] = {}
            for key_id, reference in rows:
                found.setdefault(str(key_id), []).append(str(reference))
            return found

    async def count(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(CaseRow)) or 0)

    async def rotate(self, old_key_id: str, new: KeyRecord,
                     rewrap: Callable[[StoredCase], Rewrapped]) -> int:
        """In one transaction: claim the key row (still ``old_key_id``, else ``KeyChanged``), re-wrap every sealed
        case with ``rewrap`` and point the key row at ``new``. Anything raised rolls all of it back."""
        async with self.sessions.begin() as session:
            claimed = await session.execute(update(CaseKeyRow).where(
                CaseKeyRow.id == KEY_ROW, CaseKeyRow.key_id == old_key_id).values(rotated_at=utcnow()))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise KeyChanged("the key record is not the old key's")
            rows = (await session.scalars(select(CaseRow).where(CaseRow.wrapped_key.is_not(None))
                                          .order_by(CaseRow.id))).all()
            count = 0
            for row in rows:
                done = rewrap(_case(row))
                if (done.key_id, done.wrapped_key) != (row.key_id, row.wrapped_key):
                    row.key_id, row.wrapped_key = done.key_id, done.wrapped_key
                    await session.flush()  # one statement per case, so a failure is met where it happens
                    count += 1
            await session.execute(update(CaseKeyRow).where(CaseKeyRow.id == KEY_ROW).values(
                key_id=new.key_id, check=new.check, receipt_secret=new.receipt_secret))
            return count

    # -- cases ------------------------------------------------------------------------------------------
    async def next_number(self, prefix: str) -> int:
        async with self.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(CaseRow)
                                         .where(CaseRow.reference.like(f"{prefix}-%")))
        return int(count or 0) + 1

    async def create(self, reference: str, case: NewCase, recipients: Iterable[int],
                     subjects: Iterable[Subject] = ()) -> StoredCase:
        """The case, its recipients and its subjects in one transaction; ``KeyChanged`` if the key was rotated
        since ``case`` was sealed, ``DuplicateReference`` if another worker took the reference."""
        try:
            async with self.sessions.begin() as session:
                await _require_key(session, case.key_id, written=False)
                row = CaseRow(reference=reference, council=case.council, flow=case.flow, status="open",
                              about_role=case.about_role, recipient=case.recipient, receipt_hash=case.receipt_hash,
                              anonymous=case.anonymous,
                              key_id=case.key_id, wrapped_key=case.wrapped_key, ciphertext=case.ciphertext,
                              created_at=utcnow())
                session.add(row)
                await session.flush()
                await _require_key(session, case.key_id, written=True)
                for member_id in sorted(set(recipients)):
                    session.add(CaseRecipientRow(case_id=row.id, member_id=member_id))
                for subject in sorted(set(subjects), key=lambda s: (s.member_id, s.platform or "", s.user_id or "")):
                    session.add(CaseSubjectRow(case_id=row.id, member_id=subject.member_id,
                                               platform=subject.platform, user_id=subject.user_id))
                stored = _case(row)
            return stored
        except IntegrityError as exc:
            raise DuplicateReference(reference) from exc

    async def by_receipt(self, *hashes: str) -> StoredCase | None:
        """The case whose receipt hash is any of ``hashes`` (the keyed one, then an older unkeyed form)."""
        async with self.sessions() as session:
            row = await session.scalar(select(CaseRow).where(CaseRow.receipt_hash.in_(hashes)))
            return _case(row) if row else None

    async def receipt_hash_of(self, case_id: int) -> str | None:
        async with self.sessions() as session:
            return await session.scalar(select(CaseRow.receipt_hash).where(CaseRow.id == case_id))

    async def set_receipt_hash(self, case_id: int, receipt_hash: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(CaseRow).where(CaseRow.id == case_id).values(receipt_hash=receipt_hash))

    async def by_reference(self, reference: str) -> StoredCase | None:
        async with self.sessions() as session:
            row = await session.scalar(select(CaseRow).where(CaseRow.reference == reference))
            return _case(row) if row else None

    async def recipients(self, case_id: int) -> list[int]:
        async with self.sessions() as session:
            rows = await session.scalars(select(CaseRecipientRow.member_id).where(CaseRecipientRow.case_id == case_id))
            return list(rows)

    async def subjects(self, case_id: int) -> list[Subject]:
        async with self.sessions() as session:
            rows = await session.execute(select(CaseSubjectRow.member_id, CaseSubjectRow.platform,
                                                CaseSubjectRow.user_id).where(CaseSubjectRow.case_id == case_id))
            return [Subject(int(m), p, u) for m, p, u in rows]

    async def for_recipient(self, member_id: int, platform: str | None = None,
                            user_id: str | None = None) -> list[StoredCase]:
        """Cases sent to this member, minus any this member, or this platform identity, was a subject of when
        it was filed."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(CaseRow).join(CaseRecipientRow, CaseRecipientRow.case_id == CaseRow.id)
                .where(CaseRecipientRow.member_id == member_id, _not_about(member_id, platform, user_id))
                .order_by(CaseRow.id))
            return [_case(r) for r in rows]

    async def identities(self, member_ids: list[int]) -> list[tuple[int, str, str]]:
        """(member id, platform, user id) for every platform each member is linked on."""
        async with self.sessions() as session:
            rows = await session.execute(select(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id)
                                         .where(IdentityRow.member_id.in_(member_ids)))
            return [(int(m), str(p), str(u)) for m, p, u in rows]

    async def mark_notified(self, case_id: int, member_id: int) -> None:
        async with self.sessions.begin() as session:
            row = await session.get(CaseRecipientRow, (case_id, member_id))
            if row is not None:
                row.notified_at = utcnow()

    async def update_details(self, case_id: int, *, key_id: str, wrapped_key: bytes, ciphertext: bytes) -> None:
        """New sealed details (information added); ``KeyChanged`` if sealed under a key since rotated away."""
        async with self.sessions.begin() as session:
            await _require_key(session, key_id, written=False)
            await session.execute(update(CaseRow).where(CaseRow.id == case_id, CaseRow.ciphertext.is_not(None))
                                  .values(key_id=key_id, wrapped_key=wrapped_key, ciphertext=ciphertext))
            await _require_key(session, key_id, written=True)

    async def set_status(self, case_id: int, status: str) -> None:
        async with self.sessions.begin() as session:
            row = await session.get(CaseRow, case_id)
            if row is not None:
                row.status = status
                if status in ("withdrawn", "closed") and row.closed_at is None:
                    row.closed_at = utcnow()

    async def all_sealed(self) -> list[StoredCase]:
        async with self.sessions() as session:
            rows = await session.scalars(select(CaseRow).where(CaseRow.ciphertext.is_not(None)).order_by(CaseRow.id))
            return [_case(r) for r in rows]

    async def purge_closed_before(self, cutoff: datetime) -> list[str]:
        """Crypto-shred cases closed or withdrawn before ``cutoff``: the wrapped data key and the ciphertext are
        deleted (the reference, dates and status stay for the record); so is the data key a purge before
        migration 0006 left behind. The bytes they leave in the database files are the caller's to wipe
        (``Database.wipe_free_space``)."""
        async with self.sessions.begin() as session:
            rows = (await session.scalars(select(CaseRow).where(
                CaseRow.status.in_(("closed", "withdrawn", "purged")), CaseRow.closed_at < cutoff,
                or_(CaseRow.ciphertext.is_not(None), CaseRow.wrapped_key.is_not(None))))).all()
            for row in rows:
                row.ciphertext = None
                row.wrapped_key = None
                row.status = "purged"
            return [r.reference for r in rows]

    # -- wrong codes ------------------------------------------------------------------------------------
    async def record_wrong_receipt(self, platform: str, user_id: str) -> None:
        async with self.sessions.begin() as session:
            session.add(ReceiptAttemptRow(platform=platform, user_id=user_id, at=utcnow()))

    async def wrong_receipts_since(self, platform: str, user_id: str, window: timedelta) -> int:
        async with self.sessions.begin() as session:
            await session.execute(delete(ReceiptAttemptRow).where(ReceiptAttemptRow.at < utcnow() - timedelta(days=1)))
            count = await session.scalar(select(func.count()).select_from(ReceiptAttemptRow).where(
                ReceiptAttemptRow.platform == platform, ReceiptAttemptRow.user_id == user_id,
                ReceiptAttemptRow.at >= utcnow() - window))
            return int(count or 0)

    async def all_wrong_receipts_since(self, window: timedelta) -> int:
        """Wrong codes from everyone: guessing spread over many accounts is limited too."""
        async with self.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(ReceiptAttemptRow).where(
                ReceiptAttemptRow.at >= utcnow() - window))
            return int(count or 0)
