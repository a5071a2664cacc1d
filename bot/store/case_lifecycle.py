"""A case's life at rest: acknowledged, withdrawn or closed, reminded about, purged.

Every change of state is one conditional ``UPDATE`` (``WHERE status = 'open'``, ``acknowledged_at IS NULL``), so a
withdrawal and a close arriving together, or two workers reminding at once, settle on exactly one outcome. Closing
writes the sealed outcome in the same statement (``Cases.update_details(close=True)``); the retention period runs
from ``closed_at``, which closing and withdrawing both set.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.case_notices import queue_in
from bot.store.case_rows import StoredCase, stored
from bot.store.models import CaseRow, utcnow

OPEN = "open"


def _changed(result: object) -> bool:
    return bool(getattr(result, "rowcount", 0) == 1)


class CaseLifecycle:
    """The lifecycle part of ``bot.store.cases.Cases``."""

    sessions: async_sessionmaker[AsyncSession]

    async def acknowledge(self, case_id: int) -> bool:
        """Mark an open case acknowledged; ``False`` if it already was, or is no longer open."""
        async with self.sessions.begin() as session:
            return _changed(await session.execute(update(CaseRow).where(
                CaseRow.id == case_id, CaseRow.status == OPEN, CaseRow.acknowledged_at.is_(None))
                .values(acknowledged_at=utcnow())))

    async def withdraw(self, case_id: int) -> bool:
        """The reporter withdraws an open case (retention runs from now); ``False`` if it was not open."""
        async with self.sessions.begin() as session:
            return _changed(await session.execute(update(CaseRow).where(CaseRow.id == case_id, CaseRow.status == OPEN)
                                                  .values(status="withdrawn", closed_at=utcnow())))

    async def unacknowledged_since(self, cutoff: datetime) -> list[StoredCase]:
        """Open cases filed before ``cutoff`` that nobody has acknowledged and nobody was reminded of."""
        async with self.sessions() as session:
            rows = await session.scalars(select(CaseRow).where(
                CaseRow.status == OPEN, CaseRow.acknowledged_at.is_(None), CaseRow.reminded_at.is_(None),
                CaseRow.created_at < cutoff).order_by(CaseRow.id))
            return [stored(r) for r in rows]

    async def remind(self, case: StoredCase, content: list[dict[str, Any]], platforms: Collection[str]) -> int | None:
        """Claim the case's one reminder and queue it to its recipients, in one transaction: ``None`` if another
        worker claimed it first, or it was acknowledged meanwhile; else the deliveries queued."""
        now = utcnow()
        async with self.sessions.begin() as session:
            claimed = await session.execute(update(CaseRow).where(
                CaseRow.id == case.id, CaseRow.status == OPEN, CaseRow.acknowledged_at.is_(None),
                CaseRow.reminded_at.is_(None)).values(reminded_at=now).execution_options(synchronize_session=False))
            if not _changed(claimed):
                return None
            return await queue_in(session, case.id, case.council, content, platforms, now)

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

