"""One-time link codes, stored as hashes and consumed on first use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import IdentityRow, LinkCodeRow, utcnow


class Links:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def issue(self, member_id: int, code_hash: str, expires_at: datetime) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(LinkCodeRow).where(LinkCodeRow.member_id == member_id))  # one live code
            session.add(LinkCodeRow(code_hash=code_hash, member_id=member_id, expires_at=expires_at))

    async def redeem(self, code_hash: str, platform: str, user_id: str) -> int | None:
        """Link ``platform``/``user_id`` to the code's member and consume the code; ``None`` if unknown/expired."""
        async with self.sessions.begin() as session:
            await session.execute(delete(LinkCodeRow).where(LinkCodeRow.expires_at < utcnow()))
            row = await session.get(LinkCodeRow, code_hash)
            if row is None:
                return None
            member_id = row.member_id
            await session.delete(row)
            existing = await session.scalar(select(IdentityRow).where(
                IdentityRow.platform == platform, IdentityRow.user_id == user_id))
            if existing is not None:
                existing.member_id = member_id
            else:
                session.add(IdentityRow(platform=platform, user_id=user_id, member_id=member_id))
            return member_id
