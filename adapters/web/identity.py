"""The browser's account towards the dialogue: ``web`` / ``m<member id>``, one per member.

Whoever signs in proved control of one of the member's linked chats (the code goes to all of them) or was handed a
link printed on the server. So the web account may read what those accounts may read, and no more: any case one of
the member's accounts is barred from (it was the subject's account when the case was filed, or was linked to the
member after the member received a case about someone: ``bot.store.links.bar_earlier_cases``), the web account is
barred from too, recorded the same way (a subject account of the case), at every sign-in. A member who is a case's
subject is refused it by member id already (``Cases.for_recipient``).

Candidate to move into ``bot/store/links.py`` beside ``bar_earlier_cases``; it only adds rows that narrow access.
"""

from __future__ import annotations

from sqlalchemy import and_, select

from bot.store import Store
from bot.store.models import CaseSubjectRow, IdentityRow

PLATFORM = "web"


def web_user(member_id: int) -> str:
    return f"m{member_id}"


async def attach(store: Store, member_id: int) -> None:
    """Attach the member's web account, barred from every case any of their other accounts is barred from."""
    user = web_user(member_id)
    await store.members.link(member_id, PLATFORM, user)
    async with store.database.sessions.begin() as session:
        inherited = (await session.execute(
            select(CaseSubjectRow.case_id, CaseSubjectRow.member_id)
            .join(IdentityRow, and_(IdentityRow.platform == CaseSubjectRow.platform,
                                    IdentityRow.user_id == CaseSubjectRow.user_id))
            .where(IdentityRow.member_id == member_id, IdentityRow.platform != PLATFORM))).all()
        already = set(await session.scalars(select(CaseSubjectRow.case_id).where(
            CaseSubjectRow.platform == PLATFORM, CaseSubjectRow.user_id == user)))
        for case_id, subject in inherited:
            if case_id not in already:
                already.add(case_id)
                session.add(CaseSubjectRow(case_id=case_id, member_id=subject, platform=PLATFORM, user_id=user))
