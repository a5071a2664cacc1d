"""Read-only views of the store that the bot itself never needed, for the Clerk's pages: every broadcast of a
council, acknowledgements with their platform, identities per member, and the Clerk's reminder of one broadcast.

They use the store's tables directly because ``bot/store`` has no method for them yet; each is filtered by the
council the signed-in member belongs to, so no page can reach another council's rows. Candidates to move into
``bot/store/broadcasts.py`` and ``members.py`` when the bot needs them too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from adapters.web.sessions import aware
from bot.store import Store
from bot.store.broadcasts import Broadcast
from bot.store.models import AcknowledgementRow, BroadcastRow, DeliveryRow, FeedbackRow, IdentityRow, MemberRow, utcnow


@dataclass(frozen=True, slots=True)
class AckLine:
    member_id: int
    name: str
    roles: tuple[str, ...]
    acknowledged_at: datetime | None
    platform: str | None
    """Where they pressed Acknowledge."""
    reached_on: tuple[str, ...]
    """Platforms the broadcast was delivered (or is being delivered) to them on."""


async def version_broadcasts(store: Store, council: str) -> list[Broadcast]:
    """Broadcasts that ask for acknowledgement, newest first."""
    async with store.database.sessions() as session:
        rows = (await session.scalars(select(BroadcastRow).where(
            BroadcastRow.council == council, BroadcastRow.needs_ack.is_(True))
            .order_by(BroadcastRow.id.desc()))).all()
    return [Broadcast(r.id, r.council, r.kind, r.version, list(r.content), r.needs_ack, r.created_by,
                      aware(r.created_at)) for r in rows]


async def ack_lines(store: Store, broadcast: Broadcast) -> list[AckLine]:
    """Every member of the council now, acknowledged or not (those first who have not)."""
    async with store.database.sessions() as session:
        members = (await session.execute(select(MemberRow.id, MemberRow.name, MemberRow.roles).where(
            MemberRow.council == broadcast.council).order_by(MemberRow.name))).all()
        acks = {m: (aware(at), p) for m, at, p in (await session.execute(
            select(AcknowledgementRow.member_id, AcknowledgementRow.at, AcknowledgementRow.platform).where(
                AcknowledgementRow.broadcast_id == broadcast.id))).all()}
        reached: dict[int, set[str]] = defaultdict(set)
        for member_id, platform in (await session.execute(select(DeliveryRow.member_id, DeliveryRow.platform).where(
                DeliveryRow.broadcast_id == broadcast.id, DeliveryRow.purpose == "broadcast",
                DeliveryRow.status != "failed"))).all():
            if member_id is not None:
                reached[member_id].add(platform)
    lines = [AckLine(m, name, tuple(roles or ()), acks.get(m, (None, None))[0], acks.get(m, (None, None))[1],
                     tuple(sorted(reached.get(m, set())))) for m, name, roles in members]
    return sorted(lines, key=lambda line: (line.acknowledged_at is not None, line.name))


async def acknowledged(store: Store, broadcast_id: int, member_id: int) -> bool:
    async with store.database.sessions() as session:
        return await session.scalar(select(AcknowledgementRow.id).where(
            AcknowledgementRow.broadcast_id == broadcast_id, AcknowledgementRow.member_id == member_id)) is not None


async def remind_now(store: Store, broadcast: Broadcast, platforms: Collection[str]) -> int:
    """Queue a reminder of ``broadcast`` (with its Acknowledge button) to each member who has not acknowledged it,
    on every platform they are linked on; the outbox workers deliver it like the automatic reminder."""
    now = utcnow()
    stamp = now.strftime("%Y%m%d%H%M%S")
    async with store.database.sessions.begin() as session:
        acked = select(AcknowledgementRow.member_id).where(AcknowledgementRow.broadcast_id == broadcast.id)
        targets = (await session.execute(
            select(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id)
            .join(MemberRow, MemberRow.id == IdentityRow.member_id)
            .where(MemberRow.council == broadcast.council, IdentityRow.platform.in_(list(platforms)),
                   IdentityRow.member_id.not_in(acked))
            .order_by(IdentityRow.member_id, IdentityRow.platform))).all()
        seen: set[tuple[int, str]] = set()
        rows = []
        for member_id, platform, user_id in targets:
            if (member_id, platform) in seen:
                continue
            seen.add((member_id, platform))
            rows.append({"broadcast_id": broadcast.id, "member_id": member_id, "platform": platform,
                         "recipient": user_id, "purpose": "reminder", "status": "pending", "attempts": 0,
                         "doubtful": 0, "next_attempt_at": now, "created_at": now,
                         "idempotency_key": f"{broadcast.id}/{member_id}/{platform}/reminder/web-{stamp}"[:200]})
        if rows:
            await session.execute(insert(DeliveryRow), rows)
    return len(rows)


async def platforms_of(store: Store, council: str) -> dict[int, list[str]]:
    """Each member's linked platforms (names only, never the handles)."""
    async with store.database.sessions() as session:
        rows = (await session.execute(select(IdentityRow.member_id, IdentityRow.platform)
                                      .join(MemberRow, MemberRow.id == IdentityRow.member_id)
                                      .where(MemberRow.council == council))).all()
    found: dict[int, set[str]] = defaultdict(set)
    for member_id, platform in rows:
        found[member_id].add(platform)
    return {m: sorted(p) for m, p in found.items()}


@dataclass(frozen=True, slots=True)
class Asked:
    question: str
    declined: bool
    """The bot said the protocol does not cover it (nothing quoted)."""
    helpful: bool | None
    at: datetime


async def unanswered(store: Store, council: str, *, withheld_prefix: str) -> list[Asked]:
    """Questions declined or rated not helpful. A question whose words were not kept (typed during a report, or
    sounding like one: ``bot.answering.may_keep``) is left out altogether: nothing from a confidential flow."""
    async with store.database.sessions() as session:
        rows = (await session.execute(select(FeedbackRow.question, FeedbackRow.clause_ids, FeedbackRow.helpful,
                                             FeedbackRow.created_at).where(FeedbackRow.council == council)
                                      .order_by(FeedbackRow.created_at))).all()
    found = []
    for question, clause_ids, helpful, at in rows:
        declined = not clause_ids
        if question.startswith(withheld_prefix) or not (declined or helpful is False):
            continue
        found.append(Asked(question, declined, helpful, aware(at)))
    return found
