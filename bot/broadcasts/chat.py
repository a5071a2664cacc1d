"""The Clerk's broadcast commands and everyone's Acknowledge button.

``/broadcast TEXT`` queues a notice to every member on every platform they are linked to; ``/acks`` shows who
has acknowledged the latest version broadcast (``/acks V`` for an older one) and what could not be delivered.
Button presses are not commands, so actions that need a permission check it here, politely and audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.broadcasts.compose import ACK, notice_content, standing_text, to_json, what
from bot.broadcasts.settings import DELIVERY_PLATFORMS
from bot.commands import Command, CommandTable
from bot.context import Turn
from bot.messages import Reply, Visibility, say
from bot.people import can, who_may

ActionHandler = Callable[[Turn, str], Awaitable[list[Reply]]]


def delivery_platforms(turn: Turn) -> tuple[str, ...]:
    """Where members are written to; a deployment (or a test) may narrow it in ``Services.extras``."""
    return tuple(turn.services.extras.get("delivery_platforms", DELIVERY_PLATFORMS))


def announcement_channels(turn: Turn, council: str) -> tuple[tuple[str, str], ...]:
    """The council's announcement channels and groups (profile ``announcements``), beside members' DMs."""
    return tuple((a.platform, a.chat) for a in turn.services.profile(council).announcements)


def allowed(turn: Turn, action: str) -> bool:
    profile = turn.services.profile(turn.member.council) if turn.member else None
    return can(turn.member, action, deputy_clerk_administers=bool(profile and profile.deputy_clerk_administers))


async def refusal(turn: Turn, action: str, ref: str) -> list[Reply]:
    await turn.audit("action.refused", ref=ref)
    profile = turn.services.profile(turn.member.council) if turn.member else None
    who = who_may(action, deputy_clerk_administers=bool(profile and profile.deputy_clerk_administers))
    return [say(f"Sorry, only {who} can do that.", visibility=Visibility.EPHEMERAL, kind="refusal")]


async def _broadcast(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None  # the permission check let only the Clerk through
    if not args.strip():
        return [say("Usage: /broadcast TEXT - sends TEXT to every member of your council.", kind="usage")]
    council = turn.member.council
    name = turn.services.qa.library.council(council).meta.council_name
    broadcast, queued = await turn.store.broadcasts.create(
        council, "notice", to_json(notice_content(name, args.strip())), platforms=delivery_platforms(turn),
        created_by=turn.member.id, channels=announcement_channels(turn, council))
    await turn.audit("broadcast.queued", ref=str(broadcast.id))
    used = await turn.store.broadcasts.outbox.platforms(broadcast.id)  # only where members actually are
    where = f" on {', '.join(used)}" if used else ""
    return [turn.privately(f"Notice #{broadcast.id} queued: {queued} message(s) to the members of {name}{where}.",
                           kind="broadcast_queued")]


async def _acks(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None
    council = turn.member.council
    broadcasts = turn.store.broadcasts
    broadcast = await broadcasts.latest(council)
    if args.strip():
        broadcast = await broadcasts.latest_version(council, args.strip())
    if broadcast is None:
        return [turn.privately("Nothing has been sent for acknowledgement yet.", kind="acks")]
    return [turn.privately(standing_text(await broadcasts.standing(broadcast)), kind="acks")]


async def acknowledge(turn: Turn, value: str) -> list[Reply]:
    broadcast = await turn.store.broadcasts.get(int(value)) if value.isdigit() else None
    if broadcast is None or not broadcast.needs_ack:
        return [turn.privately("Sorry, I can no longer find that message.", kind="ack")]
    member = turn.member
    if member is None or member.council != broadcast.council:
        return [turn.privately("I couldn't match you to that council's roster, so nothing was recorded. Please tell "
                               "the Clerk you have read it.", kind="ack")]
    earlier = await turn.store.broadcasts.acknowledge(broadcast, member, turn.incoming.platform)
    if earlier is not None:
        return [turn.privately(f"You already acknowledged {what(broadcast)} on {earlier.strftime('%d %B %Y')}.",
                               kind="ack")]
    await turn.audit("broadcast.acknowledged", ref=str(broadcast.id))
    return [turn.privately(f"Thank you: recorded that you have read {what(broadcast)}.", kind="ack")]


def register(table: CommandTable) -> None:
    table.register(Command("broadcast", _broadcast, "send a notice to every member (the Clerk)", usage="TEXT",
                           permission="broadcast"))
    table.register(Command("acks", _acks, "who has acknowledged the latest update (the Clerk)", usage="[VERSION]",
                           permission="broadcast"))


def register_actions(add: Callable[[str, ActionHandler], None]) -> None:
    add(ACK, acknowledge)
