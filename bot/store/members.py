"""Members of a council, their roles, and their identities on each platform (one person, many handles)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.people import Member
from bot.store.database import serialise
from bot.store.links import bar_earlier_cases, link_in
from bot.store.models import IdentityRow, MemberRow
from config.councils import RosterEntry


def _member(row: MemberRow) -> Member:
    return Member(id=row.id, council=row.council, name=row.name, roles=tuple(row.roles), committee=row.committee)


async def find_by_identity(session: AsyncSession, platform: str, user_id: str) -> Member | None:
    row = await session.scalar(
        select(MemberRow).join(IdentityRow, IdentityRow.member_id == MemberRow.id)
        .where(IdentityRow.platform == platform, IdentityRow.user_id == user_id))
    return _member(row) if row else None


@dataclass(frozen=True, slots=True)
class Wanted:
    """A member as the roster file (less anything held back for a second person) says they should be."""

    name: str
    roles: tuple[str, ...]
    """Empty: on the roster, every role they are to have still waiting for confirmation."""
    committee: str | None = None
    handles: dict[str, str] | None = None
    """Platform -> user id; ``None``: the accounts they have are left as they are."""

    @classmethod
    def of(cls, entry: RosterEntry) -> Wanted:
        return cls(entry.name, tuple(entry.roles), entry.committee, dict(entry.handles))


@dataclass(frozen=True, slots=True)
class Synced:
    """A member as a sync of the roster file finds them."""

    member: Member
    source: str
    """``roster`` or ``chat`` (``MemberRow.source``)."""
    accounts: frozenset[tuple[str, str]]
    """(platform, user id) of every account attached to them."""


async def synced_in(session: AsyncSession, council: str) -> list[Synced]:
    rows = (await session.scalars(select(MemberRow).where(MemberRow.council == council)
                                  .order_by(MemberRow.name))).all()
    accounts: dict[int, set[tuple[str, str]]] = {r.id: set() for r in rows}
    for member_id, platform, user_id in await session.execute(
            select(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id)
            .where(IdentityRow.member_id.in_(list(accounts)))):
        accounts[member_id].add((platform, user_id))
    return [Synced(_member(r), r.source, frozenset(accounts[r.id])) for r in rows]


async def sync_in(session: AsyncSession, council: str, wanted: Iterable[Wanted]) -> dict[str, int]:
    """Make ``council``'s members match ``wanted``; each wanted member's id by name.

    Members added or changed in chat (``source == "chat"``) are left alone: the most recent deliberate change wins
    over a file that may not have been edited since. An account newly attached to a member is barred from the
    cases with a subject that member received before, as a linked one is (``bot.store.links``)."""
    entries = {w.name: w for w in wanted}
    rows = {r.name: r for r in (await session.scalars(select(MemberRow).where(MemberRow.council == council))).all()}
    for name, row in rows.items():
        if row.source == "roster" and name not in entries:
            await session.delete(row)
    ids: dict[str, int] = {}
    for name, entry in entries.items():
        row = rows.get(name) or MemberRow(council=council, name=name, source="roster")
        if row.source == "chat":
            continue
        session.add(row)
        row.roles = list(entry.roles)
        row.committee = entry.committee
        await session.flush()
        ids[name] = row.id
        if entry.handles is None:
            continue
        had = set((await session.execute(select(IdentityRow.platform, IdentityRow.user_id)
                                         .where(IdentityRow.member_id == row.id))).tuples())
        # only the file's own accounts are the file's to replace: one linked in chat stays (migration 0013)
        await session.execute(delete(IdentityRow).where(IdentityRow.member_id == row.id,
                                                        IdentityRow.source == "roster"))
        for platform, user_id in entry.handles.items():
            await session.execute(delete(IdentityRow).where(
                IdentityRow.platform == platform, IdentityRow.user_id == user_id))
            session.add(IdentityRow(platform=platform, user_id=user_id, member_id=row.id, source="roster"))
            if (platform, user_id) not in had:
                await bar_earlier_cases(session, row.id, platform, user_id)
    await session.flush()
    return ids


@dataclass(frozen=True, slots=True)
class RosterEdit:
    """One roster change in the store's terms, so that it can be written inside whatever transaction also records
    why (``bot.store.role_changes.RoleChanges.confirm``: a confirmed change and its effect commit together)."""

    member_id: int | None
    """``None``: a new member called ``name``."""
    roles: tuple[str, ...] | None = None
    """The member's roles afterwards (none left: off the roster); ``None``: unchanged (an account linked)."""
    committee: str | None = None
    name: str = ""
    platform: str | None = None
    user_id: str | None = None
    """An account attached to the member, moved from whoever had it (a new member's handle, or a link)."""
    source: str | None = "chat"
    """What the row is marked afterwards (``chat``: later syncs of the roster file leave it alone); ``None``: as
    it was, for a change the roster file itself asked for."""


async def apply_edit(session: AsyncSession, council: str, edit: RosterEdit) -> Member | None:
    """Make ``edit`` in ``session``: the member afterwards, ``None`` once off the roster (or already gone)."""
    roles = list(edit.roles or ())
    committee = edit.committee if "committee chair" in roles else None
    if edit.member_id is None:
        row: MemberRow | None = MemberRow(council=council, name=edit.name, roles=roles, committee=committee,
                                          source=edit.source or "chat")
        session.add(row)
    else:
        row = await session.get(MemberRow, edit.member_id)
        if row is None:
            return None
        if edit.roles is not None:
            if not roles:
                await session.delete(row)
                await session.flush()
                return None
            row.roles, row.committee = roles, committee
            row.source = edit.source or row.source
    assert row is not None
    await session.flush()
    if edit.platform is not None and edit.user_id is not None:
        existing = await session.scalar(select(IdentityRow).where(
            IdentityRow.platform == edit.platform, IdentityRow.user_id == edit.user_id))
        if existing is not None:
            existing.member_id = row.id
        else:
            session.add(IdentityRow(platform=edit.platform, user_id=edit.user_id, member_id=row.id))
        await bar_earlier_cases(session, row.id, edit.platform, edit.user_id)
        await session.flush()
    return _member(row)


class Members:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def sync_roster(self, council: str, roster: Iterable[RosterEntry]) -> int:
        """Make the database match the council's roster file, all of it (``bot.roster_sync`` holds back what
        needs a second person, through ``RoleChanges.sync_roster_file``)."""
        entries = [Wanted.of(entry) for entry in roster]
        async with self.sessions.begin() as session:
            await serialise(session, "sync_roster")
            await sync_in(session, council, entries)
        return len(entries)

    async def by_identity(self, platform: str, user_id: str) -> Member | None:
        async with self.sessions() as session:
            return await find_by_identity(session, platform, user_id)

    async def of_council(self, council: str) -> list[Member]:
        async with self.sessions() as session:
            rows = await session.scalars(select(MemberRow).where(MemberRow.council == council)
                                         .order_by(MemberRow.name))
            return [_member(r) for r in rows]

    async def platforms_of(self, council: str) -> dict[int, list[str]]:
        """Each of the council's members' linked platforms (names only, never the handles), for the Clerk's roster
        page."""
        async with self.sessions() as session:
            rows = (await session.execute(select(IdentityRow.member_id, IdentityRow.platform)
                                          .join(MemberRow, MemberRow.id == IdentityRow.member_id)
                                          .where(MemberRow.council == council))).all()
        found: dict[int, set[str]] = defaultdict(set)
        for member_id, platform in rows:
            found[member_id].add(platform)
        return {m: sorted(p) for m, p in found.items()}

    async def link(self, member_id: int, platform: str, user_id: str) -> None:
        """Point a platform handle at a member (a handle belongs to one person at a time)."""
        async with self.sessions.begin() as session:
            await link_in(session, member_id, platform, user_id)

    async def apply(self, council: str, edit: RosterEdit) -> Member | None:
        """``apply_edit`` in a transaction of its own."""
        async with self.sessions.begin() as session:
            return await apply_edit(session, council, edit)

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
