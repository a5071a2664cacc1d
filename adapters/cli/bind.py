"""``protocol-bot council bind PLATFORM CHAT_ID COUNCIL``: which council a Slack channel or Telegram group speaks for.

Written where the README says a deployment keeps it, the council's profile in the home (``bindings:``), so the next
start reads it like any binding typed by hand; and brought into the database at once, so a running bot answers the
chat for that council without a restart. A chat is bound to one council: binding it to a second one is refused,
naming the first, rather than leaving which one wins to the order the profiles are read in.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from adapters.cli.platform_ids import misshapen, unknown_platform
from adapters.cli.profile_file import Profile, bring_in, edit, read
from bot.store import StoreError
from config.settings import home
from knowledge.documents import discover, require

WHAT = {("slack", "chat"): "Slack channel", ("slack", "workspace"): "Slack workspace",
        ("telegram", "chat"): "Telegram chat"}


def _bindings(data: Profile) -> list[Any]:
    found = data.get("bindings")
    if not isinstance(found, list):
        found = data["bindings"] = []
    return found


def _matches(entry: Any, platform: str, scope: str, ref: str) -> bool:
    return isinstance(entry, dict) and entry.get("platform") == platform and str(entry.get(scope)) == ref


def _bound_elsewhere(platform: str, scope: str, ref: str, council: str) -> str | None:
    for slug in discover(home()):
        if slug != council and any(_matches(b, platform, scope, ref) for b in _bindings(read(slug))):
            return slug
    return None


def cmd_bind(args: argparse.Namespace) -> int:
    platform, ref, council = args.platform.lower(), args.chat_id.strip(), args.council
    scope = "workspace" if args.workspace else "chat"
    refusal = unknown_platform(platform) or (None if args.remove else misshapen(platform, scope, ref))
    if refusal is None and (platform, scope) not in WHAT:
        refusal = f"A whole {platform} workspace cannot be bound: bind each chat. Nothing was changed."
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    require(discover(home()), council)  # an unknown council is refused with the valid ones listed
    what = f"{WHAT[platform, scope]} {ref}"
    if args.remove:
        return _remove(council, platform, scope, ref, what)
    other = _bound_elsewhere(platform, scope, ref, council)
    if other is not None:
        print(f"The {what} is already bound to {other}; a chat speaks for one council. Nothing was changed. To move "
              f"it: protocol-bot council bind --remove {platform} {ref} {other}", file=sys.stderr)
        return 2

    def add(data: Profile) -> bool:
        bindings = _bindings(data)
        if any(_matches(b, platform, scope, ref) for b in bindings):
            return False
        bindings.append({"platform": platform, scope: ref})
        return True

    edited = edit(council, add)
    if not edited.changed:
        print(f"The {what} is already bound to {council}; nothing was changed.")
        return 0
    print(f"Bound the {what} to {council} in {edited.path}{edited.note()}. {_live(council)}")
    return 0


def _remove(council: str, platform: str, scope: str, ref: str, what: str) -> int:
    def drop(data: Profile) -> bool:
        bindings = _bindings(data)
        kept = [b for b in bindings if not _matches(b, platform, scope, ref)]
        data["bindings"] = kept
        return len(kept) != len(bindings)

    edited = edit(council, drop)
    if not edited.changed:
        print(f"The {what} is not bound to {council} in its profile; nothing was changed.", file=sys.stderr)
        return 2
    print(f"Removed the binding of the {what} from {council} in {edited.path}{edited.note()}. {_live(council)}")
    return 0


def _live(council: str) -> str:
    """The binding in force now (a running bot reads bindings from the database), or why only at the next start."""
    try:
        asyncio.run(bring_in(council))
    except StoreError as exc:
        return f"The bot reads it at its next start (the database could not be updated now: {exc})."
    return "In effect now."


def add_parser(council_sub: Any) -> None:
    bind = council_sub.add_parser(
        "bind", help="bind a Slack channel or Telegram chat to a council (written to its profile in the home)",
        description="Bind a Slack channel (C...), a Slack workspace (T..., with --workspace) or a Telegram chat "
                    "(a number; -100... for a supergroup) to COUNCIL, in $PROTOCOL_BOT_HOME/councils/COUNCIL/"
                    "profile.yaml. Questions asked there are answered from that council's protocol.")
    bind.add_argument("platform", help="slack or telegram")
    bind.add_argument("chat_id", help="the channel's or chat's id as the platform gives it")
    bind.add_argument("council", help="the council's slug (protocol-bot councils lists them)")
    bind.add_argument("--workspace", action="store_true", help="CHAT_ID is a whole Slack workspace (T...)")
    bind.add_argument("--remove", action="store_true", help="remove this binding instead")
    bind.set_defaults(func=cmd_bind)
