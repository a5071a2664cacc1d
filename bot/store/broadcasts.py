"""Broadcasts and acknowledgements: who a message goes to, who has acknowledged it, reminders and reports.

Creating a broadcast writes the message once and one outbox row per member per linked platform in the same
transaction, so a crash leaves either a whole broadcast queued or none. Reminders and failure reports are
claimed with a conditional ``UPDATE`` (``reminded_at IS NULL``), so two workers never both send them.

The Clerk's web pages read a council's broadcasts, who acknowledged them where, and queue a reminder by hand
(``needing_ack``, ``ack_lines``, ``remind_now``); each is filtered by the council of the broadcast or the one asked
for, so no page can reach another council's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text as SqlText
from sqlalchemy import cast, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.people import Member
from bot.store.deliveries import FAILED, PENDING, SENDING, SENT, Deliveries
from bot.store.models import AcknowledgementRow, BroadcastRow, DeliveryRow, IdentityRow, MemberRow, aware, utcnow

CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    council: str
    kind: str
    version: str | None
    content: list[dict[str, Any]]
    needs_ack: bool
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a broadcast stands, for the Clerk's ``/acks``."""

    broadcast: Broadcast
    acknowledged: list[tuple[str, datetime]]
    waiting: list[str]
    """Reached (or being reached) but not acknowledged."""
    failed: list[tuple[str, str, str]]
    """(name, platform, error) of deliveries that cannot be made."""
    outstanding: int


@dataclass(frozen=True, slots=True)
class AckLine:
    """One member's line in the Clerk's acknowledgement table (the web console's ``/clerk/acks``)."""

    member_id: int
    name: str
    roles: tuple[str, ...]
    acknowledged_at: datetime | None
    platform: str | None
    """Where they pressed Acknowledge."""
    reached_on: tuple[str, ...]
    """Platforms the broadcast was delivered (or is being delivered) to them on."""


def _broadcast(row: BroadcastRow) -> Broadcast:
    return Broadcast(row.id, row.council, row.kind, row.version, list(row.content), row.needs_ack, row.created_by,
                     aware(row.created_at))


def _key(broadcast_id: int, member_id: int | None, platform: str, purpose: str, recipient: str, tag: str = "") -> str:
    return f"{broadcast_id}/{member_id if member_id is not None else recipient}/{platform}/{purpose}{tag}"[:200]


class Broadcasts:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.outbox = Deliveries(sessions)
        """The delivery rows' own moves (claim, record, recover), for the outbox worker."""

    async def create(self, council: str, kind: str, content: list[dict[str, Any]], *, platforms: Collection[str],
                     version: str | None = None, needs_ack: bool = False, created_by: int | None = None,
                     remind_after: timedelta | None = None,
                     channels: Collection[tuple[str, str]] = ()) -> tuple[Broadcast, int]:
        """The broadcast and its outbox rows (one per member per platform, and one per announcement channel or
        group on those platforms), in one transaction."""
        now = utcnow()
        async with self.sessions.begin() as session:
            row = BroadcastRow(council=council, kind=kind, version=version, content=content, needs_ack=needs_ack,
                               created_by=created_by, created_at=now,
                               remind_after_s=int(remind_after.total_seconds()) if remind_after else None)
            session.add(row)
            await session.flush()
            targets = await session.execute(
                select(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id)
                .join(MemberRow, MemberRow.id == IdentityRow.member_id)
                .where(MemberRow.council == council, IdentityRow.platform.in_(list(platforms)))
                .order_by(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id))
            queued = await _enqueue(session, row.id, "broadcast", targets.all(), now)
            announced = [(None, platform, chat) for platform, chat in channels if platform in platforms]
            queued += await _enqueue(session, row.id, "announcement", announced, now)
            return _broadcast(row), queued

    async def direct(self, council: str, content: list[dict[str, Any]], member_ids: Collection[int], *,
                     platforms: Collection[str]) -> int:
        """A one-off message to a few members through the outbox (a case notice to its recipients on the
        platforms the reporter is not using): durable, paced and retried like a broadcast, never acknowledged."""
        now = utcnow()
        async with self.sessions.begin() as session:
            row = BroadcastRow(council=council, kind="direct", version=None, content=content, needs_ack=False,
                               created_by=None, created_at=now, remind_after_s=None)
            session.add(row)
            await session.flush()
            targets = await session.execute(
                select(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id)
                .where(IdentityRow.member_id.in_(list(member_ids)), IdentityRow.platform.in_(list(platforms)))
                .order_by(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id))
            return await _enqueue(session, row.id, "broadcast", targets.all(), now)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        async with self.sessions() as session:
            row = await session.get(BroadcastRow, broadcast_id)
            return _broadcast(row) if row else None

    async def latest(self, council: str, *, needs_ack: bool = True) -> Broadcast | None:
        async with self.sessions() as session:
            row = await session.scalar(select(BroadcastRow).where(
                BroadcastRow.council == council, BroadcastRow.needs_ack == needs_ack, BroadcastRow.kind != "direct")
                .order_by(BroadcastRow.id.desc()).limit(1))
            return _broadcast(row) if row else None

    async def latest_version(self, council: str, version: str) -> Broadcast | None:
        async with self.sessions() as session:
            row = await session.scalar(select(BroadcastRow).where(
                BroadcastRow.council == council, BroadcastRow.version == version)
                .order_by(BroadcastRow.id.desc()).limit(1))
            return _broadcast(row) if row else None

    async def needing_ack(self, council: str) -> list[Broadcast]:
        """The council's broadcasts that ask for acknowledgement, newest first."""
        async with self.sessions() as session:
            rows = (await session.scalars(select(BroadcastRow).where(
                BroadcastRow.council == council, BroadcastRow.needs_ack.is_(True))
                .order_by(BroadcastRow.id.desc()))).all()
        return [_broadcast(r) for r in rows]

    async def acknowledged(self, broadcast_id: int, member_id: int) -> bool:
        async with self.sessions() as session:
            return await session.scalar(select(AcknowledgementRow.id).where(
                AcknowledgementRow.broadcast_id == broadcast_id, AcknowledgementRow.member_id == member_id)) is not None

    async def acknowledge(self, broadcast: Broadcast, member: Member, platform: str) -> datetime | None:
        """``None`` when this is the member's first acknowledgement; else when they acknowledged before."""
        try:
            async with self.sessions.begin() as session:
                session.add(AcknowledgementRow(broadcast_id=broadcast.id, member_id=member.id, council=member.council,
                                               version=broadcast.version, platform=platform, at=utcnow()))
            return None
        except IntegrityError:
            async with self.sessions() as session:
                earlier = await session.scalar(select(AcknowledgementRow.at).where(
                    AcknowledgementRow.broadcast_id == broadcast.id, AcknowledgementRow.member_id == member.id))
            return aware(earlier) if earlier else utcnow()

    async def standing(self, broadcast: Broadcast) -> Standing:
        async with self.sessions() as session:
            names = dict((await session.execute(select(MemberRow.id, MemberRow.name).where(
                MemberRow.council == broadcast.council))).all())
            rows = (await session.execute(select(DeliveryRow.member_id, DeliveryRow.platform, DeliveryRow.status,
                                                 DeliveryRow.error_class).where(
                DeliveryRow.broadcast_id == broadcast.id, DeliveryRow.purpose == "broadcast"))).all()
            acks = (await session.execute(select(AcknowledgementRow.member_id, AcknowledgementRow.at).where(
                AcknowledgementRow.broadcast_id == broadcast.id).order_by(AcknowledgementRow.at))).all()
        acked = {member for member, _ in acks}
        recipients = {member for member, _, status, _ in rows if status != FAILED and member is not None}
        return Standing(
            broadcast,
            [(names.get(m, f"member {m}"), aware(at)) for m, at in acks],
            sorted(names.get(m, f"member {m}") for m in recipients - acked),
            sorted((names.get(m or 0, f"member {m}"), p, e or "unknown") for m, p, s, e in rows if s == FAILED),
            sum(1 for _, _, status, _ in rows if status in (PENDING, SENDING)),
        )

    async def ack_lines(self, broadcast: Broadcast) -> list[AckLine]:
        """Every member of the council now, acknowledged or not (those first who have not)."""
        async with self.sessions() as session:
            members = (await session.execute(select(MemberRow.id, MemberRow.name, MemberRow.roles).where(
                MemberRow.council == broadcast.council).order_by(MemberRow.name))).all()
            acks = {m: (aware(at), p) for m, at, p in (await session.execute(
                select(AcknowledgementRow.member_id, AcknowledgementRow.at, AcknowledgementRow.platform).where(
                    AcknowledgementRow.broadcast_id == broadcast.id))).all()}
            reached: dict[int, set[str]] = defaultdict(set)
            for member_id, platform in (await session.execute(select(DeliveryRow.member_id, DeliveryRow.platform)
                                                              .where(DeliveryRow.broadcast_id == broadcast.id,
                                                                     DeliveryRow.purpose == "broadcast",
                                                                     DeliveryRow.status != FAILED))).all():
                if member_id is not None:
                    reached[member_id].add(platform)
        lines = [AckLine(m, name, tuple(roles or ()), acks.get(m, (None, None))[0], acks.get(m, (None, None))[1],
                         tuple(sorted(reached.get(m, set())))) for m, name, roles in members]
        return sorted(lines, key=lambda line: (line.acknowledged_at is not None, line.name))

    async def direct_containing(self, marker: str) -> list[tuple[int, datetime, list[dict[str, Any]]]]:
        """Direct messages whose stored content holds ``marker``: (id, created, content). The web sign-in finds the
        code messages it must blank with it (``adapters.web.signin``)."""
        async with self.sessions() as session:
            rows = (await session.execute(select(BroadcastRow.id, BroadcastRow.created_at, BroadcastRow.content)
                                          .where(BroadcastRow.kind == "direct",
                                                 cast(BroadcastRow.content, SqlText).like(f"%{marker}%")))).all()
        return [(broadcast_id, aware(created_at), content) for broadcast_id, created_at, content in rows]

    async def remind_now(self, broadcast: Broadcast, platforms: Collection[str], *,
                         now: datetime | None = None) -> int:
        """Queue a reminder of ``broadcast`` (with its Acknowledge button) to each member who has not acknowledged it,
        on every platform they are linked on, in one transaction; the outbox workers deliver it like the automatic
        reminder (``remind``). The Clerk asks for it on the web console: its rows' keys end ``/web-<UTC second>``,
        so they never collide with the automatic reminder's rows, and it may be asked for again in a later second.
        A second request in the same second (a double click) queues nothing more: no one is reminded twice."""
        now = now or utcnow()
        tag = f"/web-{now.strftime('%Y%m%d%H%M%S')}"
        async with self.sessions.begin() as session:
            acked = select(AcknowledgementRow.member_id).where(AcknowledgementRow.broadcast_id == broadcast.id)
            targets = await session.execute(
                select(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id)
                .join(MemberRow, MemberRow.id == IdentityRow.member_id)
                .where(MemberRow.council == broadcast.council, IdentityRow.platform.in_(list(platforms)),
                       IdentityRow.member_id.not_in(acked))
                .order_by(IdentityRow.member_id, IdentityRow.platform))
            return await _enqueue(session, broadcast.id, "reminder", targets.all(), now, tag=tag)

    async def remind(self, platforms: Collection[str], *, now: datetime | None = None) -> int:
        """Queue one reminder, on every platform the broadcast reached them on, to each member who has not
        acknowledged a broadcast whose reminder interval has passed. Returns the reminders queued."""
        now = now or utcnow()
        async with self.sessions() as session:
            candidates = (await session.scalars(select(BroadcastRow).where(
                BroadcastRow.needs_ack.is_(True), BroadcastRow.remind_after_s.is_not(None),
                BroadcastRow.reminded_at.is_(None)))).all()
        queued = 0
        for row in candidates:
            if aware(row.created_at) + timedelta(seconds=row.remind_after_s or 0) > now:
                continue
            async with self.sessions.begin() as session:
                if not await _claim(session, BroadcastRow.reminded_at, row.id, now):
                    continue
                acked = select(AcknowledgementRow.member_id).where(AcknowledgementRow.broadcast_id == row.id)
                targets = await session.execute(
                    select(DeliveryRow.member_id, DeliveryRow.platform, DeliveryRow.recipient).where(
                        DeliveryRow.broadcast_id == row.id, DeliveryRow.purpose == "broadcast",
                        DeliveryRow.status == SENT, DeliveryRow.platform.in_(list(platforms)),
                        DeliveryRow.member_id.not_in(acked)))
                queued += await _enqueue(session, row.id, "reminder", targets.all(), now)
        return queued

    async def report_failures(self, platforms: Collection[str], *, now: datetime | None = None) -> int:
        """Once a broadcast is settled (nothing pending), tell its sender about deliveries that failed for good.
        Returns the reports queued."""
        now = now or utcnow()
        async with self.sessions() as session:
            candidates = (await session.scalars(select(BroadcastRow).where(
                BroadcastRow.reported_at.is_(None), BroadcastRow.created_by.is_not(None)))).all()
        queued = 0
        for row in candidates:
            async with self.sessions.begin() as session:
                statuses = set((await session.scalars(select(DeliveryRow.status).where(
                    DeliveryRow.broadcast_id == row.id, DeliveryRow.purpose == "broadcast").distinct())).all())
                if statuses & {PENDING, SENDING} or not await _claim(session, BroadcastRow.reported_at, row.id, now):
                    continue
                if FAILED not in statuses:
                    continue
                targets = await session.execute(
                    select(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id).where(
                        IdentityRow.member_id == row.created_by, IdentityRow.platform.in_(list(platforms))))
                queued += await _enqueue(session, row.id, "report", targets.all(), now)
        return queued


async def _claim(session: AsyncSession, column: Any, broadcast_id: int, now: datetime) -> bool:
    result = await session.execute(update(BroadcastRow).where(BroadcastRow.id == broadcast_id, column.is_(None))
                                   .values({column.key: now}).execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0) == 1)


async def _enqueue(session: AsyncSession, broadcast_id: int, purpose: str,
                   targets: Collection[Any], now: datetime, *, tag: str = "") -> int:
    """One outbox row per (member, platform): a second handle on the same platform is not messaged twice.
    ``tag`` ends each row's idempotency key (``remind_now``)."""
    seen: set[tuple[int | None, str]] = set()
    rows: list[dict[str, Any]] = []
    for member_id, platform, recipient in targets:
        if (member_id, platform) in seen:
            continue
        seen.add((member_id, platform))
        rows.append({"broadcast_id": broadcast_id, "member_id": member_id, "platform": platform,
                     "recipient": recipient, "purpose": purpose, "status": PENDING, "attempts": 0, "doubtful": 0,
                     "idempotency_key": _key(broadcast_id, member_id, platform, purpose, recipient, tag),
                     "next_attempt_at": now, "created_at": now})
    if tag:  # a tagged request repeated within its tag's second: the rows already queued are not queued again
        taken: set[str] = set()
        for start in range(0, len(rows), CHUNK):
            keys = [row["idempotency_key"] for row in rows[start:start + CHUNK]]
            taken.update((await session.scalars(select(DeliveryRow.idempotency_key).where(
                DeliveryRow.idempotency_key.in_(keys)))).all())
        rows = [row for row in rows if row["idempotency_key"] not in taken]
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(DeliveryRow), rows[start:start + CHUNK])
    return len(rows)
