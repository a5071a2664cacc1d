"""The council's roster file synced into the database at a start, with the same second person as ``/role``.

Whoever runs the bot edits ``profile.yaml``; in a small council that is often the Clerk. Synced as it was, the file
was a way round ``bot.roster_confirm``: remove the role of the person who receives reports about the Clerk, give it
to someone else, put one's own account on their entry, and the next start made it silently (issue 14, finding 1).
So the sync weighs the file's differences from the roster one step at a time, as ``/role`` would (a role given, a
role taken away, a committee renamed, an account attached): a step that would change who receives reports about
the Clerk, or who may confirm such changes, is held back as a pending change for the Chair (``/role pending``,
``/role confirm N``) and the people concerned are told through the outbox; every other step is made as before.
Each step made leaves those people exactly as they were, so together the steps made change none of them either.
Two exceptions, where there is nobody to ask: the first sync of a council (the database has none of its members
yet) is made whole, and so is a step nobody on the roster could confirm (``/role`` sends the Clerk to the file
then: "whoever runs the bot can correct the council's roster file").

A member the file adds is put on the roster with the roles that need nobody's confirmation (possibly none yet); a
member the file drops keeps the roles whose removal waits. A change the file asked for and the Chair refused is not
asked again at every start (``RoleChanges.sync_roster_file``); a confirmed one leaves the member to the file.

The file's routing is weighed first, the same way (``sync_routing``): if its rules about the Clerk, its personnel
body or ``confirms_recipient_changes`` would change which roles receive reports about the Clerk, or which one
confirms, compared with the routing last accepted (``bot.store.clerk_routings``), that is one pending ``routing``
change, and until it is confirmed reports about the Clerk are routed, and changes confirmed, as accepted
(``bot.clerk_recipients.governing``); the roster is then weighed under that routing. A council's first sync, or one
nobody could confirm, accepts the file's routing as it is; so does an edit that changes no such role.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from bot.broadcasts.compose import to_json
from bot.broadcasts.settings import DELIVERY_PLATFORMS
from bot.clerk_recipients import (
    Change,
    after,
    confirmer,
    guarded,
    recipient_holders,
    recipients,
    remember,
    reroutes,
    title,
    touches,
    who_confirms,
)
from bot.messages import Text
from bot.people import Member
from bot.roster_changes import platform_name, resolve, what
from bot.roster_confirm import DAYS, effect
from bot.store import Store
from bot.store.members import Synced, Wanted
from bot.store.role_changes import FROM_FILE, LINK, Held, RoleChange, SyncPlan
from config.councils import RosterEntry
from config.routing import ClerkRouting, RoutingConfig

log = logging.getLogger(__name__)

CHAIR = "committee chair"


class _Weighing:
    """The roster as the steps made so far leave it, and the steps held back."""

    def __init__(self, state: list[Synced], config: RoutingConfig) -> None:
        self.config = config
        self.roster = [s.member for s in state]
        self.held: list[Held] = []
        self.kept: set[int] = set()
        """Members the file still lists: a step leaving them no role leaves them on the roster, roleless."""

    def now(self, member_id: int) -> Member | None:
        return next((m for m in self.roster if m.id == member_id), None)

    def step(self, member_id: int, verb: str, role: str, committee: str | None = None) -> None:
        target = self.now(member_id)
        assert target is not None
        change = Change(verb, role, committee, target, target.name)
        if touches(self.roster, change, self.config) and who_confirms(self.roster, self.config, FROM_FILE).who:
            kept = committee if verb == "add" else target.committee
            self.held.append(Held(verb, role, target.name, kept if role == CHAIR else None))
            return
        later = after(self.roster, change)
        if member_id in self.kept and all(m.id != member_id for m in later):
            later.append(replace(target, roles=(), committee=None))
        self.roster = later

    def follow(self, member_id: int, entry: RosterEntry) -> None:
        """The steps from the member as they are to ``entry``: roles taken away, then given, then a renamed
        committee."""
        self.kept.add(member_id)
        member = self.now(member_id)
        assert member is not None
        for role in [r for r in member.roles if r not in entry.roles]:
            self.step(member_id, "remove", role)
        for role in [r for r in entry.roles if r not in member.roles]:
            self.step(member_id, "add", role, entry.committee if role == CHAIR else None)
        member = self.now(member_id)
        assert member is not None
        if (CHAIR in member.roles and CHAIR in entry.roles
                and (member.committee or "").casefold() != (entry.committee or "").casefold()):
            self.step(member_id, "add", CHAIR, entry.committee)


def plan(state: list[Synced], roster: Sequence[RosterEntry], config: RoutingConfig) -> SyncPlan:
    """What to write of ``roster`` now and what to hold back, given the members as they stand (module docstring).
    Pure: the store calls it inside the sync's transaction."""
    if not state or not recipient_holders(config):  # the roster's first sync; or nothing to guard
        return SyncPlan(tuple(Wanted.of(e) for e in roster))
    entries = {e.name: e for e in roster}
    found = {s.member.name: s for s in state}
    weighing = _Weighing(state, config)
    for synced in state:
        if synced.source == "roster" and synced.member.name not in entries:
            for role in synced.member.roles:
                weighing.step(synced.member.id, "remove", role)
    fresh = itertools.count(-1, -1)  # ids for members the file adds, until the store gives them theirs
    ids: dict[str, int] = {}
    for name, entry in entries.items():
        existing = found.get(name)
        if existing is not None and existing.source == "chat":
            continue
        if existing is None:
            weighing.roster.append(Member(next(fresh), "", name, ()))
        ids[name] = existing.member.id if existing else weighing.roster[-1].id
        weighing.follow(ids[name], entry)
    wanted = [*_dropped(state, entries, weighing), *_listed(state, entries, ids, weighing)]
    return SyncPlan(tuple(wanted), tuple(weighing.held))


def _dropped(state: list[Synced], entries: dict[str, RosterEntry], weighing: _Weighing) -> list[Wanted]:
    """Members the file no longer lists whose removal waits, kept with the roles still waiting and their accounts."""
    kept = []
    for synced in state:
        member = weighing.now(synced.member.id)
        if synced.source == "roster" and synced.member.name not in entries and member is not None:
            kept.append(Wanted(member.name, member.roles, member.committee, None))
    return kept


def _listed(state: list[Synced], entries: dict[str, RosterEntry], ids: dict[str, int],
            weighing: _Weighing) -> list[Wanted]:
    """The file's members as the steps made leave them; an account the file attaches to someone who receives
    reports about the Clerk, or may confirm changes to that, waits like ``/link`` (``bot.linking``)."""
    owners = {account: s.member.id for s in state for account in s.accounts}
    watched = guarded(weighing.roster, weighing.config)
    wanted = []
    for name, member_id in ids.items():
        entry, member = entries[name], weighing.now(member_id)
        assert member is not None
        handles = {}
        for platform, user_id in entry.handles.items():
            if member_id in watched and owners.get((platform, user_id)) != member_id:
                weighing.held.append(Held(LINK, "account", name, platform=platform, handle=user_id))
            else:
                handles[platform] = user_id
        as_filed = not any(h.name == name and h.verb != LINK for h in weighing.held)
        roles = tuple(entry.roles) if as_filed else member.roles
        committee = entry.committee if as_filed else member.committee
        wanted.append(Wanted(name, roles, committee, handles))
    return wanted


async def sync_roster_file(store: Store, council: str, roster: Sequence[RosterEntry],
                           config: RoutingConfig) -> list[RoleChange]:
    """Sync ``council``'s roster file, ``config`` being its routing as written (module docstring); the changes
    newly held back, whose confirmers and current recipients have been told through the outbox."""
    config, rerouted = await sync_routing(store, council, config)
    asked = await store.role_changes.sync_roster_file(council, lambda state: plan(state, roster, config))
    asked = [*rerouted, *asked]
    if not asked:
        return []
    members = await store.members.of_council(council)
    for stored in asked:
        await _tell(store, council, stored, members, config)
    log.warning("%s: %d change(s) in the roster file wait for a second person (/role pending)", council, len(asked))
    return asked


async def sync_routing(store: Store, council: str, config: RoutingConfig) -> tuple[RoutingConfig, list[RoleChange]]:
    """The file's routing of reports about the Clerk against the accepted one (module docstring): the routing the
    bot applies now (remembered for this process, ``bot.clerk_recipients.remember``), and the change newly held."""
    asked = ClerkRouting.of(config)

    def held(accepted: dict[str, Any], members: list[Member]) -> bool:
        try:
            before = ClerkRouting.model_validate(accepted)
        except ValidationError:  # written by a version whose routing schema is gone: the file's is all there is
            log.warning("%s: the accepted routing can no longer be read; the file's is accepted", council)
            return False
        return reroutes(before, asked) and bool(who_confirms(members, before.alone(), FROM_FILE).who)

    accepted, change = await store.role_changes.sync_routing(council, asked.model_dump(mode="json"), held)
    routing = ClerkRouting.model_validate(accepted)
    remember(council, config.source, routing)
    return routing.governing(config), [change] if change else []


async def _tell(store: Store, council: str, stored: RoleChange, members: list[Member], config: RoutingConfig) -> None:
    """The confirmers (with how to decide) and the current recipients, in the words ``/role`` uses; for an account,
    the member it is attached to as well (on the accounts they already have)."""
    resolved = await resolve(store, stored)
    if not isinstance(resolved, Change) or (resolved.target is None and resolved.rerouting is None):
        return
    n, target = stored.id, resolved.target
    confirm = who_confirms(members, config, FROM_FILE)
    concerned: list[Member] = []
    if resolved.rerouting is not None:
        notice = (f"The council's roster file asks for a routing change (change {n}): {resolved.rerouting.words}. "
                  f"Within {DAYS} days it needs confirming by {confirm.wording}; until then nothing changes.")
    elif stored.is_link:
        assert target is not None
        why = guarded(members, config).get(target.id, "receives reports about the Clerk")
        notice = (f"The council's roster file attaches a {platform_name(stored.platform)} account to {target.name}'s "
                  f"roster entry (change {n}). {target.name} {why}, so a second person must confirm it. Within "
                  f"{DAYS} days it needs confirming by {confirm.wording}; until then the account is not linked.")
        concerned = [target]
    else:
        touched, would = effect(members, after(members, resolved), config)
        notice = (f"The council's roster file asks for a roster change that {touched}: {what(resolved)} (change {n})."
                  f" {would} Within {DAYS} days it needs confirming by {confirm.wording}; until then nothing changes.")
    ask = (f" You can confirm it with /role confirm {n} or refuse it with /role refuse {n} (/role pending lists "
           "what is waiting).")
    theirs = f" If the account is not yours, tell {title(confirmer(config))} so that it is refused."
    deciding = list(confirm.who)
    others = [m for m in recipients(members, config) if m not in deciding and m not in concerned]
    for people, text in ((deciding, notice + ask), ([m for m in concerned if m not in deciding], notice + theirs),
                         (others, notice)):
        if people:
            await store.broadcasts.direct(council, to_json([Text(text)]), [m.id for m in people],
                                          platforms=DELIVERY_PLATFORMS)
