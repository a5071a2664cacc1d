"""Linking a platform account to a roster member with a one-time code the Clerk issues.

The roster file can name someone's Slack or Telegram id directly; when the Clerk doesn't know it, they run
``/linkcode NAME`` and pass the code on, and the member sends ``/link CODE`` from the new account. Codes
are single-use, expire after two days, are kept only as hashes, and wrong ones are throttled like receipt
codes (same answer for unknown and expired).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.codes import code_hash, new_code
from bot.commands import Command, CommandTable
from bot.context import Turn
from bot.messages import Reply, Visibility, say

CODE_LENGTH = 10
VALID_FOR = timedelta(days=2)
WRONG_PER_HOUR = 5


def _hash(code: str) -> str:
    return code_hash("link", code)


async def _linkcode(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None  # the permission check let only the Clerk through
    wanted = args.strip().lower()
    if not wanted:
        return [say("Usage: /linkcode NAME (as on the roster, e.g. /linkcode Cllr Ruth Okafor).", kind="link_usage")]
    people = await turn.store.members.of_council(turn.member.council)
    matches = [m for m in people if m.name.lower() == wanted] or [m for m in people if wanted in m.name.lower()]
    if len(matches) != 1:
        names = ", ".join(m.name for m in matches) if matches else "nobody"
        return [say(f"That matches {names} on the {turn.member.council} roster; please give the full name.",
                    kind="link_usage")]
    member = matches[0]
    code = new_code(CODE_LENGTH)
    await turn.store.links.issue(member.id, _hash(code), datetime.now(UTC) + VALID_FOR)
    await turn.audit("link.code_issued", ref=str(member.id))
    return [turn.privately(f"Link code for {member.name}: {code}\nIt works once, for two days. Ask them to send "
                           f"/link {code} to me from the account they want to use.", kind="link_code")]


async def _link(turn: Turn, args: str) -> list[Reply]:
    code = args.strip()
    if not code:
        return [say("Usage: /link CODE (the Clerk gives you the code).", kind="link_usage")]
    platform, user_id = turn.incoming.platform, turn.incoming.user_id
    if await turn.store.cases.wrong_receipts_since(platform, user_id, timedelta(hours=1)) >= WRONG_PER_HOUR:
        return [say("Too many wrong codes. Please wait an hour and try again.", kind="link_throttled")]
    member_id = await turn.store.links.redeem(_hash(code), platform, user_id)
    if member_id is None:
        await turn.store.cases.record_wrong_receipt(platform, user_id)
        await turn.audit("link.failed")
        return [say("That code is not valid (codes work once and expire after two days). Ask the Clerk for a new "
                    "one.", visibility=Visibility.EPHEMERAL, kind="link_failed")]
    member = await turn.store.members.get(member_id)
    await turn.audit("link.redeemed", ref=str(member_id))
    who = member.describe() if member else "your roster entry"
    return [say(f"Linked: you are {who}.", visibility=Visibility.EPHEMERAL, kind="linked")]


def register(table: CommandTable) -> None:
    table.register(Command("linkcode", _linkcode, "a one-time code to link someone's account (the Clerk)",
                           usage="NAME", permission="roles"))
    table.register(Command("link", _link, "link this account to your roster entry", usage="CODE",
                           interrupts_flows=True))
