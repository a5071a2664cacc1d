"""The Clerk edits who is who in chat: ``/role add @someone councillor``, ``/role remove``, ``/roster``.

Handles are the platform's user ids as the adapter passes them (Slack ``<@U123>`` or ``@U123``, a Telegram
id, a terminal name). A change is audited by member id and role, never with anything else typed.
"""

from __future__ import annotations

import re

from bot.commands import Command, CommandTable
from bot.context import Turn
from bot.messages import Reply, Visibility, say
from config.councils import ROLES

USAGE = "/role add|remove HANDLE ROLE [COMMITTEE], e.g. /role add @U123 committee chair Planning"
_HANDLE = re.compile(r"^<@([^>|]+)(?:\|[^>]*)?>$|^@?(\S+)$")


def parse_role_command(args: str) -> tuple[str, str, str, str | None] | None:
    """``add @x committee chair Planning`` -> ("add", "x", "committee chair", "Planning")."""
    verb, _, rest = args.strip().partition(" ")
    handle_text, _, role_text = rest.strip().partition(" ")
    handle = _HANDLE.match(handle_text)
    if verb not in ("add", "remove") or handle is None or not role_text:
        return None
    role_text = role_text.strip()
    for role in sorted(ROLES, key=len, reverse=True):  # "deputy clerk" before "clerk"
        if role_text.lower() == role or role_text.lower().startswith(role + " "):
            committee = role_text[len(role):].strip() or None
            return verb, handle.group(1) or handle.group(2), role, committee
    return None


async def _role(turn: Turn, args: str) -> list[Reply]:
    parsed = parse_role_command(args)
    if parsed is None:
        return [say(f"Usage: {USAGE}\nRoles: {', '.join(ROLES)}", visibility=Visibility.EPHEMERAL, kind="usage")]
    verb, handle, role, committee = parsed
    assert turn.member is not None  # the permission check let only a member through
    if role == "committee chair" and verb == "add" and not committee:
        return [say("Please name the committee: /role add HANDLE committee chair COMMITTEE", kind="usage")]
    platform, council = turn.incoming.platform, turn.member.council
    members = turn.store.members
    target = await members.by_identity(platform, handle)
    if target is not None and target.council != council:
        return [say(f"{handle} is on another council's roster; their Clerk manages their roles.", kind="refusal")]
    if verb == "add":
        if target is None:
            target = await members.add(council, handle, [role], platform=platform, user_id=handle,
                                       committee=committee)
        else:
            roles = [*target.roles, role] if role not in target.roles else list(target.roles)
            updated = await members.set_roles(target.id, roles, committee=committee or target.committee)
            assert updated is not None
            target = updated
    else:
        if target is None or role not in target.roles:
            return [say(f"{handle} does not have the role {role}.", kind="roles")]
        remaining = [r for r in target.roles if r != role]
        updated = await members.set_roles(target.id, remaining, committee=target.committee)
        if updated is None:
            await turn.audit("roles.changed", ref=f"{target.id}:-{role}")
            return [say(f"{target.name} has no roles left and is no longer on the roster.", kind="roles")]
        target = updated
    await turn.audit("roles.changed", ref=f"{target.id}:{'+' if verb == 'add' else '-'}{role}")
    return [say(f"{target.describe()}.", kind="roles")]


async def _roster(turn: Turn, _args: str) -> list[Reply]:
    assert turn.member is not None
    people = await turn.store.members.of_council(turn.member.council)
    lines = [f"Roster of {turn.member.council}:"] + [f"  {m.describe().rsplit(' of ', 1)[0]}" for m in people]
    return [say("\n".join(lines), visibility=Visibility.EPHEMERAL, kind="roster")]


def register(table: CommandTable) -> None:
    table.register(Command("role", _role, "change someone's role (the Clerk)", usage="add|remove HANDLE ROLE",
                           permission="roles"))
    table.register(Command("roster", _roster, "who is who in your council (members only)", permission="roster"))
