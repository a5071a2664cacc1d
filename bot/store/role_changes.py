"""Roster changes waiting for a second person, so that a restart (or another worker) forgets none of them.

A change to who receives reports about the Clerk is never made by the Clerk alone: it is kept here as
``pending`` until the Chair (or whoever the profile names) confirms or refuses it. Deciding is one conditional
``UPDATE ... WHERE status = 'pending'`` so two presses, or two workers, never both apply it; a change nobody
decided within ``LAPSE_AFTER`` lapses (marked when anyone next looks), because a request left lying for weeks
would be confirmed by someone who no longer remembers why it was asked.

Two kinds of change are kept: a role given or taken away (``verb`` ``add``/``remove``), and an account linked to
the roster entry of someone who receives reports about the Clerk or may confirm such changes (``verb`` ``link``:
``platform``/``handle`` are the account, ``member_id`` the entry, ``requested_by`` whoever issued the link code;
``bot.linking``), since an account the Clerk controls on a recipient's entry would receive reports about her.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.broadcasts import aware
from bot.store.models import RoleChangeRow, utcnow

LAPSE_AFTER = timedelta(days=7)
PENDING, CONFIRMED, REFUSED, LAPSED = "pending", "confirmed", "refused", "lapsed"
ADD, REMOVE, LINK = "add", "remove", "link"
"""The kinds of change (``verb``)."""
LINKED_ROLE = "account"
"""What a ``link`` change stores as its role (the column is not nullable; a link gives no role)."""


@dataclass(frozen=True, slots=True)
class RoleChange:
    id: int
    council: str
    status: str
    verb: str
    role: str
    committee: str | None
    member_id: int | None
    """``None``: someone not yet on the roster, known by ``platform`` and ``handle``."""
    platform: str
    handle: str
    """For a ``link``: the account to be linked (its platform and user id)."""
    requested_by: int
    """For a ``link``: who issued the code."""
    created_at: datetime
    decided_by: int | None = None

    @property
    def is_link(self) -> bool:
        return self.verb == LINK

    @property
    def lapses_at(self) -> datetime:
        return self.created_at + LAPSE_AFTER


def _change(row: RoleChangeRow) -> RoleChange:
    return RoleChange(row.id, row.council, row.status, row.verb, row.role, row.committee, row.member_id,
                      row.platform, row.handle, row.requested_by, aware(row.created_at), row.decided_by)


class RoleChanges:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def request(self, *, council: str, verb: str, role: str, committee: str | None, member_id: int | None,
                      platform: str, handle: str, requested_by: int, now: datetime | None = None) -> RoleChange:
        async with self.sessions.begin() as session:
            row = RoleChangeRow(council=council, status=PENDING, verb=verb, role=role, committee=committee,
                                member_id=member_id, platform=platform, handle=handle, requested_by=requested_by,
                                created_at=now or utcnow())
            session.add(row)
            await session.flush()
            return _change(row)

    async def request_link(self, *, council: str, member_id: int, platform: str, user_id: str,
                           issued_by: int) -> RoleChange:
        """Keep linking ``platform``/``user_id`` to ``member_id`` for a second person (module docstring)."""
        return await self.request(council=council, verb=LINK, role=LINKED_ROLE, committee=None, member_id=member_id,
                                  platform=platform, handle=user_id, requested_by=issued_by)

    async def lapse(self, *, now: datetime | None = None) -> int:
        """Mark pending changes older than ``LAPSE_AFTER`` as lapsed; how many were."""
        cutoff = (now or utcnow()) - LAPSE_AFTER
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(RoleChangeRow).where(RoleChangeRow.status == PENDING, RoleChangeRow.created_at <= cutoff)
                .values(status=LAPSED).execution_options(synchronize_session=False))
            return int(getattr(result, "rowcount", 0) or 0)

    async def get(self, change_id: int, *, now: datetime | None = None) -> RoleChange | None:
        await self.lapse(now=now)
        async with self.sessions() as session:
            row = await session.get(RoleChangeRow, change_id)
            return _change(row) if row else None

    async def pending(self, council: str, *, now: datetime | None = None) -> list[RoleChange]:
        await self.lapse(now=now)
        async with self.sessions() as session:
            rows = await session.scalars(select(RoleChangeRow).where(
                RoleChangeRow.council == council, RoleChangeRow.status == PENDING).order_by(RoleChangeRow.id))
            return [_change(r) for r in rows]

    async def decide(self, change_id: int, council: str, status: str, by: int, *,
                     now: datetime | None = None) -> RoleChange | None:
        """Confirm or refuse a pending, unlapsed change of ``council``; ``None`` if it is not (any more) pending,
        so of two people deciding at once exactly one does."""
        assert status in (CONFIRMED, REFUSED)
        moment = now or utcnow()
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(RoleChangeRow).where(
                    RoleChangeRow.id == change_id, RoleChangeRow.council == council, RoleChangeRow.status == PENDING,
                    RoleChangeRow.created_at > moment - LAPSE_AFTER)
                .values(status=status, decided_by=by, decided_at=moment)
                .execution_options(synchronize_session=False))
            if getattr(result, "rowcount", 0) != 1:
                return None
            row = await session.get(RoleChangeRow, change_id, populate_existing=True)
            assert row is not None
            return _change(row)
