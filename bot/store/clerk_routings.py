"""Each council's routing of reports about the Clerk as last accepted, and the versions its roster file asked for.

The routing lives in the profile, which whoever runs the bot edits, often the Clerk: read afresh at each start it
would let her send the next report about herself to a friend. So the part of it that decides who receives those
reports, and who confirms changes to that, is kept here as accepted (a council's first sync, or a second person's
confirmation: ``bot.roster_sync``, ``bot.roster_confirm``), and the bot routes by it, not by the file, until then.
A version the file asks for that waits is a row without ``accepted_at``, named by its pending ``role_changes`` row;
the same version asked for again is the same row (by digest), so a start never asks twice for one thing.

Rows hold the routing as JSON (``config.routing.ClerkRouting``); this module never reads inside it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import ClerkRoutingRow, aware


@dataclass(frozen=True, slots=True)
class StoredRouting:
    id: int
    council: str
    routing: dict[str, Any]
    digest: str
    accepted_at: datetime | None


def digest_of(routing: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(routing, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _stored(row: ClerkRoutingRow) -> StoredRouting:
    return StoredRouting(row.id, row.council, dict(row.routing), row.digest,
                         aware(row.accepted_at) if row.accepted_at else None)


async def accepted_in(session: AsyncSession, council: str) -> StoredRouting | None:
    """The routing accepted last for ``council`` (``None``: its profile was never synced since migration 0012)."""
    row = await session.scalar(select(ClerkRoutingRow).where(
        ClerkRoutingRow.council == council, ClerkRoutingRow.accepted_at.is_not(None))
        .order_by(ClerkRoutingRow.accepted_at.desc(), ClerkRoutingRow.id.desc()).limit(1))
    return _stored(row) if row else None


async def recorded_in(session: AsyncSession, council: str, routing: dict[str, Any], moment: datetime
                      ) -> StoredRouting:
    """The row holding this very routing for ``council``, written now if there is none."""
    digest = digest_of(routing)
    row = await session.scalar(select(ClerkRoutingRow).where(
        ClerkRoutingRow.council == council, ClerkRoutingRow.digest == digest)
        .order_by(ClerkRoutingRow.id.desc()).limit(1))
    if row is None:
        row = ClerkRoutingRow(council=council, routing=routing, digest=digest, created_at=moment)
        session.add(row)
        await session.flush()
    return _stored(row)


async def accept_in(session: AsyncSession, routing_id: int, moment: datetime) -> None:
    """Make a recorded routing the accepted one from ``moment`` (the last accepted wins)."""
    await session.execute(update(ClerkRoutingRow).where(ClerkRoutingRow.id == routing_id)
                          .values(accepted_at=moment).execution_options(synchronize_session=False))


class ClerkRoutings:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def accepted(self, council: str) -> StoredRouting | None:
        async with self.sessions() as session:
            return await accepted_in(session, council)

    async def get(self, routing_id: int) -> StoredRouting | None:
        async with self.sessions() as session:
            row = await session.get(ClerkRoutingRow, routing_id)
            return _stored(row) if row else None
