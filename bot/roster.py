"""The Clerk edits who is who in chat: ``/role add @someone councillor``, ``/role remove``, ``/roster``.

Handles are the platform's user ids as the adapter passes them (Slack ``<@U123>`` or ``@U123``, a Telegram
id, a terminal name). A change is audited by member id and role, never with anything else typed.

A change that would change who receives reports about the Clerk is not made here but kept for a second person
(``bot.roster_confirm``): ``/role pending``, ``/role confirm N`` and ``/role refuse N`` are that person's, so
``/role`` is open to anyone on the roster and changing roles is checked here, with the dispatcher's own words.
"""

from __future__ import annotations

import re

from bot import roster_confirm
from bot.clerk_recipients import Change, touches
from bot.commands import Command, CommandTable
from bot.context import Turn
from bot.messages import Reply, Visibility, say
from bot.people import can, who_may
from bot.roster_changes import apply_change
from config.councils import ROLES

USAGE = ("/role add|remove HANDLE ROLE [COMMITTEE], e.g. /role add @U123 committee chair Planning; "
         "/role pending; /role confirm N; /role refuse N")
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
    assert turn.member is not None  # the permission check let only someone on the roster through
    deputy = turn.services.profile(turn.member.council).deputy_clerk_administers
    verb, _, rest = args.strip().partition(" ")
    if verb.lower() == "pending":
        return await roster_confirm.pending(turn, deputy=deputy)
    if verb.lower() in ("confirm", "refuse"):
        return await roster_confirm.decide(turn, verb.lower(), rest.strip())
    if not can(turn.member, "roles", deputy_clerk_administers=deputy):
        await turn.audit("command.refused", ref="role")
        return [say(f"Sorry, /role is only for {who_may('roles', deputy_clerk_administers=deputy)}.",
                    visibility=Visibility.EPHEMERAL, kind="refusal")]
    parsed = parse_role_command(args)
    if parsed is None:
        return [say(f"Usage: {USAGE}\nRoles: {', '.join(ROLES)}", visibility=Visibility.EPHEMERAL, kind="usage")]
    verb, handle, role, committee = parsed
    if role == "committee chair" and verb == "add" and not committee:
        return [say("Please name the committee: /role add HANDLE committee chair COMMITTEE", kind="usage")]
    platform, council = turn.incoming.platform, turn.member.council
    target = await turn.store.members.by_identity(platform, handle)
    if target is not None and target.council != council:
        return [say(f"{handle} is on another council's roster; their Clerk manages their roles.", kind="refusal")]
    if verb == "remove" and (target is None or role not in target.roles):
        return [say(f"{handle} does not have the role {role}.", kind="roles")]
    change = Change(verb, role, committee, target, handle)
    members = await turn.store.members.of_council(council)
    config = roster_confirm.routing_of(turn, council)
    if touches(members, change, config):
        return await roster_confirm.request(turn, change, members, config)
    _, member_id, done = await apply_change(turn.store, council, platform, change)
    await turn.audit("roles.changed", ref=f"{member_id}:{'+' if verb == 'add' else '-'}{role}")
    return [say(done, kind="roles")]


async def _roster(turn: Turn, _args: str) -> list[Reply]:
    assert turn.member is not None
    people = await turn.store.members.of_council(turn.member.council)
    lines = [f"Roster of {turn.member.council}:"] + [f"  {m.describe().rsplit(' of ', 1)[0]}" for m in people]
    return [say("\n".join(lines), visibility=Visibility.EPHEMERAL, kind="roster")]


def register(table: CommandTable) -> None:
    table.register(Command("role", _role, "change someone's role (the Clerk); confirm or refuse a change to who "
                           "receives reports about the Clerk (the Chair)",
                           usage="add|remove HANDLE ROLE | pending | confirm N | refuse N", permission="role"))
    table.register(Command("roster", _roster, "who is who in your council (members only)", permission="roster"))
