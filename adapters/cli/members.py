"""``protocol-bot member add`` and ``member link``: the roster from the command line, for whoever sets the bot up.

A member is named by their terminal handle (``HANDLE``, the name ``protocol-bot chat --user`` speaks as), which is
how the command line tells people apart; Slack and Telegram ids are linked to them with ``member link``. Both write
the council's profile in the home (``bot`` reads the roster there at every start) and bring it into the database at
once, so a running bot knows the person now.

The database is brought in line with the file the way every start does it (``bot.roster_sync``), so a change that
would change who receives reports about the Clerk, or who may confirm such changes, is not made by writing the
file: it is held for a second person exactly as the Clerk's ``/role`` is (the Chair confirms with ``/role confirm
N``; they and the current recipients are told), and the command says so. A member added in chat is not in the file:
their accounts are linked in chat (``/linkcode``), where the same guard holds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from adapters.cli.checks.clerk_routing import in_force
from adapters.cli.platform_ids import PLATFORMS, misshapen, unknown_platform
from adapters.cli.profile_file import Edited, Profile, edit, read, sync
from bot.clerk_recipients import who_confirms
from bot.people import Member
from bot.roster_changes import described, platform_name, resolve
from bot.store import Store
from bot.store.role_changes import FROM_FILE, RoleChange
from config.councils import ROLES
from config.settings import home
from knowledge.documents import discover, require

TERMINAL = "terminal"


class Refused(Exception):
    """A change that cannot be made as asked; the message says why and that nothing changed."""


def _roster(data: Profile) -> list[dict[str, Any]]:
    found = data.get("roster")
    if not isinstance(found, list):
        found = data["roster"] = []
    return [e for e in found if isinstance(e, dict)]


def _handle_of(entry: dict[str, Any], platform: str = TERMINAL) -> str | None:
    handles = entry.get("handles")
    value = handles.get(platform) if isinstance(handles, dict) else None
    return None if value is None else str(value)


def _entry(data: Profile, handle: str) -> dict[str, Any] | None:
    return next((e for e in _roster(data) if _handle_of(e) == handle), None)


def _by_name(members: list[Member], name: str) -> Member | None:
    return next((m for m in members if m.name == name), None)


async def _settle(council: str, work: Callable[[Store, list[RoleChange]], Awaitable[int]]) -> int:
    """Run ``work(store, earlier)`` with the file's roster in the database first, as every start has it;
    ``earlier``: changes already in the file (made by hand) that this first sync held for a second person, which
    the command's answer must mention or the admin would take them as in effect."""
    store = await Store.open()
    try:
        earlier = await sync(store, council)
        return await work(store, earlier)
    finally:
        await store.close()


async def _waiting(store: Store, held: Sequence[RoleChange]) -> str:
    return "; ".join([f"change {c.id}: {described(c, await resolve(store, c))}" for c in held])


async def _outcome(store: Store, council: str, edited: Edited, held: list[RoleChange], made: str,
                   earlier: Sequence[RoleChange] = ()) -> str:
    """What the command did: in effect now, or which part waits for whom; and what else in the file waits."""
    written = f"Written to {edited.path}{edited.note()}."
    if not held and not earlier:
        return f"{made} {written} In effect now."
    members = await store.members.of_council(council)
    applied = await in_force(store, council, home())  # the accepted routing, not the file's, while a change waits
    confirm = who_confirms(members, applied.config, FROM_FILE)
    also = ""
    if earlier:
        also = (f" The profile also holds a change made outside this command that is not in effect: it changes who "
                f"receives reports about the Clerk (or who may confirm such changes) and waits for a second person "
                f"({await _waiting(store, earlier)}). It needs {confirm.wording}: /role confirm N in chat.")
    if not held:
        return f"{made} {written} In effect now.{also}"
    return (f"{written} Not all of it is in effect: it changes who receives reports about the Clerk (or who may "
            f"confirm such changes), so a second person must confirm it ({await _waiting(store, held)}). It needs "
            f"{confirm.wording}: /role confirm N in chat (/role pending lists it); they and the people who receive "
            f"reports about the Clerk have been told. Until then: {made}{also}")


# -- member add -------------------------------------------------------------------------------------------------

def _named(data: Profile, name: str) -> dict[str, Any] | None:
    return next((e for e in _roster(data) if e.get("name") == name), None)


def _check_add(data: Profile, handle: str, name: str) -> dict[str, Any] | None:
    """The entry that gets the role (``None``: a new one; someone listed without a terminal handle gets
    ``handle``), or ``Refused`` when name and handle name two different people."""
    by_handle, by_name = _entry(data, handle), _named(data, name)
    if by_handle is not None and by_handle.get("name") != name:
        raise Refused(f"The handle {handle!r} is {by_handle.get('name')}'s on the roster. Nothing was changed.")
    if by_name is not None and by_handle is None and _handle_of(by_name) is not None:
        raise Refused(f"{name} is already on the roster with the handle {_handle_of(by_name)!r}: use that. "
                      "Nothing was changed.")
    return by_handle or by_name


def cmd_add(args: argparse.Namespace) -> int:
    council, handle, name, role = args.council, args.handle.strip(), " ".join(args.name.split()), args.role
    require(discover(home()), council)
    committee = " ".join(args.committee.split()) if args.committee else None
    if role == "committee chair" and not committee:
        print("A committee chair needs --committee NAME (the committee they chair). Nothing was changed.",
              file=sys.stderr)
        return 2
    entry = _check_add(read(council), handle, name)
    if (entry is not None and _handle_of(entry) == handle and role in (entry.get("roles") or [])
            and committee in (None, entry.get("committee"))):
        print(f"{name} already has the role {role} on {council}'s roster; nothing was changed.")
        return 0

    async def work(store: Store, earlier: list[RoleChange]) -> int:
        owner = await store.members.by_identity(TERMINAL, handle)
        if owner is not None and (owner.council != council or owner.name != name):
            raise Refused(f"The handle {handle!r} is already {owner.describe()}. Nothing was changed.")
        edited = edit(council, lambda data: _give(data, handle, name, role, committee))
        held = await sync(store, council)
        now = await store.members.by_identity(TERMINAL, handle)
        made = (f"{now.describe()}, terminal handle {handle!r}." if now and now.roles
                else f"{name} is on the roster with no role yet, terminal handle {handle!r}.")
        print(await _outcome(store, council, edited, held, made, earlier))
        return 0

    return asyncio.run(_settle(council, work))


def _give(data: Profile, handle: str, name: str, role: str, committee: str | None) -> bool:
    entry = _entry(data, handle) or _named(data, name)
    if entry is None:
        new: dict[str, Any] = {"name": name, "roles": [role], "handles": {TERMINAL: handle}}
        if committee:
            new["committee"] = committee
        data["roster"] = [*_roster(data), new]
        return True
    handles = entry.get("handles")
    entry["handles"] = {**(handles if isinstance(handles, dict) else {}), TERMINAL: handle}
    roles = list(entry.get("roles") or [])
    if role not in roles:
        entry["roles"] = [*roles, role]
    if committee:
        entry["committee"] = committee
    return True


# -- member link ------------------------------------------------------------------------------------------------

def cmd_link(args: argparse.Namespace) -> int:
    council, handle, platform, user_id = args.council, args.handle.strip(), args.platform.lower(), args.user_id.strip()
    refusal = unknown_platform(platform) or misshapen(platform, "user", user_id)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    require(discover(home()), council)
    data = read(council)
    entry = _entry(data, handle)
    if entry is not None and _handle_of(entry, platform) == user_id:
        print(f"That {platform_name(platform)} account is already {entry.get('name')}'s; nothing was changed.")
        return 0
    holder = next((e for e in _roster(data) if _handle_of(e, platform) == user_id), None)
    if holder is not None:
        raise Refused(f"That {platform_name(platform)} account is {holder.get('name')}'s on the roster; take it off "
                      "their entry in the profile first. Nothing was changed.")

    async def work(store: Store, earlier: list[RoleChange]) -> int:
        if entry is None:
            member = await store.members.by_identity(TERMINAL, handle)
            if member is None or member.council != council:
                raise Refused(f"Nobody on {council}'s roster has the terminal handle {handle!r}: add them first with "
                              "`protocol-bot member add`. Nothing was changed.")
            raise Refused(f"{member.name} was added in chat, not in the profile: link their account in chat with "
                          f"/linkcode {member.name}. Nothing was changed.")
        owner = await store.links.owner(platform, user_id)
        mine = _by_name(await store.members.of_council(council), str(entry.get("name")))
        if owner is not None and (mine is None or owner != mine.id):
            other = await store.members.get(owner)
            raise Refused(f"That {platform_name(platform)} account is {other.describe() if other else 'someone'}'s. "
                          "Nothing was changed.")
        edited = edit(council, lambda d: _link(d, handle, platform, user_id))
        held = await sync(store, council)
        linked = await store.links.owner(platform, user_id)
        made = (f"That {platform_name(platform)} account ({user_id}) is now {entry.get('name')}'s." if linked
                else f"That {platform_name(platform)} account ({user_id}) is not linked yet.")
        print(await _outcome(store, council, edited, held, made, earlier))
        return 0

    return asyncio.run(_settle(council, work))


def _link(data: Profile, handle: str, platform: str, user_id: str) -> bool:
    entry = _entry(data, handle)
    if entry is None:
        return False
    handles = entry.get("handles")
    entry["handles"] = {**(handles if isinstance(handles, dict) else {}), platform: user_id}
    return True


# -- the commands -----------------------------------------------------------------------------------------------

def refusing(command: Any) -> Any:
    """A ``Refused`` is the command's answer: said on stderr, exit 2."""
    def run(args: argparse.Namespace) -> int:
        try:
            return int(command(args))
        except Refused as refused:
            print(str(refused), file=sys.stderr)
            return 2

    return run


def add_parser(sub: Any) -> None:
    member = sub.add_parser("member", help="add people to a council's roster and link their Slack or Telegram "
                                           "accounts (written to its profile in the home)")
    member_sub = member.add_subparsers(dest="member_command", required=True)
    add = member_sub.add_parser(
        "add", help="add someone to the roster, or give them another role",
        description="Add NAME, known at the terminal as HANDLE, to COUNCIL's roster with ROLE (or give an existing "
                    "member another role), in the council's profile in the home. A change to who receives reports "
                    "about the Clerk, or who may confirm such changes, waits for the Chair's /role confirm N, as in "
                    "chat.")
    add.add_argument("council")
    add.add_argument("handle", help="their terminal handle (protocol-bot chat --user HANDLE)")
    add.add_argument("name", help='their name as the roster shows it, e.g. "Cllr Ruth Okafor"')
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--committee", help="the committee a committee chair chairs")
    add.set_defaults(func=refusing(cmd_add))
    link = member_sub.add_parser(
        "link", help="link someone's Slack or Telegram account to their roster entry",
        description="Link a Slack user id (U...) or a numeric Telegram user id to the roster member with the "
                    "terminal handle HANDLE, in the council's profile. Linking onto someone who receives reports "
                    "about the Clerk, or may confirm changes to that, waits for a second person, as /link does in "
                    "chat.")
    link.add_argument("council")
    link.add_argument("handle", help="the member's terminal handle")
    link.add_argument("platform", help=" or ".join(PLATFORMS))
    link.add_argument("user_id", help="their user id on that platform")
    link.set_defaults(func=refusing(cmd_link))
