"""Telling a case's recipients something through the outbox, and never anyone the case is about.

A notice goes to the platform identities of the case's recipients (fixed when it was filed) minus every member
and every platform identity recorded as a subject of the case: an account the Clerk had when the case was filed
and later linked to a recipient's roster entry gets nothing. Notices say that something happened and where to
read it, never what the case says; they are queued like any broadcast (``kind="direct"``, never acknowledged), so
the outbox worker paces, retries and records them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.broadcasts import _enqueue
from bot.store.models import BroadcastRow, CaseRecipientRow, CaseSubjectRow, IdentityRow, utcnow


async def notice_targets_in(session: AsyncSession, case_id: int,
                            platforms: Collection[str] | None = None) -> list[tuple[int, str, str]]:
    """(member id, platform, user id) of each recipient identity that was never a subject's of this case."""
    subject = exists().where(CaseSubjectRow.case_id == case_id, or_(
        CaseSubjectRow.member_id == IdentityRow.member_id,
        and_(CaseSubjectRow.platform == IdentityRow.platform, CaseSubjectRow.user_id == IdentityRow.user_id)))
    query = (select(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id)
             .join(CaseRecipientRow, CaseRecipientRow.member_id == IdentityRow.member_id)
             .where(CaseRecipientRow.case_id == case_id, ~subject)
             .order_by(IdentityRow.member_id, IdentityRow.platform, IdentityRow.user_id))
    if platforms is not None:
        query = query.where(IdentityRow.platform.in_(list(platforms)))
    return [(int(m), str(p), str(u)) for m, p, u in await session.execute(query)]


async def queue_in(session: AsyncSession, case_id: int, council: str, content: list[dict[str, Any]],
                   platforms: Collection[str], now: datetime, *, exclude: Collection[int] = ()) -> int:
    """One outbox message to the case's recipients on ``platforms`` (minus members in ``exclude``: the one who
    acted is not told of their own act); the deliveries queued."""
    targets = [t for t in await notice_targets_in(session, case_id, platforms) if t[0] not in exclude]
    if not targets:
        return 0
    row = BroadcastRow(council=council, kind="direct", version=None, content=content, needs_ack=False,
                       created_by=None, created_at=now, remind_after_s=None)
    session.add(row)
    await session.flush()
    return await _enqueue(session, row.id, "broadcast", targets, now)


class CaseNotices:
    """The notices part of ``bot.store.cases.Cases``."""

    sessions: async_sessionmaker[AsyncSession]

    async def notice_targets(self, case_id: int,
                             platforms: Collection[str] | None = None) -> list[tuple[int, str, str]]:
        async with self.sessions() as session:
            return await notice_targets_in(session, case_id, platforms)

    async def queue_to_account(self, council: str, content: list[dict[str, Any]], platform: str,
                               user_id: str) -> int:
        """One outbox message to one account, named by no member id or case (a named reporter's, told that a
        question waits: ``bot.cases.notices.tell_reporter``)."""
        now = utcnow()
        async with self.sessions.begin() as session:
            row = BroadcastRow(council=council, kind="direct", version=None, content=content, needs_ack=False,
                               created_by=None, created_at=now, remind_after_s=None)
            session.add(row)
            await session.flush()
            return await _enqueue(session, row.id, "broadcast", [(None, platform, user_id)], now)

    async def queue_notice(self, case_id: int, council: str, content: list[dict[str, Any]],
                           platforms: Collection[str], *, exclude: Collection[int] = ()) -> int:
        async with self.sessions.begin() as session:
            return await queue_in(session, case_id, council, content, platforms, utcnow(), exclude=exclude)
