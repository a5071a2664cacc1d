"""Platform message ids already handled: Slack and Telegram redeliver when an acknowledgement is slow."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import ProcessedMessageRow, utcnow

KEEP = timedelta(days=2)
PRUNE_EVERY = 1000


class Inbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._claims = 0

    async def claim(self, platform: str, message_id: str, *, session: AsyncSession | None = None) -> bool:
        """True for the first delivery of a message id, False for every repeat (across workers too).

        Given a ``session``, the claim joins its transaction (and commits with it).
        """
        if session is None:
            async with self.sessions.begin() as own:
                return await self.claim(platform, message_id, session=own)
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(ProcessedMessageRow).values(
            platform=platform, message_id=message_id, seen_at=utcnow()).on_conflict_do_nothing()
        result = await session.execute(statement)
        self.claimed()
        return getattr(result, "rowcount", 0) == 1

    def claimed(self) -> None:
        """Count a claim made elsewhere (``Store.lookup`` claims within its one read) towards pruning."""
        self._claims += 1

    def due_for_pruning(self) -> bool:
        """A long-running worker keeps the table small as it goes."""
        return self._claims >= PRUNE_EVERY

    async def release(self, platform: str, message_id: str) -> None:
        """Forget a claim whose handling failed, so the platform's redelivery is answered."""
        async with self.sessions.begin() as session:
            await session.execute(delete(ProcessedMessageRow).where(
                ProcessedMessageRow.platform == platform, ProcessedMessageRow.message_id == message_id))

    async def prune(self, *, before: datetime | None = None) -> int:
        self._claims = 0
        cutoff = before or utcnow() - KEEP
        async with self.sessions.begin() as session:
            result = await session.execute(delete(ProcessedMessageRow).where(ProcessedMessageRow.seen_at < cutoff))
            return int(getattr(result, "rowcount", 0))
