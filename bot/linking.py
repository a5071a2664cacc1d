"""Linking a platform account to a roster member with a one-time code the Clerk issues.

The roster file can name someone's Slack or Telegram id directly; when the Clerk doesn't know it, they run
``/linkcode NAME`` and pass the code on, and the member sends ``/link CODE`` from the new account. Codes
are single-use, expire after two days, are kept only as an HMAC under the receipt secret (so the database alone
cannot test guesses), and wrong ones are throttled like receipt codes (same answer for unknown and expired).

The Clerk could otherwise issue a code for the member who receives reports about her and redeem it from a second
account of her own: reports about her would then reach an account she controls. So a link onto the entry of
anyone who receives reports about the Clerk, or may confirm changes to that (``bot.clerk_recipients.guarded``),
is not made at once: it is kept as a ``link`` change for a second person, exactly like a roster change to those
recipients (``bot.roster_confirm``: the Chair confirms with ``/role confirm N``, never a Clerk, never whoever
issued the code), and the member and the people who receive reports about the Clerk are told, naming only the
platform. Until then the account is not linked. Linking onto anyone else works at once, as it always did.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.cases.keyring import Keyring
from bot.cases.keys import CaseKeyError
from bot.clerk_recipients import confirmer, guarded, recipients, title, who_confirms
from bot.codes import new_code, normalise
from bot.commands import Command, CommandTable
from bot.context import Turn
from bot.messages import Reply, Visibility, say
from bot.people import Member
from bot.roster_changes import platform_name
from bot.roster_confirm import DAYS, NOBODY_CAN, routing_of, tell
from config.routing import RoutingConfig

log = logging.getLogger(__name__)

CODE_LENGTH = 10
VALID_FOR = timedelta(days=2)
WRONG_PER_HOUR = 5
KEY_PROBLEM = ("Linking accounts is unavailable just now: the key that protects link codes is not set up correctly "
               "on this server. Nothing was linked. Please tell your Clerk or whoever runs this bot.")

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]


def link_hash(secret: bytes, code: str) -> str:
    """HMAC-SHA256 of the normalised code under the receipt secret, with its own purpose: never a receipt hash."""
    return hmac.new(secret, b"protocol-bot link\0" + normalise(code).encode(), hashlib.sha256).hexdigest()


async def _hash(turn: Turn, code: str) -> str:
    """``CaseKeyError`` where the case key is missing or not the database's (``chat`` and ``serve`` refuse to
    start then, so only a misconfigured process meets it)."""
    keys = await Keyring(turn.services.qa.library.home).keys(turn.store)
    return link_hash(keys.receipt_secret, code)


def _key_guard(handler: Handler) -> Handler:
    async def guarded_handler(turn: Turn, args: str) -> list[Reply]:
        try:
            return await handler(turn, args)
        except CaseKeyError as exc:
            log.error("link codes unavailable: %s", exc)
            return [say(KEY_PROBLEM, visibility=Visibility.EPHEMERAL, kind="link_key_problem")]

    return guarded_handler


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
    await turn.store.links.issue(member.id, await _hash(turn, code), datetime.now(UTC) + VALID_FOR,
                                 issued_by=turn.member.id)
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
    taken = await turn.store.links.take(await _hash(turn, code))
    member = await turn.store.members.get(taken.member_id) if taken else None
    if taken is None or member is None:
        await turn.store.cases.record_wrong_receipt(platform, user_id)
        await turn.audit("link.failed")
        return [say("That code is not valid (codes work once and expire after two days). Ask the Clerk for a new "
                    "one.", visibility=Visibility.EPHEMERAL, kind="link_failed")]
    owner = await turn.store.links.owner(platform, user_id)
    if owner != member.id:
        members = await turn.store.members.of_council(member.council)
        config = routing_of(turn, member.council)
        why = guarded(members, config).get(member.id)
        if why is not None:
            return await _hold(turn, member, taken.issued_by, why, members, config, owner)
        await turn.store.links.attach(member.id, platform, user_id)
    await turn.audit("link.redeemed", ref=str(member.id))
    return [say(f"Linked: you are {member.describe()}.", visibility=Visibility.EPHEMERAL, kind="linked")]


async def _hold(turn: Turn, member: Member, issued_by: int, why: str, members: list[Member], config: RoutingConfig,
                owner: int | None) -> list[Reply]:
    """Keep the link for a second person; tell the one linking, the member, the confirmers and the recipients."""
    platform = turn.incoming.platform
    stored = await turn.store.role_changes.request_link(council=member.council, member_id=member.id,
                                                        platform=platform, user_id=turn.incoming.user_id,
                                                        issued_by=issued_by)
    await turn.audit("link.held", ref=f"{stored.id}:{member.id}")
    n, account = stored.id, f"a {platform_name(platform)} account"
    confirm = who_confirms(members, config, issued_by)
    issuer = next((m.name for m in members if m.id == issued_by), "someone no longer on the roster")
    needs = f"Within {DAYS} days it needs confirming by {confirm.wording}; until then the account is not linked."
    notice = (f"{issuer} issued a link code for {member.name}, and it was used from {account} to link that account "
              f"to {member.name}'s roster entry (change {n}). {member.name} {why}, so a second person must confirm "
              f"it. {needs}")
    ask = (f" You can confirm it with /role confirm {n} or refuse it with /role refuse {n} (/role pending lists "
           "what is waiting).")
    theirs = f" If the account is not yours, tell {title(confirmer(config))} so that it is refused."
    deciding = [m for m in confirm.who if m.id not in (owner, member.id)]
    others = [m for m in recipients(members, config) if m.id not in (owner, member.id) and m not in deciding]
    replies = await tell(turn, member.council, [member], notice + theirs + (ask if member in confirm.who else ""),
                         event="link_requested")
    replies += await tell(turn, member.council, deciding, notice + f" Check with {member.name} that the account "
                          "is theirs first." + ask, event="link_requested")
    replies += await tell(turn, member.council, others, notice, event="link_requested")
    told_member = bool(await turn.store.cases.identities([member.id]))
    yours = (f"Not linked yet: {member.name} {why}, so a second person must confirm linking a new account to that "
             f"roster entry. Change {n}: link this {platform_name(platform)} account to {member.name}. {needs}")
    if not confirm.who:
        yours += NOBODY_CAN
    yours += (f" I have told {member.name} on the accounts already linked to that entry, and "
              f"{title(confirmer(config))}." if told_member else
              f" {member.name} has no account linked yet for me to tell, so please tell {title(confirmer(config))} "
              "yourself that this account is yours.")
    return [say(yours, visibility=Visibility.EPHEMERAL, kind="link_pending"), *replies]


def register(table: CommandTable) -> None:
    table.register(Command("linkcode", _key_guard(_linkcode), "a one-time code to link someone's account (the Clerk)",
                           usage="NAME", permission="roles"))
    table.register(Command("link", _key_guard(_link), "link this account to your roster entry", usage="CODE",
                           interrupts_flows=True))
