"""Receipt codes at rest: the case a code's hash finds, and wrong codes counted per person and across everyone.

Only hashes are kept (``bot.cases.desk`` computes them); the wrong-code rows name the platform identity that sent
them so one person's guessing can be limited, and are deleted after a day.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.case_rows import StoredCase, stored
from bot.store.models import CaseRow, ReceiptAttemptRow, utcnow


class ReceiptRecords:
    """The receipt-code part of ``bot.store.cases.Cases``."""

    sessions: async_sessionmaker[AsyncSession]

    async def by_receipt(self, *hashes: str) -> StoredCase | None:
        """The case whose receipt hash is any of ``hashes`` (the keyed one, then an older unkeyed form)."""
        async with self.sessions() as session:
            row = await session.scalar(select(CaseRow).where(CaseRow.receipt_hash.in_(hashes)))
            return stored(row) if row else None

    async def receipt_hash_of(self, case_id: int) -> str | None:
        async with self.sessions() as session:
            return await session.scalar(select(CaseRow.receipt_hash).where(CaseRow.id == case_id))

    async def set_receipt_hash(self, case_id: int, receipt_hash: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(CaseRow).where(CaseRow.id == case_id).values(receipt_hash=receipt_hash))

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
