"""Who receives reports about the Clerk, who may confirm a change to that, and whether a roster change touches either.

The Clerk edits the roster, and reports about the Clerk go to whoever holds a role on the roster: left alone she
could make herself, or someone she controls, their recipient (issue 14, finding 1). So a change that would change
who receives them is made only when a second person confirms it: the Chair, or whoever the profile names under
``routing.confirms_recipient_changes``. A change to who may confirm is guarded the same way, or the Clerk would
first add a Chair of her own choosing and then have them confirm.

"Who receives" is worked out as ``bot.flows.delivery`` does it: the holders of every rule about the Clerk and of
the ``personnel`` body where it hears about the Clerk, minus anyone holding ``clerk`` (a case is never delivered
to the person it is about). Comparing that set before and after a change catches every way of changing it:
adding or removing the role, a new member, a member removed, a committee renamed, a recipient made Clerk too.
A Clerk never confirms, nor does the person who asked; where the one asking holds the confirming role themselves,
the second person is the Vice-Chair (the Chair for a Vice-Chair) or another holder of that role.

The routing itself is guarded too: it lives in the profile, which the Clerk may edit. The part of it naming who
receives reports about the Clerk and who confirms (``config.routing.ClerkRouting``) applies as last accepted
(``bot.store.clerk_routings``) until a second person accepts the file's version (``bot.roster_sync``). The routing
book and ``/role`` read it synchronously, so each process remembers the accepted part per profile file
(``remember``, at every sync and confirmation) and applies it over the file (``governing``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.people import ROLE_LABELS, Member
from config.routing import CONCERNS, REPORTERS, ClerkRouting, Holder, RoutingConfig

SUBJECT = "clerk"
DEFAULT_CONFIRMER = Holder(role="chair")
SECOND = {"chair": "vice-chair", "vice-chair": "chair"}
REPORTER_WORDS = {"councillor": "a councillor", "officer": "an officer", "clerk": "the Clerk"}
"""Whose holders are the second person when the one asking holds the confirming role themselves."""
NEW_MEMBER = -1
"""The id a member added by a change is given while the change is only being weighed."""


@dataclass(frozen=True, slots=True)
class Rerouting:
    """A routing of reports about the Clerk the roster file asks for instead of the accepted one."""

    proposal: int
    """The version asked for (``bot.store.clerk_routings``)."""
    asked: ClerkRouting
    words: str
    """"reports about the Clerk would go to ... instead of ...", with the roster as it stood when looked up."""


@dataclass(frozen=True, slots=True)
class Change:
    """A ``/role add|remove`` as the Clerk typed it, resolved to a member where there is one; or a ``link`` of an
    account to a member's entry, which changes no role."""

    verb: str
    role: str
    committee: str | None
    target: Member | None
    """``None``: someone not on the roster yet, added by ``handle``."""
    handle: str
    platform: str | None = None
    """For a ``link`` (an account linked to ``target``'s entry, ``bot.linking``): the account's platform;
    ``handle`` is its user id."""
    rerouting: Rerouting | None = None
    """For a ``routing`` change (the file's routing of reports about the Clerk): what it asks for."""


def holds(member: Member, holder: Holder) -> bool:
    return holder.role in member.roles and (
        holder.committee is None or (member.committee or "").lower() == holder.committee.lower())


def recipient_holders(config: RoutingConfig) -> tuple[Holder, ...]:
    """The roles (and committees) that receive reports about the Clerk under this council's routing."""
    found = [rule.holder for rule in config.rules if SUBJECT in rule.about and rule.holder is not None]
    if config.personnel is not None and SUBJECT in config.personnel.about:
        found.append(config.personnel.holder)
    return tuple(dict.fromkeys(found))


def confirmer(config: RoutingConfig) -> Holder:
    return config.confirms_recipient_changes or DEFAULT_CONFIRMER


def recipients(members: Iterable[Member], config: RoutingConfig) -> tuple[Member, ...]:
    """Everyone a report about the Clerk would reach now (never a Clerk)."""
    wanted = recipient_holders(config)
    return tuple(m for m in members if SUBJECT not in m.roles and any(holds(m, h) for h in wanted))


def confirmers(members: Iterable[Member], config: RoutingConfig) -> tuple[Member, ...]:
    """Everyone holding the confirming role (never a Clerk), whoever asked."""
    holder = confirmer(config)
    return tuple(m for m in members if SUBJECT not in m.roles and holds(m, holder))


def seconds(members: Iterable[Member], config: RoutingConfig) -> tuple[Member, ...]:
    """Everyone holding the role that confirms when the one asking holds the confirming role (the Vice-Chair where
    the Chair confirms; never a Clerk). They decide as surely as the Chair does once the Clerk or an administering
    Deputy Clerk holds the confirming role, so who they are is guarded like who the Chair is."""
    second = SECOND.get(confirmer(config).role)
    return tuple(m for m in members if SUBJECT not in m.roles and second is not None and second in m.roles)


def after(members: list[Member], change: Change) -> list[Member]:
    """The roster as it would be after ``change``, made the way ``bot.roster`` makes it."""
    target = change.target
    if change.verb == "link":
        return list(members)
    if target is None:
        if change.verb != "add":
            return list(members)
        return [*members, Member(NEW_MEMBER, "", change.handle, (change.role,), change.committee)]
    if change.verb == "add":
        roles = target.roles if change.role in target.roles else (*target.roles, change.role)
        committee = change.committee or target.committee
    else:
        roles = tuple(r for r in target.roles if r != change.role)
        committee = target.committee
    changed = replace(target, roles=roles, committee=committee if "committee chair" in roles else None)
    return [changed if m.id == target.id else m for m in members if m.id != target.id or roles]


def _ids(members: Iterable[Member]) -> frozenset[int]:
    return frozenset(m.id for m in members)


def touches(members: list[Member], change: Change, config: RoutingConfig) -> bool:
    """Whether ``change`` would change who receives reports about the Clerk, or who may confirm such changes (the
    confirming role's holders, or the role that stands in for them, ``seconds``). A council whose routing sends
    nothing about the Clerk to anyone on the roster has nothing to guard."""
    if not recipient_holders(config):
        return False
    later = after(members, change)
    return any(_ids(who(members, config)) != _ids(who(later, config)) for who in (recipients, confirmers, seconds))


def guarded(members: Iterable[Member], config: RoutingConfig) -> dict[int, str]:
    """Roster entries an account may be linked to only with a second person's confirmation (``bot.linking``), each
    with why: whoever receives reports about the Clerk, and whoever may confirm changes to that (the confirming
    role, and the role that stands in when the one asking holds it). An account the Clerk controls on one of these
    entries would receive reports about her, or confirm her next change. Nothing is guarded where nothing about
    the Clerk reaches anyone on the roster (as ``touches``)."""
    if not recipient_holders(config):
        return {}
    listed = list(members)
    why = {m.id: "may confirm changes to who receives reports about the Clerk" for m in seconds(listed, config)}
    why.update({m.id: "may confirm changes to who receives reports about the Clerk"
                for m in confirmers(listed, config)})
    why.update({m.id: "receives reports about the Clerk" for m in recipients(listed, config)})
    return why


def title(holder: Holder) -> str:
    """How a message names the confirming role: "the Chair", "the chair of the Staffing committee"."""
    if holder.committee and holder.role == "committee chair":
        return f"the chair of the {holder.committee} committee"
    label = ROLE_LABELS[holder.role]
    return f"{label} ({holder.committee})" if holder.committee else label


def names(members: Iterable[Member]) -> str:
    """"Cllr Alan Whitcombe", "Cllr Alan Whitcombe and clerkalt", "nobody"."""
    listed = [m.name for m in members]
    if len(listed) < 2:
        return listed[0] if listed else "nobody"
    return f"{', '.join(listed[:-1])} and {listed[-1]}"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Who may confirm a change asked by one person, and how to say so."""

    who: tuple[Member, ...]
    wording: str
    """"the Chair (Cllr Priya Nandakumar)"; where the one asking is the Chair: "the Vice-Chair (...) or another
    member holding the role chair (...)"."""
    asker_holds_it: bool


def who_confirms(members: list[Member], config: RoutingConfig, asked_by: int) -> Confirmation:
    holder = confirmer(config)
    asker = next((m for m in members if m.id == asked_by), None)
    others = tuple(m for m in confirmers(members, config) if m.id != asked_by)
    if asker is None or not holds(asker, holder):
        who = f" ({names(others)})" if others else ", and nobody on the roster is that now"
        return Confirmation(others, f"{title(holder)}{who}", False)
    second_role = SECOND.get(holder.role)
    standing_in = tuple(m for m in seconds(members, config) if m.id != asked_by and m not in others)
    options = []
    if second_role:
        options.append(f"{ROLE_LABELS[second_role]}" + (f" ({names(standing_in)})" if standing_in else ""))
    options.append(f"another member holding the role {holder.role}" + (f" ({names(others)})" if others else ""))
    wording = " or ".join(options)
    if not others and not standing_in:
        wording += ", and nobody on the roster is that now"
    return Confirmation(others + standing_in, wording, True)


_accepted: dict[tuple[Path | None, str], ClerkRouting] = {}
_generation = 0


def _file(source: Path | None) -> Path | None:
    return source.resolve() if source is not None else None


def remember(council: str, source: Path | None, accepted: ClerkRouting) -> None:
    """What the database holds as ``council``'s accepted routing of reports about the Clerk (module docstring)."""
    global _generation
    key = (_file(source), council)
    if _accepted.get(key) != accepted:
        _accepted[key] = accepted
        _generation += 1


def remembered(council: str, source: Path | None) -> ClerkRouting | None:
    """The accepted routing this process learnt for ``council``'s profile at ``source`` (``None``: it never synced
    that profile, as a command-line process that reads it from the database itself)."""
    return _accepted.get((_file(source), council))


def generation() -> int:
    """Changes whenever ``remember`` learns something new, so a routing book knows to look again."""
    return _generation


def governing(council: str, config: RoutingConfig) -> RoutingConfig:
    """``config``, as read from its profile, the way the bot applies it: reports about the Clerk routed, and
    changes to that confirmed, as last accepted. A process that neither synced the profile nor read the accepted
    routing from the database (``protocol-bot route`` and ``doctor`` do) has nothing remembered and reads the file
    as it is."""
    accepted = remembered(council, config.source)
    return config if accepted is None else accepted.governing(config)


def _key(holder: Holder) -> tuple[str, str | None]:
    return holder.role, holder.committee.casefold() if holder.committee else None


def _receivers(routing: RoutingConfig) -> set[tuple[str, str | None]]:
    return {_key(h) for h in recipient_holders(routing)}


Key = tuple[str, str | None]


def coverage(routing: RoutingConfig) -> dict[tuple[str, str | None], tuple[Key | None, Key | None]]:
    """For each kind of report about the Clerk (who reports, and the concern; ``None``: a grievance), the holder of
    the rule that routes it (the first that matches, as ``bot.routing`` chooses) and of the personnel body where it
    hears it. Comparing two routings' coverage catches a rule narrowed to fewer reporters or concerns (officers'
    reports about the Clerk then reach nobody, though the same roles still receive the rest), not only a change of
    who receives."""
    found: dict[tuple[str, str | None], tuple[Key | None, Key | None]] = {}
    for reporter in REPORTERS:
        for concern in (*CONCERNS, None):
            rule = next((r for r in routing.rules if concern is not None and r.matches(reporter, SUBJECT, concern)),
                        None)
            by_rule = _key(rule.holder) if rule is not None and rule.holder is not None else None
            body = routing.personnel
            by_body = _key(body.holder) if body is not None and body.serves(reporter, SUBJECT, concern) else None
            found[(reporter, concern)] = (by_rule, by_body)
    return found


def reroutes(accepted: ClerkRouting, asked: ClerkRouting) -> bool:
    """Whether ``asked`` would change which roles (and committees) receive reports about the Clerk, which kinds of
    report reach them (``coverage``), or which role confirms changes to that; where neither routing sends those
    reports to anyone there is nothing to guard."""
    before, after = accepted.alone(), asked.alone()
    if not recipient_holders(before) and not recipient_holders(after):
        return False
    return (_receivers(before) != _receivers(after) or coverage(before) != coverage(after)
            or _key(confirmer(before)) != _key(confirmer(after)))


def narrowed(before: RoutingConfig, after: RoutingConfig) -> list[str]:
    """The kinds of report about the Clerk whose recipient ``after`` changes, "an officer's bullying"."""
    was, will = coverage(before), coverage(after)
    return [f"{REPORTER_WORDS.get(reporter, reporter)}'s {concern.replace('_', ' ') if concern else 'grievance'}"
            for (reporter, concern), holders in was.items() if will[(reporter, concern)] != holders]


def receiving(members: list[Member], routing: RoutingConfig) -> str:
    """"the chair of the Staffing committee (Cllr Alan Whitcombe)": each role that receives, with its holders (a
    rule naming the Clerk herself is left out: she never receives them)."""
    parts = [f"{title(h)} ({names(m for m in members if SUBJECT not in m.roles and holds(m, h))})"
             for h in recipient_holders(routing) if h.role != SUBJECT]
    if len(parts) < 2:
        return parts[0] if parts else "nobody"
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def rerouted(members: list[Member], accepted: ClerkRouting, asked: ClerkRouting) -> str:
    """What ``asked`` would change, in words, with the roster as it is: "reports about the Clerk would go to the
    Chair (Cllr Priya Nandakumar) instead of the chair of the Staffing committee (Cllr Alan Whitcombe)"."""
    before, after = accepted.alone(), asked.alone()
    said = []
    if _receivers(before) != _receivers(after):
        said.append(f"reports about the Clerk would go to {receiving(members, after)} instead of "
                    f"{receiving(members, before)}")
    elif coverage(before) != coverage(after):
        kinds = narrowed(before, after)
        shown = ", ".join(kinds[:4]) + (f" and {len(kinds) - 4} more" if len(kinds) > 4 else "")
        said.append(f"some reports about the Clerk would no longer go where they go now ({shown}): the same roles "
                    f"receive them, {receiving(members, after)}, but the rules would cover different reports")
    if _key(confirmer(before)) != _key(confirmer(after)):
        said.append(f"changes to that would be confirmed by {title(confirmer(after))} "
                    f"({names(confirmers(members, after))}) instead of {title(confirmer(before))} "
                    f"({names(confirmers(members, before))})")
    return "; ".join(said)
