"""Which council a chat speaks for: bound in config, or remembered after asking once."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.database import serialise
from bot.store.models import BindingRow
from config.councils import Binding


async def find_council(session: AsyncSession, platform: str, chat_id: str, workspace: str | None) -> str | None:
    """A chat's own binding first, then its workspace's."""
    rows = (await session.scalars(select(BindingRow).where(
        BindingRow.platform == platform,
        ((BindingRow.scope == "chat") & (BindingRow.ref == chat_id))
        | ((BindingRow.scope == "workspace") & (BindingRow.ref == (workspace or "")))))).all()
    by_scope = {row.scope: row.council for row in rows}
    return by_scope.get("chat") or by_scope.get("workspace")


class Bindings:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def sync_config(self, council: str, bindings: Iterable[Binding]) -> None:
        """Config wins over a remembered choice for the same chat: the Clerk's file is the authority."""
        wanted = {(b.platform, b.scope, b.ref) for b in bindings}
        async with self.sessions.begin() as session:
            await serialise(session, "sync_config")
            await session.execute(delete(BindingRow).where(BindingRow.council == council,
                                                           BindingRow.source == "config"))
            for platform, scope, ref in wanted:
                await session.execute(delete(BindingRow).where(
                    BindingRow.platform == platform, BindingRow.scope == scope, BindingRow.ref == ref))
                session.add(BindingRow(platform=platform, scope=scope, ref=ref, council=council, source="config"))

    async def resolve(self, platform: str, chat_id: str, workspace: str | None = None) -> str | None:
        async with self.sessions() as session:
            return await find_council(session, platform, chat_id, workspace)

    async def remember(self, platform: str, chat_id: str, council: str, *, workspace: str | None = None) -> bool:
        """Bind a chat after asking; False (and nothing written) where config already binds it."""
        async with self.sessions.begin() as session:
            rows = (await session.scalars(select(BindingRow).where(
                BindingRow.platform == platform,
                ((BindingRow.scope == "chat") & (BindingRow.ref == chat_id))
                | ((BindingRow.scope == "workspace") & (BindingRow.ref == (workspace or "")))))).all()
            if any(row.source == "config" for row in rows):
                return False
            row = next((r for r in rows if r.scope == "chat"), None)
            if row is None:
                session.add(BindingRow(platform=platform, scope="chat", ref=chat_id, council=council, source="chat"))
            else:
                row.council = council
            return True
