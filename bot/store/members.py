"""Members of a council, their roles, and their identities on each platform (one person, many handles)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.people import Member
from bot.store.database import serialise
from bot.store.models import IdentityRow, MemberRow
from config.councils import RosterEntry


def _member(row: MemberRow) -> Member:
    return Member(id=row.id, council=row.council, name=row.name, roles=tuple(row.roles), committee=row.committee)


async def find_by_identity(session: AsyncSession, platform: str, user_id: str) -> Member | None:
    row = await session.scalar(
        select(MemberRow).join(IdentityRow, IdentityRow.member_id == MemberRow.id)
        .where(IdentityRow.platform == platform, IdentityRow.user_id == user_id))
    return _member(row) if row else None


class Members:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def sync_roster(self, council: str, roster: Iterable[RosterEntry]) -> int:
        """Make the database match the council's roster file.

        Members added or changed by the Clerk in chat (``source == "chat"``) are left alone: the most recent
        deliberate change wins over a file that may not have been edited since.
        """
        entries = {entry.name: entry for entry in roster}
        async with self.sessions.begin() as session:
            await serialise(session, "sync_roster")
            rows = {r.name: r for r in (await session.scalars(
                select(MemberRow).where(MemberRow.council == council))).all()}
            for name, row in rows.items():
                if row.source == "roster" and name not in entries:
                    await session.delete(row)
            for name, entry in entries.items():
                row = rows.get(name) or MemberRow(council=council, name=name, source="roster")
                if row.source == "chat":
                    continue
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
            return await find_by_identity(session, platform, user_id)

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

    async def get(self, member_id: int) -> Member | None:
        async with self.sessions() as session:
            row = await session.get(MemberRow, member_id)
            return _member(row) if row else None

    async def add(self, council: str, name: str, roles: list[str], *, platform: str, user_id: str,
                  committee: str | None = None) -> Member:
        """Someone the Clerk adds in chat, known by their handle on the Clerk's platform."""
        async with self.sessions.begin() as session:
            row = MemberRow(council=council, name=name, roles=roles, committee=committee, source="chat")
            session.add(row)
            await session.flush()
            await session.execute(delete(IdentityRow).where(
                IdentityRow.platform == platform, IdentityRow.user_id == user_id))
            session.add(IdentityRow(platform=platform, user_id=user_id, member_id=row.id))
            await session.flush()
            return _member(row)

    async def set_roles(self, member_id: int, roles: list[str], *, committee: str | None = None) -> Member | None:
        """Change roles in chat; no roles left removes the person from the roster. Marks the row ``chat``."""
        async with self.sessions.begin() as session:
            row = await session.get(MemberRow, member_id)
            if row is None:
                return None
            if not roles:
                await session.delete(row)
                return None
            row.roles = roles
            row.committee = committee if "committee chair" in roles else None
            row.source = "chat"
            await session.flush()
            return _member(row)
