"""The routing of reports about the Clerk as the bot applies it, for the commands an admin runs beside the bot.

An edit to that part of a profile waits for a second person (``bot.roster_sync``); until then the bot routes by the
routing last accepted, kept in the database (``bot.store.clerk_routings``), which each bot process remembers at its
sync (``bot.clerk_recipients.governing``). ``route`` and ``doctor`` never sync: left alone they would show the file's
routing as the one in force, untrue exactly while the Clerk's edit waits for the Chair. So they read the accepted
routing here, read-only (no migration; no database made where there is none), remember it for their process as a
start would, and say plainly when the file asks for something else. ``member`` reads it through its own store, after
its sync.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from adapters.cli.checks.findings import reason, scrub
from bot.clerk_recipients import confirmer, receiving, remember, rerouted, reroutes, title
from bot.people import Member
from bot.store import Store, StoreError
from bot.store.clerk_routings import digest_of
from bot.store.database import database_url
from bot.store.models import RoleChangeRow, utcnow
from bot.store.role_changes import LAPSE_AFTER, PENDING, ROUTING
from config.routing import ClerkRouting, RoutingConfig, load_routing

TOPIC = "routing about the Clerk"


class Unreadable(Exception):
    """There is a database, but the accepted routing could not be read from it; the message says why."""


@dataclass(frozen=True, slots=True)
class InForce:
    """A council's routing as its profile has it, and as the bot applies it."""

    council: str
    written: RoutingConfig
    accepted: ClerkRouting | None
    """``None``: never synced, so the bot's first start accepts the file's as it is."""
    waiting: int | None
    """The pending ``routing`` change asking for the file's version, if there is one (``/role pending``)."""
    members: tuple[Member, ...]

    @property
    def config(self) -> RoutingConfig:
        """The routing the bot applies: the file's, with reports about the Clerk routed as last accepted."""
        return self.written if self.accepted is None else self.accepted.governing(self.written)

    def note(self) -> str | None:
        """Why the bot does not route reports about the Clerk as the file says, in words (``None``: it does)."""
        asked, accepted = ClerkRouting.of(self.written), self.accepted
        if accepted is None or asked == accepted:
            return None
        if not reroutes(accepted, asked):
            return (f"{TOPIC}: the file's edit changes nobody who receives reports about the Clerk or confirms "
                    "changes to that, so the bot's next start accepts it; until then the rules last accepted apply")
        members, before = list(self.members), accepted.alone()
        who = title(confirmer(before))
        if self.waiting is not None:
            state = f"the file's change waits for {who}'s confirmation (/role pending, change {self.waiting})"
        else:
            state = (f"the file's change is not in force: the bot's next start asks {who} to confirm it (unless it "
                     "was refused in the last 7 days)")
        return (f"{TOPIC}: {state}; reports still go to {receiving(members, before)}. The file asks: "
                f"{rerouted(members, accepted, asked)}")


async def _waiting(store: Store, council: str, asked: ClerkRouting) -> int | None:
    """The pending, unlapsed ``routing`` change asking for ``asked``. Selected here rather than through
    ``RoleChanges.pending``, which marks lapsed changes as it reads: ``doctor`` writes nothing."""
    digest = digest_of(asked.model_dump(mode="json"))
    async with store.database.sessions() as session:
        rows = (await session.execute(select(RoleChangeRow.id, RoleChangeRow.handle).where(
            RoleChangeRow.council == council, RoleChangeRow.verb == ROUTING, RoleChangeRow.status == PENDING,
            RoleChangeRow.created_at > utcnow() - LAPSE_AFTER).order_by(RoleChangeRow.id.desc()))).all()
    for change_id, proposal_id in rows:
        proposal = await store.clerk_routings.get(int(proposal_id))
        if proposal is not None and proposal.digest == digest:
            return int(change_id)
    return None


async def in_force(store: Store, council: str, home: Path, *, learn: bool = True) -> InForce:
    """``council``'s routing as the bot applies it; with ``learn``, the accepted part is remembered for this process
    (``bot.clerk_recipients.remember``), so a routing book made here routes as the bot does."""
    written, source = load_routing(council, home)
    stored = await store.clerk_routings.accepted(council)
    accepted = None
    if stored is not None:
        with suppress(ValidationError):  # an older schema's: the bot's next sync accepts the file's
            accepted = ClerkRouting.model_validate(stored.routing)
    if accepted is not None and learn:
        remember(council, source, accepted)
    waiting = await _waiting(store, council, ClerkRouting.of(written))
    return InForce(council, written, accepted, waiting, tuple(await store.members.of_council(council)))


async def _read(councils: list[str], home: Path, learn: bool) -> dict[str, InForce]:
    try:
        url = database_url()
    except StoreError as exc:
        raise Unreadable(str(exc)) from exc
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not Path(url.database).exists():
        return {}  # no database yet: the first start accepts each file's routing as it is
    try:
        store = await Store.open(url, upgrade=False)
    except StoreError as exc:
        raise Unreadable(scrub(str(exc))) from exc
    try:
        return {council: await in_force(store, council, home, learn=learn) for council in councils}
    except (SQLAlchemyError, OSError) as exc:
        raise Unreadable(scrub(reason(exc))) from exc
    finally:
        await store.close()


def read(councils: Iterable[str], home: Path, *, learn: bool = True) -> dict[str, InForce]:
    """``in_force`` for each council, read-only from the configured database (a council missing from the answer
    was never synced: there is no database yet). Raises ``Unreadable``. Not for a thread running an event loop."""
    return asyncio.run(_read(list(councils), home, learn))
