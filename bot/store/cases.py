"""Confidential cases at rest: sealed details, recipients and subjects. One repository, ``Cases``, made of a part
per concept so each stays small: the key record and rotation (``case_keys``), receipt codes and wrong guesses
(``case_receipts``), the lifecycle (``case_lifecycle``: acknowledged, withdrawn, closed, reminded, purged) and
notices to recipients (``case_notices``); the records they share are in ``case_rows``.

Nothing here sees plaintext: ``bot.cases.desk`` seals before calling in and unseals after reading out. Every
write of sealed details checks, inside its transaction, that it was sealed under the key ``case_keys`` names
(``KeyChanged`` otherwise), and names the revision it read, so two writers never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.case_keys import KEY_ROW, CaseKeyRecords, KeyChanged, KeyRecord, Rewrapped, require_key
from bot.store.case_lifecycle import OPEN, CaseLifecycle
from bot.store.case_notices import CaseNotices
from bot.store.case_receipts import ReceiptRecords
from bot.store.case_rows import DuplicateReference, NewCase, StoredCase, Subject, stored
from bot.store.models import CaseRecipientRow, CaseRow, CaseSubjectRow, IdentityRow, utcnow

__all__ = ["KEY_ROW", "Cases", "DuplicateReference", "KeyChanged", "KeyRecord", "NewCase", "Rewrapped",
           "StoredCase", "Subject"]


def _not_about(member_id: int, platform: str | None, user_id: str | None) -> ColumnElement[bool]:
    """No subject row of the case names this member, or this platform identity."""
    match: ColumnElement[bool] = CaseSubjectRow.member_id == member_id
    if platform is not None and user_id is not None:
        match = or_(match, and_(CaseSubjectRow.platform == platform, CaseSubjectRow.user_id == user_id))
    return ~exists().where(CaseSubjectRow.case_id == CaseRow.id, match)


class Cases(CaseKeyRecords, ReceiptRecords, CaseLifecycle, CaseNotices):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

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
                await require_key(session, case.key_id, written=False)
                row = CaseRow(reference=reference, council=case.council, flow=case.flow, status=OPEN,
                              about_role=case.about_role, recipient=case.recipient, receipt_hash=case.receipt_hash,
                              anonymous=case.anonymous,
                              key_id=case.key_id, wrapped_key=case.wrapped_key, ciphertext=case.ciphertext,
                              created_at=utcnow(), revision=0)
                session.add(row)
                await session.flush()
                await require_key(session, case.key_id, written=True)
                for member_id in sorted(set(recipients)):
                    session.add(CaseRecipientRow(case_id=row.id, member_id=member_id))
                for subject in sorted(set(subjects), key=lambda s: (s.member_id, s.platform or "", s.user_id or "")):
                    session.add(CaseSubjectRow(case_id=row.id, member_id=subject.member_id,
                                               platform=subject.platform, user_id=subject.user_id))
                found = stored(row)
            return found
        except IntegrityError as exc:
            raise DuplicateReference(reference) from exc

    async def by_reference(self, reference: str) -> StoredCase | None:
        async with self.sessions() as session:
            row = await session.scalar(select(CaseRow).where(CaseRow.reference == reference))
            return stored(row) if row else None

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
            return [stored(r) for r in rows]

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

    async def update_details(self, case_id: int, *, key_id: str, wrapped_key: bytes, ciphertext: bytes,
                             revision: int | None = None, when_open: bool = False, close: bool = False) -> bool:
        """New sealed details. ``revision``: the revision they were read at (nothing is written if another write
        came first); ``when_open``: only while the case is open; ``close``: also close it (retention starts now;
        closing acknowledges). ``False`` if nothing was written; ``KeyChanged`` if sealed under a key since
        rotated away."""
        conditions: list[ColumnElement[bool]] = [CaseRow.id == case_id, CaseRow.ciphertext.is_not(None)]
        if revision is not None:
            conditions.append(CaseRow.revision == revision)
        if when_open or close:
            conditions.append(CaseRow.status == OPEN)
        values: dict[str, Any] = {"key_id": key_id, "wrapped_key": wrapped_key, "ciphertext": ciphertext,
                                  "revision": CaseRow.revision + 1}
        if close:
            now = utcnow()
            values.update(status="closed", closed_at=now,
                          acknowledged_at=func.coalesce(CaseRow.acknowledged_at, now))
        async with self.sessions.begin() as session:
            await require_key(session, key_id, written=False)
            result = await session.execute(update(CaseRow).where(*conditions).values(**values)
                                           .execution_options(synchronize_session=False))
            await require_key(session, key_id, written=True)
            return bool(getattr(result, "rowcount", 0) == 1)

    async def all_sealed(self) -> list[StoredCase]:
        async with self.sessions() as session:
            rows = await session.scalars(select(CaseRow).where(CaseRow.ciphertext.is_not(None)).order_by(CaseRow.id))
            return [stored(r) for r in rows]
