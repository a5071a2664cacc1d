"""Content-free audit trail: what happened, to whom, when; never what anyone wrote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import AuditRow, utcnow


@dataclass(frozen=True, slots=True)
class AuditEvent:
    at: datetime
    event: str
    council: str | None
    platform: str | None
    user_id: str | None
    member_id: int | None
    ref: str | None


class Audit:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def record(self, event: str, *, council: str | None = None, platform: str | None = None,
                     user_id: str | None = None, member_id: int | None = None, ref: str | None = None) -> None:
        async with self.sessions.begin() as session:
            session.add(AuditRow(at=utcnow(), event=event, council=council, platform=platform, user_id=user_id,
                                 member_id=member_id, ref=ref))

    async def recent(self, limit: int = 100) -> list[AuditEvent]:
        async with self.sessions() as session:
            rows = await session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
            return [AuditEvent(r.at, r.event, r.council, r.platform, r.user_id, r.member_id, r.ref) for r in rows]
