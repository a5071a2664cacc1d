"""Members of a council, their roles, and their identities on each platform (one person, many handles)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.people import Member
from bot.store.models import IdentityRow, MemberRow
from config.councils import RosterEntry


def _member(row: MemberRow) -> Member:
    return Member(id=row.id, council=row.council, name=row.name, roles=tuple(row.roles), committee=row.committee)


class Members:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def sync_roster(self, council: str, roster: Iterable[RosterEntry]) -> int:
        """Make the database match the council's roster file; members added in chat are left alone."""
        entries = {entry.name: entry for entry in roster}
        async with self.sessions.begin() as session:
            rows = {r.name: r for r in (await session.scalars(
                select(MemberRow).where(MemberRow.council == council))).all()}
            for name, row in rows.items():
                if row.source == "roster" and name not in entries:
                    await session.delete(row)
            for name, entry in entries.items():
                row = rows.get(name) or MemberRow(council=council, name=name, source="roster")
                session.add(row)
                row.roles = list(entry.roles)
                row.committee = entry.committee
                await session.flush()
                await session.execute(delete(IdentityRow).where(IdentityRow.member_id == row.id))
                for platform, user_id in entry.handles.items():
                    await session.execute(delete(IdentityRow).where(
                        IdentityRow.platform == platform, IdentityRow.user_id == user_id))
                    session.add(IdentityRow(platform=platform, user_id=user_id, member_id=row.id))
        return len(entries)

    async def by_identity(self, platform: str, user_id: str) -> Member | None:
        async with self.sessions() as session:
            row = await session.scalar(
                select(MemberRow).join(IdentityRow, IdentityRow.member_id == MemberRow.id)
                .where(IdentityRow.platform == platform, IdentityRow.user_id == user_id))
            return _member(row) if row else None

    async def of_council(self, council: str) -> list[Member]:
        async with self.sessions() as session:
            rows = await session.scalars(select(MemberRow).where(MemberRow.council == council)
                                         .order_by(MemberRow.name))
            return [_member(r) for r in rows]

    async def link(self, member_id: int, platform: str, user_id: str) -> None:
        """Point a platform handle at a member (a handle belongs to one person at a time)."""
        async with self.sessions.begin() as session:
            await session.execute(delete(IdentityRow).where(
                IdentityRow.platform == platform, IdentityRow.user_id == user_id))
            session.add(IdentityRow(platform=platform, user_id=user_id, member_id=member_id))
