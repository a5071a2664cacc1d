"""Making a roster change, and saying in words what it does: one place for both, so a change confirmed a day later
by the Chair is made exactly as the Clerk's own change would have been, and described the same way to everyone.
A ``link`` (an account linked to a guarded roster entry, ``bot.linking``) is made and described here too, and so is
a ``routing`` change (the roster file's routing of reports about the Clerk, ``bot.roster_sync``), which changes
nobody's roles: it is described by who would receive those reports instead of whom, with the roster as it is.
"""

from __future__ import annotations

from pydantic import ValidationError

from bot.clerk_recipients import Change, Rerouting, rerouted, reroutes
from bot.people import Member
from bot.store import Store
from bot.store.members import RosterEdit
from bot.store.role_changes import FILE, LINK, ROUTING, RoleChange
from config.routing import ClerkRouting

PLATFORM_NAMES = {"slack": "Slack", "telegram": "Telegram", "terminal": "terminal"}


def platform_name(platform: str | None) -> str:
    """How a message names a platform: "Slack", "Telegram", "terminal"."""
    return PLATFORM_NAMES.get(platform or "", platform or "unknown")


def role_text(role: str, committee: str | None) -> str:
    return f"{role} ({committee})" if committee and role == "committee chair" else role


def what(change: Change) -> str:
    """"give Cllr Ruth Okafor the role committee chair (Staffing)": the change in words, for every message."""
    target = change.target
    if change.rerouting is not None:
        return f"routing: {change.rerouting.words}"
    if change.verb == LINK:
        assert target is not None  # resolved only while the member is on the roster
        return f"link a {platform_name(change.platform)} account to {target.name}"
    if target is None:
        return f"add {change.handle} to the roster as {role_text(change.role, change.committee)}"
    if change.verb == "add":
        return f"give {target.name} the role {role_text(change.role, change.committee or target.committee)}"
    return f"take the role {role_text(change.role, target.committee)} from {target.name}"


def edit_for(platform: str, change: Change, *, source: str | None = "chat") -> RosterEdit:
    """``change`` as the store makes it (``platform``: where a new member's handle is, or the linked account's);
    ``source=None`` for a change the roster file asked for, so the file still governs that member afterwards."""
    target = change.target
    if change.verb == LINK:
        assert target is not None and change.platform is not None
        return RosterEdit(target.id, platform=change.platform, user_id=change.handle)
    if target is None:
        assert change.verb == "add"  # only a role can be taken from someone on the roster
        return RosterEdit(None, (change.role,), change.committee, name=change.handle, platform=platform,
                          user_id=change.handle, source=source)
    if change.verb == "add":
        roles = target.roles if change.role in target.roles else (*target.roles, change.role)
        return RosterEdit(target.id, roles, change.committee or target.committee, source=source)
    return RosterEdit(target.id, tuple(r for r in target.roles if r != change.role), target.committee,
                      source=source)


def outcome(change: Change, member: Member | None) -> str:
    """What to tell whoever made ``change``, with the member as it left them (``None``: off the roster)."""
    if change.rerouting is not None:
        return "The routing of reports about the Clerk in the council's roster file applies now."
    if change.verb == LINK:
        assert change.target is not None
        return f"That {platform_name(change.platform)} account is now {change.target.name}'s."
    if member is None:
        name = change.target.name if change.target else change.handle
        return f"{name} has no roles left and is no longer on the roster."
    return f"{member.describe()}."


async def apply_change(store: Store, council: str, platform: str, change: Change) -> tuple[Member | None, int, str]:
    """Make ``change`` at once (one that needs nobody's confirmation): (the member now, ``None`` once removed;
    their id; what to tell whoever made it)."""
    member = await store.members.apply(council, edit_for(platform, change))
    member_id = member.id if member else change.target.id if change.target else 0
    return member, member_id, outcome(change, member)


async def resolve(store: Store, stored: RoleChange) -> Change | str:
    """A stored change against the roster as it is now, or why it can no longer be made as asked."""
    if stored.is_routing:
        return await _rerouting(store, stored)
    if stored.member_id is None:
        target = await store.members.by_identity(stored.platform, stored.handle)
        if target is not None and target.council != stored.council:
            return f"{stored.handle} is now on another council's roster"
    else:
        target = await store.members.get(stored.member_id)
        if target is None or target.council != stored.council:
            return "that person is no longer on the roster"
    if stored.is_link:
        return Change(LINK, stored.role, None, target, stored.handle, stored.platform)
    if stored.verb == "remove" and (target is None or stored.role not in target.roles):
        return f"{target.name if target else stored.handle} no longer has the role {stored.role}"
    return Change(stored.verb, stored.role, stored.committee if stored.verb == "add" else None, target,
                  stored.handle)


async def _rerouting(store: Store, stored: RoleChange) -> Change | str:
    """A ``routing`` change against the routing accepted now and the roster as it is."""
    proposal = await store.clerk_routings.get(int(stored.handle))
    accepted = await store.clerk_routings.accepted(stored.council)
    if proposal is None or accepted is None:
        return "that routing is no longer on record"
    try:
        asked, now = ClerkRouting.model_validate(proposal.routing), ClerkRouting.model_validate(accepted.routing)
    except ValidationError:
        return "that routing can no longer be read"
    if not reroutes(now, asked):
        return "it would change nothing now"
    words = rerouted(await store.members.of_council(stored.council), now, asked)
    return Change(ROUTING, ROUTING, None, None, stored.handle, FILE, Rerouting(proposal.id, asked, words))


def described(stored: RoleChange, resolved: Change | str) -> str:
    if isinstance(resolved, Change):
        return what(resolved)
    if stored.is_routing:
        return f"routing: a change to who receives reports about the Clerk ({resolved})"
    if stored.is_link:
        return f"link a {platform_name(stored.platform)} account ({resolved})"
    verb = "give" if stored.verb == "add" else "take away"
    return f"{verb} the role {role_text(stored.role, stored.committee)} ({resolved})"
