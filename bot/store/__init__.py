"""State that must survive a restart: one ``Store`` with a repository per concept.

``Store.open()`` connects, migrates to the newest schema, and reports an unreachable database by its URL
(password hidden) rather than by a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.people import Member
from bot.store.audit import Audit
from bot.store.bindings import Bindings
from bot.store.broadcasts import Broadcasts
from bot.store.cases import Cases
from bot.store.clerk_routings import ClerkRoutings
from bot.store.conversations import Conversation, Conversations
from bot.store.database import Database, database_url, shown
from bot.store.errors import ConcurrentUpdate, StoreError, StoreUnavailable
from bot.store.facts import read_postgres, read_sqlite
from bot.store.feedback import Feedback, FeedbackItem
from bot.store.inbox import Inbox
from bot.store.links import Links
from bot.store.members import Members
from bot.store.role_changes import RoleChanges

__all__ = ["ConcurrentUpdate", "Conversation", "Facts", "FeedbackItem", "Store", "StoreError", "StoreUnavailable"]


@dataclass(frozen=True, slots=True)
class Facts:
    member: Member | None
    council: str | None
    """The chat's (or its workspace's) bound council; the member's own is the dialogue's fallback."""
    conversation: Conversation


class Store:
    def __init__(self, database: Database) -> None:
        self.database = database
        sessions = database.sessions
        self.members = Members(sessions)
        self.bindings = Bindings(sessions)
        self.conversations = Conversations(sessions)
        self.inbox = Inbox(sessions)
        self.feedback = Feedback(sessions, database.one_statement)
        self.audit = Audit(sessions)
        self.broadcasts = Broadcasts(sessions)
        self.cases = Cases(sessions)
        self.links = Links(sessions)
        self.role_changes = RoleChanges(sessions)
        self.clerk_routings = ClerkRoutings(sessions)

    @classmethod
    async def open(cls, url: URL | str | None = None, *, data_dir: Path | None = None,
                   schema: str | None = None, upgrade: bool = True) -> Store:
        target = url or database_url(data_dir)
        try:
            database = Database(target, schema=schema)
        except (OSError, ArgumentError) as exc:
            shown_target = shown(make_url(target)) if isinstance(target, str) else shown(target)
            raise StoreUnavailable(f"Cannot open the database at {shown_target}: {exc}") from exc
        try:
            if upgrade:
                await database.upgrade()
        except BaseException:
            await database.close()
            raise
        return cls(database)

    async def lookup(self, platform: str, chat_id: str, user_id: str, workspace: str | None = None, *,
                     message_id: str | None = None) -> Facts | None:
        """Everything a message needs, in one read (``bot/store/facts.py``): the claim on its platform message id
        (``None`` back: a duplicate delivery), who sent it, the council the chat is bound to, and their
        conversation (created on first contact). The claim is committed before anything else happens, so a
        redelivery reaching another worker meanwhile is dropped there."""
        if self.database.is_sqlite:
            async with self.database.engine.begin() as connection:
                found = await read_sqlite(connection, platform, chat_id, user_id, workspace, message_id)
        else:
            async with self.database.autocommit.connect() as connection:
                found = await read_postgres(connection, platform, chat_id, user_id, workspace, message_id)
        if not found.claimed:
            return None
        if message_id is not None:
            self.inbox.claimed()
        member, council, conversation = found.member, found.council, found.conversation
        if conversation is None:
            conversation = await self.conversations.create(platform, chat_id, user_id)
        if self.inbox.due_for_pruning():
            await self.inbox.prune()
        return Facts(member, council, conversation)

    async def close(self) -> None:
        await self.database.close()
