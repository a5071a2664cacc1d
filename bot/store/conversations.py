"""Dialogue and flow state per person per chat, with optimistic locking.

Two workers may receive two messages from the same person at once. Each reads the conversation, then
writes with ``UPDATE ... WHERE version = :read_version``; the database lets exactly one of them match, and
the other gets ``ConcurrentUpdate`` instead of silently overwriting the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.errors import ConcurrentUpdate
from bot.store.models import ConversationRow, utcnow


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    platform: str
    chat_id: str
    user_id: str
    flow: str | None
    version: int
    state: dict[str, Any] = field(default_factory=dict)


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(row.id, row.platform, row.chat_id, row.user_id, row.flow, row.version, dict(row.state))


async def find_conversation(session: AsyncSession, platform: str, chat_id: str,
                            user_id: str) -> Conversation | None:
    row = await session.scalar(select(ConversationRow).where(
        ConversationRow.platform == platform, ConversationRow.chat_id == chat_id, ConversationRow.user_id == user_id))
    return _conversation(row) if row else None


class Conversations:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def load(self, platform: str, chat_id: str, user_id: str) -> Conversation:
        """The conversation, created empty on first contact (a lost creation race just reads the winner's)."""
        async with self.sessions() as session:
            found = await find_conversation(session, platform, chat_id, user_id)
        return found or await self.create(platform, chat_id, user_id)

    async def create(self, platform: str, chat_id: str, user_id: str) -> Conversation:
        where = (ConversationRow.platform == platform, ConversationRow.chat_id == chat_id,
                 ConversationRow.user_id == user_id)
        try:
            async with self.sessions.begin() as session:
                row = ConversationRow(platform=platform, chat_id=chat_id, user_id=user_id, flow=None, state={},
                                      version=1, updated_at=utcnow())
                session.add(row)
                await session.flush()
                created = _conversation(row)
            return created
        except IntegrityError:
            pass
        async with self.sessions() as session:
            winner = await session.scalar(select(ConversationRow).where(*where))
            assert winner is not None
            return _conversation(winner)

    async def advance(self, conversation: Conversation, *, flow: str | None,
                      state: dict[str, Any]) -> Conversation:
        """Write the next state if nobody else has since ``conversation`` was read."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation.id, ConversationRow.version == conversation.version)
                .values(flow=flow, state=state, version=ConversationRow.version + 1, updated_at=utcnow())
                .execution_options(synchronize_session=False))
            if getattr(result, "rowcount", 0) != 1:
                raise ConcurrentUpdate(conversation.id, conversation.version)
        return Conversation(conversation.id, conversation.platform, conversation.chat_id, conversation.user_id,
                            flow, conversation.version + 1, dict(state))

    async def expire_flows(self, flow: str, before: datetime) -> int:
        """Delete every unfinished ``flow`` last written before ``before`` (its state becomes ``{"expired": flow}``,
        so its author is told next time). The number deleted; a worker advancing one of them at the same moment
        gets ``ConcurrentUpdate`` (the version moves on) rather than writing the draft back."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(ConversationRow)
                .where(ConversationRow.flow == flow, ConversationRow.updated_at < before)
                .values(flow=None, state={"expired": flow}, version=ConversationRow.version + 1, updated_at=utcnow())
                .execution_options(synchronize_session=False))
            return int(getattr(result, "rowcount", 0) or 0)
