"""A second person for changes to who receives reports about the Clerk: asked, listed, confirmed or refused.

The Clerk's ``/role add|remove`` that would change those recipients (``bot.clerk_recipients.touches``) is kept
as a pending change instead of being made; the Chair (or whoever the profile names) sees it with ``/role
pending`` and decides with ``/role confirm N`` / ``/role refuse N``. The people who receive reports about the
Clerk now are told when it is asked and when it is decided, by direct message: on the platform the message came
from with this turn's replies, on the others through the outbox like a case notice. A notice names who asked and
what changes, never anything about any case: they may not know a case exists, and must not learn it from this.

An account linked to a guarded roster entry (``bot.linking``) waits here too, as a ``link`` change: confirmed and
refused the same way, except that whoever issued the link code, or holds the account now, cannot decide it. So does
a ``routing`` change the roster file asked for (``bot.roster_sync``): confirmed, its routing of reports about the
Clerk becomes the accepted one, here and, as soon as they next route or show a report about the Clerk
(``bot.accepted_routing``), in every other worker.

Who confirms, and who receives, is always judged by the routing as accepted (``routing_of``), never by the file's.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError

from bot.accepted_routing import learn
from bot.broadcasts.compose import to_json
from bot.broadcasts.settings import DELIVERY_PLATFORMS
from bot.clerk_recipients import (
    SECOND,
    SUBJECT,
    Change,
    after,
    confirmer,
    confirmers,
    governing,
    holds,
    names,
    recipients,
    seconds,
    title,
    who_confirms,
)
from bot.context import Turn
from bot.messages import Reply, Target, Text, Visibility, say
from bot.people import ROLE_LABELS, Member, can
from bot.roster_changes import described, edit_for, outcome, resolve, what
from bot.store.role_changes import LAPSE_AFTER, LAPSED, PENDING, REFUSED, RoleChange
from config.routing import RoutingConfig, load_routing

DAYS = LAPSE_AFTER.days
NOBODY_CAN = " Nobody on the roster can confirm it now: whoever runs the bot can correct the council's roster file."


def routing_of(turn: Turn, council: str) -> RoutingConfig:
    """The council's routing as the bot applies it: the profile's, with reports about the Clerk routed (and changes
    to that confirmed) as last accepted (``bot.clerk_recipients.governing``)."""
    return governing(council, load_routing(council, turn.services.qa.library.home)[0])


async def routing_now(turn: Turn, council: str) -> RoutingConfig:
    """``routing_of`` after reading the accepted routing from the database: another worker may have confirmed a
    routing change since this one started."""
    config = load_routing(council, turn.services.qa.library.home)[0]
    await learn(turn.store, council, config.source)
    return governing(council, config)


def _ids(members: Iterable[Member]) -> frozenset[int]:
    return frozenset(m.id for m in members)


def effect(before: list[Member], later: list[Member], config: RoutingConfig) -> tuple[str, str]:
    """(what the change touches, what it would do), in words."""
    now, then = recipients(before, config), recipients(later, config)
    sentences = []
    if _ids(now) != _ids(then):
        sentences.append(f"Reports about the Clerk would go to {names(then)} instead of {names(now)}.")
    deciders, later_deciders = confirmers(before, config), confirmers(later, config)
    if _ids(deciders) != _ids(later_deciders):
        sentences.append(f"Changes like this would be confirmed by {names(later_deciders)} instead of "
                         f"{names(deciders)}.")
    standing_in, later_standing_in = seconds(before, config), seconds(later, config)
    second = SECOND.get(confirmer(config).role)
    if second is not None and _ids(standing_in) != _ids(later_standing_in):
        when, label = f"when {title(confirmer(config))} asks for one", ROLE_LABELS[second]
        sentences.append(f"{label[:1].upper()}{label[1:]}, who confirms changes like this {when}, would be "
                         f"{names(later_standing_in)} instead of {names(standing_in)}.")
    touched = ("changes who receives reports about the Clerk" if _ids(now) != _ids(then)
               else "changes who may confirm changes to who receives reports about the Clerk")
    return touched, " ".join(sentences)


async def tell(turn: Turn, council: str, members: Iterable[Member], text: str, *, event: str) -> list[Reply]:
    """A direct message to each of ``members`` on every account they have: replies for this platform, the outbox
    for the others."""
    ids = sorted(_ids(members))
    if not ids:
        return []
    here = turn.incoming.platform
    identities = await turn.store.cases.identities(ids)
    replies = []
    for member_id, platform, user_id in sorted(identities):  # every account: one may be a newly linked stranger's
        if platform == here:
            replies.append(Reply((Text(text),), visibility=Visibility.DIRECT_MESSAGE,
                                 target=Target(here, user_id=user_id),
                                 meta={"kind": "roster_notice", "event": event, "member_id": str(member_id)}))
    elsewhere = sorted({p for _, p, _ in identities if p != here and p in DELIVERY_PLATFORMS})
    if elsewhere:
        await turn.store.broadcasts.direct(council, to_json([Text(text)]), ids, platforms=elsewhere)
    return replies


async def request(turn: Turn, change: Change, members: list[Member], config: RoutingConfig) -> list[Reply]:
    """Keep ``change`` for a second person, tell the asker who that is, and tell the current recipients."""
    asker = turn.member
    assert asker is not None
    target = change.target
    committee = change.committee if change.verb == "add" else (target.committee if target else None)
    stored = await turn.store.role_changes.request(
        council=asker.council, verb=change.verb, role=change.role, committee=committee,
        member_id=target.id if target else None, platform=turn.incoming.platform, handle=change.handle,
        requested_by=asker.id)
    await turn.audit("roles.change_requested", ref=f"{stored.id}:{'+' if change.verb == 'add' else '-'}{change.role}")
    touched, would = effect(members, after(members, change), config)
    confirm = who_confirms(members, config, asker.id)
    n, done = stored.id, what(change)
    needs = f"Within {DAYS} days it needs confirming by {confirm.wording}; until then nothing changes."
    told = [m for m in recipients(members, config) if m.id != asker.id]
    yours = (f"Not changed yet: this {touched}, so a second person must confirm it. Change {n}: {done}. {would} "
             f"{needs}")
    if confirm.asker_holds_it:
        yours += f" You are {title(confirmer(config))} yourself, so you cannot confirm it."
    if not confirm.who:
        yours += NOBODY_CAN
    yours += (" I have told the people who receive reports about the Clerk." if told
              else " Nobody else receives reports about the Clerk now, so nobody else was told.")
    notice = f"{asker.name} asked for a roster change that {touched}: {done} (change {n}). {would} {needs}"
    ask = (f" You can confirm it with /role confirm {n} or refuse it with /role refuse {n} (/role pending lists "
           "what is waiting).")
    deciding = [m for m in confirm.who if m.id != asker.id]
    replies = [say(yours, kind="role_pending")]
    replies += await tell(turn, asker.council, deciding, notice + ask, event="requested")
    replies += await tell(turn, asker.council, [m for m in told if m not in deciding], notice, event="requested")
    return replies


def origin(stored: RoleChange, asker: Member | None) -> str:
    """"asked by Margaret Ashdown"; for a link, "with a link code issued by Margaret Ashdown"; "asked by the
    council's roster file" for a change the file made at a start (``bot.roster_sync``)."""
    if stored.from_file:
        return "asked by the council's roster file"
    who = asker.name if asker else "someone no longer on the roster"
    return f"with a link code issued by {who}" if stored.is_link else f"asked by {who}"


def _may_see(member: Member, config: RoutingConfig, deputy: bool) -> bool:
    second = SECOND.get(confirmer(config).role)
    return (can(member, "roles", deputy_clerk_administers=deputy) or holds(member, confirmer(config))
            or (second is not None and second in member.roles))


async def pending(turn: Turn, *, deputy: bool) -> list[Reply]:
    member = turn.member
    assert member is not None
    config = await routing_now(turn, member.council)
    if not _may_see(member, config, deputy):
        return [say(f"Sorry, /role pending is only for the Clerk and {title(confirmer(config))}.",
                    visibility=Visibility.EPHEMERAL, kind="refusal")]
    waiting = await turn.store.role_changes.pending(member.council)
    if not waiting:
        return [say("No roster changes are waiting for confirmation.", visibility=Visibility.EPHEMERAL,
                    kind="role_pending_list")]
    members = await turn.store.members.of_council(member.council)
    by_id = {m.id: m for m in members}
    lines = ["Roster changes waiting for confirmation:"]
    for change in waiting:
        asker = by_id.get(change.requested_by)
        lines.append(f"  {change.id}. {described(change, await resolve(turn.store, change))}, {origin(change, asker)} "
                     f"on {change.created_at:%d %B %Y}; lapses {change.lapses_at:%d %B %Y %H:%M} UTC")
    lines.append("Confirm one with /role confirm N, or refuse it with /role refuse N.")
    return [say("\n".join(lines), visibility=Visibility.EPHEMERAL, kind="role_pending_list")]


async def decide(turn: Turn, verb: str, number: str) -> list[Reply]:
    """``/role confirm N`` or ``/role refuse N``: only by someone who may, and only once."""
    actor = turn.member
    assert actor is not None
    if not number.isdigit():
        return [say(f"Usage: /role {verb} N (the number /role pending shows)", kind="usage")]
    n, store, council = int(number), turn.store, actor.council
    stored = await store.role_changes.get(n)
    if stored is None or stored.council != council:
        return [say(f"There is no change {n} waiting for confirmation.", kind="roles")]
    if stored.status == LAPSED:
        return [say(f"Change {n} lapsed: nobody confirmed it within {DAYS} days, so nothing was changed. The Clerk "
                    "can ask for it again.", kind="roles")]
    if stored.status != PENDING:
        return [say(f"Change {n} was already {stored.status}.", kind="roles")]
    if SUBJECT in actor.roles:
        await turn.audit("command.refused", ref=f"role {verb}")
        return [say("A Clerk can never confirm or refuse a change to who receives reports about the Clerk.",
                    visibility=Visibility.EPHEMERAL, kind="refusal")]
    members = await store.members.of_council(council)
    config = await routing_now(turn, council)
    confirm = who_confirms(members, config, stored.requested_by)
    if actor.id == stored.requested_by:
        did = "issued the link code for" if stored.is_link else "asked for"
        return [say(f"You {did} change {n}, so you cannot {verb} it; it needs {confirm.wording}.",
                    visibility=Visibility.EPHEMERAL, kind="refusal")]
    if stored.is_link and await store.links.owner(stored.platform, stored.handle) == actor.id:
        await turn.audit("command.refused", ref=f"role {verb}")
        return [say(f"The account change {n} would link is yours now, so you cannot {verb} it.",
                    visibility=Visibility.EPHEMERAL, kind="refusal")]
    if actor.id not in _ids(confirm.who):
        await turn.audit("command.refused", ref=f"role {verb}")
        return [say(f"Only {confirm.wording} can {verb} change {n}.", visibility=Visibility.EPHEMERAL,
                    kind="refusal")]
    resolved = await resolve(store, stored)
    if verb == "confirm" and isinstance(resolved, str):
        return [say(f"Change {n} cannot be made as the roster now stands: {resolved}. You can refuse it: "
                    f"/role refuse {n}.", kind="roles")]
    confirmed: tuple[RoleChange, Member | None] | None = None
    routed_after = config
    if verb == "confirm" and isinstance(resolved, Change) and resolved.rerouting is not None:
        routed = await store.role_changes.confirm_routing(n, council, actor.id)
        confirmed = (routed, None) if routed else None
        decided = routed
    elif verb == "confirm":
        assert isinstance(resolved, Change)
        try:  # decided and made in one transaction: a failure leaves it pending, the roster untouched
            confirmed = await store.role_changes.confirm(n, council, actor.id, edit_for(
                stored.platform, resolved, source=None if stored.from_file else "chat"))
        except IntegrityError:
            return [say(f"Change {n} could not be made: it would clash with someone already on the roster. Nothing "
                        f"was changed and it is still waiting; you can refuse it: /role refuse {n}.", kind="roles")]
        decided = confirmed[0] if confirmed else None
    else:
        decided = await store.role_changes.decide(n, council, REFUSED, actor.id)
    if decided is None:
        return [say(f"Change {n} is no longer waiting for confirmation.", kind="roles")]
    asker = next((m for m in members if m.id == stored.requested_by), None)
    asked = origin(stored, asker)
    done = described(stored, resolved)
    unchanged = "Nothing was linked." if stored.is_link else "Nothing was changed."
    if verb == "refuse":
        await turn.audit("roles.change_refused", ref=str(n))
        notice = f"{actor.name} refused change {n}, {asked}: {done}. {unchanged}"
        reply = f"Refused change {n}: {done}. {unchanged}"
        later = members
    else:
        assert isinstance(resolved, Change) and confirmed is not None
        afterwards = confirmed[1]
        member_id = afterwards.id if afterwards else resolved.target.id if resolved.target else 0
        now = outcome(resolved, afterwards)
        later = await store.members.of_council(council)
        if stored.is_link:
            await turn.audit("link.redeemed", ref=str(member_id))
        elif stored.is_routing:
            await turn.audit("routing.changed", ref=stored.handle)
            routed_after = await routing_now(turn, council)
        else:
            await turn.audit("roles.changed", ref=f"{member_id}:{'+' if resolved.verb == 'add' else '-'}"
                                                  f"{resolved.role}")
        await turn.audit("roles.change_confirmed", ref=str(n))
        goes = f"Reports about the Clerk now go to {names(recipients(later, routed_after))}."
        made = "It is linked now." if stored.is_link else f"It is made now. {goes}"
        notice = f"{actor.name} confirmed change {n}, {asked}: {done}. {made}"
        reply = f"Confirmed change {n}: {done}. {now}" + ("" if stored.is_link else f" {goes}")
    member = [resolved.target] if isinstance(resolved, Change) and resolved.target and stored.is_link else []
    newly = confirmers(later, routed_after) if routed_after is not config else ()
    everyone = {m.id: m for m in (*recipients(members, config), *recipients(later, routed_after), *confirm.who,
                                  *newly, *([asker] if asker else []), *member)}
    others = [m for m in everyone.values() if m.id != actor.id]
    event = "confirmed" if verb == "confirm" else "refused"
    replies = [say(reply, kind="roles"), *await tell(turn, council, others, notice, event=event)]
    if stored.is_link:
        replies += _to_account(turn, stored, notice, event=event, told=replies)
    return replies


def _to_account(turn: Turn, stored: RoleChange, text: str, *, event: str, told: list[Reply]) -> list[Reply]:
    """The account a link change was about hears the decision too, when it is on this platform and was not
    already told as its member (it may be on nobody's roster: the outbox reaches members only)."""
    if stored.platform != turn.incoming.platform or any(
            r.target is not None and r.target.user_id == stored.handle for r in told):
        return []
    return [Reply((Text(text),), visibility=Visibility.DIRECT_MESSAGE,
                  target=Target(stored.platform, user_id=stored.handle),
                  meta={"kind": "roster_notice", "event": event, "member_id": ""})]
