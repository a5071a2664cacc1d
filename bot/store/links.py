"""One-time link codes, stored as keyed hashes and consumed on first use; attaching an account to a member.

Taking a code and attaching the account are two steps because between them ``bot.linking`` decides whether the
link may be made at once or must wait for a second person (someone who receives reports about the Clerk).

An account attached to a member never reads a case with a subject (a case about the Clerk, the RFO, ...) that
member received before: nothing proves the new account is not the subject's own, and case subjects are recorded
by account when a case is filed (``bot.cases.desk``), so an account the subject brings along later would
otherwise read the case about her. The account is added to those cases' subject accounts; the member still reads
them from the accounts they had.

An account whose control was proved through the member's other accounts (the web console's ``web`` /
``m<member id>``: whoever signs in got the code in one of the member's linked chats, or was handed a link printed
on the server) may read what those accounts may read, and no more: ``attach_vouched`` bars it from every case any
of them is barred from (it was the subject's account when the case was filed, or was attached after the member
received a case about someone), recorded the same way, at every sign-in. It only adds rows that narrow access. A
member who is a case's subject is refused it by member id already (``Cases.for_recipient``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import CaseRecipientRow, CaseSubjectRow, IdentityRow, LinkCodeRow, utcnow


@dataclass(frozen=True, slots=True)
class LinkCode:
    member_id: int
    """Whose roster entry the code links an account to."""
    issued_by: int
    """Who issued it (never the one to confirm a link waiting for a second person)."""


async def bar_earlier_cases(session: AsyncSession, member_id: int, platform: str, user_id: str) -> None:
    """Record ``platform``/``user_id`` among the subject accounts of every case with a subject that ``member_id``
    received before now (module docstring)."""
    mine = select(CaseRecipientRow.case_id).where(CaseRecipientRow.member_id == member_id)
    subjects = await session.execute(
        select(CaseSubjectRow.case_id, func.min(CaseSubjectRow.member_id))
        .where(CaseSubjectRow.case_id.in_(mine)).group_by(CaseSubjectRow.case_id))
    barred = set(await session.scalars(select(CaseSubjectRow.case_id).where(
        CaseSubjectRow.case_id.in_(mine), CaseSubjectRow.platform == platform, CaseSubjectRow.user_id == user_id)))
    for case_id, subject in subjects.all():
        if case_id not in barred:
            session.add(CaseSubjectRow(case_id=case_id, member_id=subject, platform=platform, user_id=user_id))


async def link_in(session: AsyncSession, member_id: int, platform: str, user_id: str) -> None:
    """Point a platform handle at a member (a handle belongs to one person at a time)."""
    await session.execute(delete(IdentityRow).where(IdentityRow.platform == platform, IdentityRow.user_id == user_id))
    session.add(IdentityRow(platform=platform, user_id=user_id, member_id=member_id))


async def bar_as_other_accounts(session: AsyncSession, member_id: int, platform: str, user_id: str) -> None:
    """Record ``platform``/``user_id`` among the subject accounts of every case that any of ``member_id``'s accounts
    on other platforms is a subject account of (module docstring)."""
    inherited = (await session.execute(
        select(CaseSubjectRow.case_id, CaseSubjectRow.member_id)
        .join(IdentityRow, and_(IdentityRow.platform == CaseSubjectRow.platform,
                                IdentityRow.user_id == CaseSubjectRow.user_id))
        .where(IdentityRow.member_id == member_id, IdentityRow.platform != platform))).all()
    already = set(await session.scalars(select(CaseSubjectRow.case_id).where(
        CaseSubjectRow.platform == platform, CaseSubjectRow.user_id == user_id)))
    for case_id, subject in inherited:
        if case_id not in already:
            already.add(case_id)
            session.add(CaseSubjectRow(case_id=case_id, member_id=subject, platform=platform, user_id=user_id))


class Links:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def issue(self, member_id: int, code_hash: str, expires_at: datetime, *, issued_by: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(LinkCodeRow).where(LinkCodeRow.member_id == member_id))  # one live code
            session.add(LinkCodeRow(code_hash=code_hash, member_id=member_id, expires_at=expires_at,
                                    issued_by=issued_by))

    async def take(self, code_hash: str) -> LinkCode | None:
        """The code's member and issuer, consuming the code; ``None`` if unknown or expired."""
        async with self.sessions.begin() as session:
            await session.execute(delete(LinkCodeRow).where(LinkCodeRow.expires_at < utcnow()))
            row = await session.get(LinkCodeRow, code_hash)
            if row is None:
                return None
            code = LinkCode(row.member_id, row.issued_by) if row.issued_by is not None else None
            await session.delete(row)
            return code

    async def owner(self, platform: str, user_id: str) -> int | None:
        """The member an account is attached to now, if any."""
        async with self.sessions() as session:
            return await session.scalar(select(IdentityRow.member_id).where(
                IdentityRow.platform == platform, IdentityRow.user_id == user_id))

    async def attach(self, member_id: int, platform: str, user_id: str) -> None:
        """Attach ``platform``/``user_id`` to ``member_id`` (moved from whoever had it), barred from the cases
        with a subject that member received before, in one transaction."""
        async with self.sessions.begin() as session:
            existing = await session.scalar(select(IdentityRow).where(
                IdentityRow.platform == platform, IdentityRow.user_id == user_id))
            if existing is not None:
                existing.member_id = member_id
            else:
                session.add(IdentityRow(platform=platform, user_id=user_id, member_id=member_id))
            await bar_earlier_cases(session, member_id, platform, user_id)

    async def attach_vouched(self, member_id: int, platform: str, user_id: str) -> None:
        """Attach ``platform``/``user_id`` to ``member_id`` (moved from whoever had it) and bar it from every case
        any of the member's accounts on other platforms is barred from (module docstring: the web console's account,
        at each sign-in). One transaction: the account never exists, even for a moment, without its bars."""
        async with self.sessions.begin() as session:
            await link_in(session, member_id, platform, user_id)
            await bar_as_other_accounts(session, member_id, platform, user_id)
