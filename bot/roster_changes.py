"""Making a roster change, and saying in words what it does: one place for both, so a change confirmed a day later
by the Chair is made exactly as the Clerk's own change would have been, and described the same way to everyone.
A ``link`` (an account linked to a guarded roster entry, ``bot.linking``) is made and described here too.
"""

from __future__ import annotations

from bot.clerk_recipients import Change
from bot.people import Member
from bot.store import Store
from bot.store.role_changes import LINK, RoleChange

PLATFORM_NAMES = {"slack": "Slack", "telegram": "Telegram", "terminal": "terminal"}


def platform_name(platform: str | None) -> str:
    """How a message names a platform: "Slack", "Telegram", "terminal"."""
    return PLATFORM_NAMES.get(platform or "", platform or "unknown")


def role_text(role: str, committee: str | None) -> str:
    return f"{role} ({committee})" if committee and role == "committee chair" else role


def what(change: Change) -> str:
    """"give Cllr Ruth Okafor the role committee chair (Staffing)": the change in words, for every message."""
    target = change.target
    if change.verb == LINK:
        assert target is not None  # resolved only while the member is on the roster
        return f"link a {platform_name(change.platform)} account to {target.name}"
    if target is None:
        return f"add {change.handle} to the roster as {role_text(change.role, change.committee)}"
    if change.verb == "add":
        return f"give {target.name} the role {role_text(change.role, change.committee or target.committee)}"
    return f"take the role {role_text(change.role, target.committee)} from {target.name}"


async def apply_change(store: Store, council: str, platform: str, change: Change) -> tuple[Member | None, int, str]:
    """Make ``change``: (the member now, ``None`` once removed; their id; what to tell whoever made it)."""
    members = store.members
    target = change.target
    if change.verb == LINK:
        assert target is not None and change.platform is not None
        await store.links.attach(target.id, change.platform, change.handle)
        return target, target.id, f"That {platform_name(change.platform)} account is now {target.name}'s."
    if change.verb == "add":
        if target is None:
            target = await members.add(council, change.handle, [change.role], platform=platform,
                                       user_id=change.handle, committee=change.committee)
        else:
            roles = [*target.roles, change.role] if change.role not in target.roles else list(target.roles)
            updated = await members.set_roles(target.id, roles, committee=change.committee or target.committee)
            assert updated is not None
            target = updated
        return target, target.id, f"{target.describe()}."
    assert target is not None  # checked before: only a member's role is removed
    remaining = [r for r in target.roles if r != change.role]
    updated = await members.set_roles(target.id, remaining, committee=target.committee)
    if updated is None:
        return None, target.id, f"{target.name} has no roles left and is no longer on the roster."
    return updated, updated.id, f"{updated.describe()}."


async def resolve(store: Store, stored: RoleChange) -> Change | str:
    """A stored change against the roster as it is now, or why it can no longer be made as asked."""
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


def described(stored: RoleChange, resolved: Change | str) -> str:
    if isinstance(resolved, Change):
        return what(resolved)
    if stored.is_link:
        return f"link a {platform_name(stored.platform)} account ({resolved})"
    verb = "give" if stored.verb == "add" else "take away"
    return f"{verb} the role {role_text(stored.role, stored.committee)} ({resolved})"
