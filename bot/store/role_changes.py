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

The roster file asks for changes too (``bot.roster_sync``): those are written with ``requested_by = FROM_FILE`` in
the transaction that syncs the rest of the file (``sync_roster_file``), so a start either holds a change back and
records it, or does neither. Confirming writes the decision and the change in one transaction (``confirm``).

A third kind comes only from the file: its routing of reports about the Clerk changed (``verb`` ``routing``,
``handle``: the id of the version asked for in ``clerk_routings``; ``sync_routing``, ``confirm_routing``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.people import Member
from bot.store.clerk_routings import accept_in, accepted_in, digest_of, recorded_in
from bot.store.database import serialise
from bot.store.members import RosterEdit, Synced, Wanted, apply_edit, sync_in, synced_in
from bot.store.models import RoleChangeRow, aware, utcnow

LAPSE_AFTER = timedelta(days=7)
PENDING, CONFIRMED, REFUSED, LAPSED = "pending", "confirmed", "refused", "lapsed"
ADD, REMOVE, LINK, ROUTING = "add", "remove", "link", "routing"
"""The kinds of change (``verb``)."""
FROM_FILE = 0
"""``requested_by`` of a change the council's roster file asked for (``bot.roster_sync``): no member has id 0."""
FILE = "file"
"""``platform`` of a role change the roster file asked for (``handle``: the member's name there)."""
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
    def is_routing(self) -> bool:
        return self.verb == ROUTING

    @property
    def from_file(self) -> bool:
        """Asked for by the roster file at a start, not by anyone in chat."""
        return self.requested_by == FROM_FILE

    @property
    def lapses_at(self) -> datetime:
        return self.created_at + LAPSE_AFTER


@dataclass(frozen=True, slots=True)
class Held:
    """A part of the roster file held back for a second person: a role given (``add``, with its ``committee``) or
    taken away (``remove``) from the member the file calls ``name``, or an account (``platform``/``handle``)
    linked to that member's entry (``link``)."""

    verb: str
    role: str
    name: str
    committee: str | None = None
    platform: str = FILE
    handle: str = ""


@dataclass(frozen=True, slots=True)
class SyncPlan:
    """What a sync of the roster file writes now, and what it holds back."""

    wanted: tuple[Wanted, ...]
    held: tuple[Held, ...] = ()


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

    async def sync_roster_file(self, council: str, plan: Callable[[list[Synced]], SyncPlan], *,
                               now: datetime | None = None) -> list[RoleChange]:
        """Sync ``council``'s roster file as ``plan`` decides from the roster as it stands, and keep what it holds
        back as pending changes, in one transaction (two workers starting together take turns): the changes newly
        asked for. One the file already asked for that is still pending, or was refused in the last
        ``LAPSE_AFTER``, is not asked again at every start; after that it is."""
        moment = now or utcnow()
        async with self.sessions.begin() as session:
            await serialise(session, "sync_roster")
            decided = plan(await synced_in(session, council))
            ids = await sync_in(session, council, decided.wanted)
            asked: list[RoleChange] = []
            for held in decided.held:
                member_id = ids[held.name]
                handle = held.handle if held.verb == LINK else held.name[:128]
                row = RoleChangeRow(council=council, status=PENDING, verb=held.verb, role=held.role,
                                    committee=held.committee, member_id=member_id, platform=held.platform,
                                    handle=handle, requested_by=FROM_FILE, created_at=moment)
                if await _asked_already(session, row, moment):
                    continue
                session.add(row)
                await session.flush()
                asked.append(_change(row))
            return asked

    async def sync_routing(self, council: str, asked: dict[str, Any],
                           held: Callable[[dict[str, Any], list[Member]], bool], *,
                           now: datetime | None = None) -> tuple[dict[str, Any], RoleChange | None]:
        """Sync the roster file's routing of reports about the Clerk (``asked``, as JSON), in one transaction: the
        council's first one is accepted as it is; one that ``held`` (given the accepted one and the roster) says
        needs a second person is kept as a pending change, unless the file asked for it already (as
        ``sync_roster_file``); any other is accepted. The routing accepted now, and the change newly asked for."""
        moment = now or utcnow()
        async with self.sessions.begin() as session:
            await serialise(session, "sync_roster")
            accepted = await accepted_in(session, council)
            if accepted is not None and accepted.digest == digest_of(asked):
                return accepted.routing, None
            members = [s.member for s in await synced_in(session, council)]
            recorded = await recorded_in(session, council, asked, moment)
            if accepted is None or not held(accepted.routing, members):
                await accept_in(session, recorded.id, moment)
                return asked, None
            row = RoleChangeRow(council=council, status=PENDING, verb=ROUTING, role=ROUTING, committee=None,
                                member_id=None, platform=FILE, handle=str(recorded.id), requested_by=FROM_FILE,
                                created_at=moment)
            if await _asked_already(session, row, moment):
                return accepted.routing, None
            session.add(row)
            await session.flush()
            return accepted.routing, _change(row)

    async def confirm_routing(self, change_id: int, council: str, by: int, *,
                              now: datetime | None = None) -> RoleChange | None:
        """Confirm a pending ``routing`` change and make the version it names the accepted one, in one
        transaction; ``None`` if it is not (any more) pending."""
        moment = now or utcnow()
        async with self.sessions.begin() as session:
            decided = await _decide(session, change_id, council, CONFIRMED, by, moment)
            if decided is None:
                return None
            assert decided.is_routing, "a roster change is confirmed with its edit (confirm)"
            await accept_in(session, int(decided.handle), moment)
            return decided

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
        so of two people deciding at once exactly one does. A confirmation that changes the roster is ``confirm``."""
        assert status in (CONFIRMED, REFUSED)
        async with self.sessions.begin() as session:
            return await _decide(session, change_id, council, status, by, now or utcnow())

    async def confirm(self, change_id: int, council: str, by: int, edit: RosterEdit, *,
                      now: datetime | None = None) -> tuple[RoleChange, Member | None] | None:
        """Confirm a pending change and make ``edit`` in one transaction: a failure part-way (a constraint, a lost
        connection, a crash) leaves it pending and the roster as it was, never confirmed and not made, nor made
        and still pending. ``None`` if it is not (any more) pending; else the change and the member afterwards."""
        async with self.sessions.begin() as session:
            decided = await _decide(session, change_id, council, CONFIRMED, by, now or utcnow())
            if decided is None:
                return None
            return decided, await apply_edit(session, council, edit)


async def _decide(session: AsyncSession, change_id: int, council: str, status: str, by: int,
                  moment: datetime) -> RoleChange | None:
    """The one conditional ``UPDATE`` that decides a change (module docstring)."""
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


async def _asked_already(session: AsyncSession, row: RoleChangeRow, moment: datetime) -> bool:
    """Whether the roster file asked for this very change and it is pending, or was refused lately."""
    lately = moment - LAPSE_AFTER
    committee = RoleChangeRow.committee.is_(None) if row.committee is None else RoleChangeRow.committee == row.committee
    member = RoleChangeRow.member_id.is_(None) if row.member_id is None else RoleChangeRow.member_id == row.member_id
    found = await session.scalar(select(RoleChangeRow.id).where(
        RoleChangeRow.council == row.council, RoleChangeRow.verb == row.verb, RoleChangeRow.role == row.role,
        committee, member, RoleChangeRow.platform == row.platform,
        RoleChangeRow.handle == row.handle, RoleChangeRow.requested_by == FROM_FILE,
        or_(and_(RoleChangeRow.status == PENDING, RoleChangeRow.created_at > lately),
            and_(RoleChangeRow.status == REFUSED, RoleChangeRow.decided_at > lately))).limit(1))
    return found is not None
