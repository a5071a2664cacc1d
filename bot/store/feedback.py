"""Answers people rated: the question, the council, the clauses cited and the protocol version they were quoted
from (never flow content); and what the protocol does not answer yet (``unanswered``), for the Clerk."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from bot.store.models import FeedbackRow, aware, utcnow


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    id: str
    council: str
    question: str
    clause_ids: tuple[str, ...]
    helpful: bool | None
    created_at: datetime
    version: str | None = None
    """The protocol version quoted (``None``: the text in use before any version was published)."""


@dataclass(frozen=True, slots=True)
class Asked:
    """A question the bot could not help with (the web console's ``/clerk/asked``)."""

    question: str
    declined: bool
    """The bot said the protocol does not cover it (nothing quoted)."""
    helpful: bool | None
    at: datetime


_INSERT = insert(FeedbackRow).values(
    id=bindparam("id"), council=bindparam("council"), question=bindparam("question"),
    clause_ids=bindparam("clause_ids"), helpful=None, created_at=bindparam("created_at"), version=bindparam("version"))
"""Built once: every answer writes one row, and building an ORM object and flushing it cost ~1 ms a time."""


class Feedback:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 one_statement: Callable[[], AbstractAsyncContextManager[AsyncConnection]]) -> None:
        """``one_statement``: ``Database.one_statement``, a connection for a write that is a whole transaction."""
        self.sessions = sessions
        self._one_statement = one_statement

    async def record_answer(self, council: str, question: str, clause_ids: list[str], *,
                            version: str | None = None) -> str:
        """Keep what the rating will be about, down to the version quoted (a clause's words differ between
        versions); the returned id is short enough for any button payload."""
        answer_id = secrets.token_urlsafe(12)
        values = {"id": answer_id, "council": council, "question": question, "clause_ids": clause_ids,
                  "created_at": utcnow(), "version": version}
        async with self._one_statement() as connection:
            await connection.execute(_INSERT, values)
        return answer_id

    async def rate(self, answer_id: str, helpful: bool) -> bool:
        """False when the answer is unknown (an old button); pressing again changes the rating."""
        async with self.sessions.begin() as session:
            row = await session.get(FeedbackRow, answer_id)
            if row is None:
                return False
            row.helpful = helpful
            row.rated_at = utcnow()
            return True

    async def rated(self, council: str | None = None) -> list[FeedbackItem]:
        query = select(FeedbackRow).where(FeedbackRow.helpful.is_not(None)).order_by(FeedbackRow.created_at)
        if council:
            query = query.where(FeedbackRow.council == council)
        async with self.sessions() as session:
            rows = await session.scalars(query)
            return [FeedbackItem(r.id, r.council, r.question, tuple(r.clause_ids), r.helpful, r.created_at,
                                 r.version) for r in rows]

    async def unanswered(self, council: str, *, withheld_prefix: str) -> list[Asked]:
        """The council's questions declined or rated not helpful, oldest first. A question whose words were not kept
        (typed during a report, or sounding like one: ``bot.answering.may_keep``; stored beginning with
        ``withheld_prefix``) is left out altogether: nothing from a confidential flow."""
        async with self.sessions() as session:
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
