"""The outbox's moves: claim due rows, record what the platform said, recover what a dead worker held.

A claim is one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``: on PostgreSQL
several workers claim disjoint rows without waiting for each other; SQLite (one writer at a time, ``FOR
UPDATE`` not rendered) is for a single worker. Each row is recorded the moment its send returns, so a crash
can only leave in doubt the rows that were in flight; those come back with ``doubtful`` counted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import DeliveryRow, utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    broadcast_id: int
    member_id: int | None
    platform: str
    recipient: str
    purpose: str
    attempts: int
    """Including this one."""
    doubtful: int


class Deliveries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def claim(self, platform: str, *, limit: int, lease: timedelta, now: datetime | None = None,
                    exclude: Collection[int] = ()) -> list[Delivery]:
        """Due rows of ``platform`` (and rows whose claim expired: their worker died), marked ``sending``;
        ``exclude``: rows the claiming worker is still sending."""
        now = now or utcnow()
        due = ((DeliveryRow.status == PENDING) & (DeliveryRow.next_attempt_at <= now)) | (
            (DeliveryRow.status == SENDING) & (DeliveryRow.lease_until < now))
        if exclude:
            due = due & DeliveryRow.id.not_in(list(exclude))
        chosen = (select(DeliveryRow.id).where(DeliveryRow.platform == platform, due)
                  .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id).limit(limit)
                  .with_for_update(skip_locked=True))
        statement = (
            update(DeliveryRow).where(DeliveryRow.id.in_(chosen))
            .values(status=SENDING, lease_until=now + lease, attempts=DeliveryRow.attempts + 1,
                    doubtful=DeliveryRow.doubtful + case((DeliveryRow.status == SENDING, 1), else_=0))
            .returning(DeliveryRow.id, DeliveryRow.broadcast_id, DeliveryRow.member_id, DeliveryRow.platform,
                       DeliveryRow.recipient, DeliveryRow.purpose, DeliveryRow.attempts, DeliveryRow.doubtful)
            .execution_options(synchronize_session=False))
        async with self.sessions.begin() as session:
            rows = (await session.execute(statement)).all()
        return sorted((Delivery(*tuple(row)) for row in rows), key=lambda d: d.id)

    async def recover(self, platforms: Collection[str]) -> int:
        """The single SQLite worker, starting: whatever it held when it died is due again, counted doubtful."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(DeliveryRow).where(DeliveryRow.status == SENDING, DeliveryRow.platform.in_(list(platforms)))
                .values(status=PENDING, doubtful=DeliveryRow.doubtful + 1, lease_until=None)
                .execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    async def sent(self, delivery_id: int, message_id: str, *, now: datetime | None = None) -> None:
        await self._set(delivery_id, status=SENT, platform_message_id=message_id[:128], sent_at=now or utcnow(),
                        lease_until=None, error_class=None)

    async def sent_many(self, marks: list[tuple[int, str]], *, now: datetime | None = None) -> None:
        """Several sends recorded in one transaction (the worker's recorder batches what finishes together)."""
        table = cast(Table, DeliveryRow.__table__)
        statement = (update(table).where(table.c.id == bindparam("row_id"))
                     .values(status=SENT, platform_message_id=bindparam("message_id"), sent_at=now or utcnow(),
                             lease_until=None, error_class=None))
        async with self.sessions.begin() as session:
            await session.execute(statement, [{"row_id": i, "message_id": m[:128]} for i, m in marks])

    async def retry(self, delivery_id: int, at: datetime, error: str) -> None:
        await self._set(delivery_id, status=PENDING, next_attempt_at=at, lease_until=None, error_class=error[:64])

    async def postpone(self, delivery_id: int, at: datetime) -> None:
        """Not sent, not tried (the chat's pace): due again at ``at`` without counting an attempt."""
        await self._set(delivery_id, status=PENDING, next_attempt_at=at, lease_until=None,
                        attempts=DeliveryRow.attempts - 1)

    async def fail(self, delivery_id: int, error: str) -> None:
        await self._set(delivery_id, status=FAILED, lease_until=None, error_class=error[:64])

    async def _set(self, delivery_id: int, **values: object) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(**values)
                                  .execution_options(synchronize_session=False))

    async def outstanding(self, platforms: Collection[str] | None = None) -> int:
        """Rows not yet settled (pending or in flight)."""
        query = select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status.in_([PENDING, SENDING]))
        if platforms is not None:
            query = query.where(DeliveryRow.platform.in_(list(platforms)))
        async with self.sessions() as session:
            return int(await session.scalar(query) or 0)

    async def next_due(self, platform: str) -> datetime | None:
        async with self.sessions() as session:
            return await session.scalar(select(func.min(DeliveryRow.next_attempt_at)).where(
                DeliveryRow.platform == platform, DeliveryRow.status == PENDING))

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        """Status -> rows, over every purpose."""
        async with self.sessions() as session:
            rows = await session.execute(select(DeliveryRow.status, func.count()).where(
                DeliveryRow.broadcast_id == broadcast_id).group_by(DeliveryRow.status))
            return {status: int(n) for status, n in rows.all()}

    async def platforms(self, broadcast_id: int) -> list[str]:
        """The platforms a broadcast was queued on, as its rows say (not the ones it might have used)."""
        async with self.sessions() as session:
            return sorted(await session.scalars(select(DeliveryRow.platform).where(
                DeliveryRow.broadcast_id == broadcast_id).distinct()))

    async def doubtful(self) -> int:
        """Sends that may have reached someone twice (a worker died between the platform and the record)."""
        async with self.sessions() as session:
            return int(await session.scalar(select(func.coalesce(func.sum(DeliveryRow.doubtful), 0))) or 0)
