"""State that must survive a restart: one ``Store`` with a repository per concept.

``Store.open()`` connects, migrates to the newest schema, and reports an unreachable database by its URL
(password hidden) rather than by a stack trace.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL

from bot.store.audit import Audit
from bot.store.bindings import Bindings
from bot.store.conversations import Conversation, Conversations
from bot.store.database import Database, database_url
from bot.store.errors import ConcurrentUpdate, StoreError, StoreUnavailable
from bot.store.feedback import Feedback, FeedbackItem
from bot.store.inbox import Inbox
from bot.store.members import Members

__all__ = ["ConcurrentUpdate", "Conversation", "FeedbackItem", "Store", "StoreError", "StoreUnavailable"]


class Store:
    def __init__(self, database: Database) -> None:
        self.database = database
        sessions = database.sessions
        self.members = Members(sessions)
        self.bindings = Bindings(sessions)
        self.conversations = Conversations(sessions)
        self.inbox = Inbox(sessions)
        self.feedback = Feedback(sessions)
        self.audit = Audit(sessions)

    @classmethod
    async def open(cls, url: URL | str | None = None, *, data_dir: Path | None = None,
                   schema: str | None = None, upgrade: bool = True) -> Store:
        database = Database(url or database_url(data_dir), schema=schema)
        try:
            if upgrade:
                await database.upgrade()
        except BaseException:
            await database.close()
            raise
        return cls(database)

    async def close(self) -> None:
        await self.database.close()
