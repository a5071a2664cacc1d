"""Confidential cases at rest: sealed details, the receipt code's hash, recipients, wrong-code attempts.

Nothing here sees plaintext: ``bot.cases.desk`` seals before calling in and unseals after reading out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import CaseRecipientRow, CaseRow, IdentityRow, ReceiptAttemptRow, utcnow


@dataclass(frozen=True, slots=True)
class StoredCase:
    id: int
    reference: str
    council: str
    flow: str
    status: str
    about_role: str
    recipient: str
    reporter_member_id: int | None
    anonymous: bool
    key_id: str
    wrapped_key: bytes
    ciphertext: bytes | None
    created_at: datetime
    closed_at: datetime | None


def _case(row: CaseRow) -> StoredCase:
    return StoredCase(row.id, row.reference, row.council, row.flow, row.status, row.about_role, row.recipient,
                      row.reporter_member_id, row.anonymous, row.key_id, row.wrapped_key, row.ciphertext,
                      row.created_at, row.closed_at)


@dataclass(frozen=True, slots=True)
class NewCase:
    council: str
    flow: str
    about_role: str
    recipient: str
    receipt_hash: str
    reporter_member_id: int | None
    anonymous: bool
    key_id: str
    wrapped_key: bytes
    ciphertext: bytes


class DuplicateReference(Exception):
    pass


class Cases:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def next_number(self, prefix: str) -> int:
        async with self.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(CaseRow)
                                         .where(CaseRow.reference.like(f"{prefix}-%")))
        return int(count or 0) + 1

    async def create(self, reference: str, case: NewCase, recipients: list[int]) -> StoredCase:
        try:
            async with self.sessions.begin() as session:
                row = CaseRow(reference=reference, council=case.council, flow=case.flow, status="open",
                              about_role=case.about_role, recipient=case.recipient, receipt_hash=case.receipt_hash,
                              reporter_member_id=case.reporter_member_id, anonymous=case.anonymous,
                              key_id=case.key_id, wrapped_key=case.wrapped_key, ciphertext=case.ciphertext,
                              created_at=utcnow())
                session.add(row)
                await session.flush()
                for member_id in sorted(set(recipients)):
                    session.add(CaseRecipientRow(case_id=row.id, member_id=member_id))
                stored = _case(row)
            return stored
        except IntegrityError as exc:
            raise DuplicateReference(reference) from exc

    async def by_receipt(self, receipt_hash: str) -> StoredCase | None:
        async with self.sessions() as session:
            row = await session.scalar(select(CaseRow).where(CaseRow.receipt_hash == receipt_hash))
            return _case(row) if row else None

    async def by_reference(self, reference: str) -> StoredCase | None:
        async with self.sessions() as session:
            row = await session.scalar(select(CaseRow).where(CaseRow.reference == reference))
            return _case(row) if row else None

    async def recipients(self, case_id: int) -> list[int]:
        async with self.sessions() as session:
            rows = await session.scalars(select(CaseRecipientRow.member_id).where(CaseRecipientRow.case_id == case_id))
            return list(rows)

    async def for_recipient(self, member_id: int) -> list[StoredCase]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(CaseRow).join(CaseRecipientRow, CaseRecipientRow.case_id == CaseRow.id)
                .where(CaseRecipientRow.member_id == member_id).order_by(CaseRow.id))
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
        async with self.sessions.begin() as session:
            row = await session.get(CaseRow, case_id)
            if row is not None and row.ciphertext is not None:
                row.key_id, row.wrapped_key, row.ciphertext = key_id, wrapped_key, ciphertext

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
        """Drop the details of cases closed or withdrawn before ``cutoff``; metadata stays for the record."""
        async with self.sessions.begin() as session:
            rows = (await session.scalars(select(CaseRow).where(
                CaseRow.status.in_(("closed", "withdrawn")), CaseRow.closed_at < cutoff,
                CaseRow.ciphertext.is_not(None)))).all()
            for row in rows:
                row.ciphertext = None
                row.status = "purged"
            return [r.reference for r in rows]

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
