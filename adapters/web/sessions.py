"""Server-side sessions: the cookie holds a random token, the database its SHA-256 and everything else.

A browser gets an anonymous session on its first visit (the sign-in forms need a CSRF token); signing in deletes
that row and starts a new one under a new token, so an id planted before sign-in (session fixation) is worth
nothing after it. Sessions slide: each request pushes the expiry on, up to ``WebSettings.session_for`` unused,
but never past ``WebSettings.session_at_most`` after the session began (``created_at``): a cookie kept busy (a
stolen one, or a tab left polling) still dies, and whoever holds it must sign in again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import WebSessionRow, aware, utcnow

ANONYMOUS_FOR = timedelta(hours=1)
TOUCH_EVERY = timedelta(minutes=1)
"""A session's expiry is written at most this often (a page load is then a read, not a write)."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class WebSession:
    id_hash: str
    member_id: int | None
    pending_member_id: int | None
    csrf: str
    created_at: datetime
    seen_at: datetime
    expires_at: datetime


def _session(row: WebSessionRow) -> WebSession:
    return WebSession(row.id_hash, row.member_id, row.pending_member_id, row.csrf, aware(row.created_at),
                      aware(row.seen_at), aware(row.expires_at))


class Sessions:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, signed_in_for: timedelta,
                 at_most: timedelta) -> None:
        self.sessions = sessions
        self.signed_in_for = signed_in_for
        self.at_most = at_most

    def _ends(self, member_id: int | None, created_at: datetime, now: datetime) -> datetime:
        """The next expiry: idle time from now, capped by the lifetime from the start."""
        lasts = self.signed_in_for if member_id is not None else ANONYMOUS_FOR
        return min(now + lasts, created_at + self.at_most)

    async def start(self, *, member_id: int | None = None) -> tuple[str, WebSession]:
        """A new session and the token for its cookie (the only place the token exists)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        row = WebSessionRow(id_hash=digest(token), member_id=member_id, pending_member_id=None,
                            csrf=secrets.token_urlsafe(32), created_at=now, seen_at=now,
                            expires_at=self._ends(member_id, now, now))
        async with self.sessions.begin() as session:
            await session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
            session.add(row)
        return token, _session(row)

    async def get(self, token: str) -> WebSession | None:
        """The live session behind a cookie; an expired or unknown one is ``None`` (and an expired one deleted).
        The lifetime is checked against ``created_at`` too, so a row written before the cap existed (or under a
        longer one) ends on time as well."""
        if not token or len(token) > 100:
            return None
        key = digest(token)
        async with self.sessions() as session:
            row = await session.get(WebSessionRow, key)
            found = _session(row) if row else None
        if found is None:
            return None
        now = utcnow()
        if found.expires_at <= now or found.created_at + self.at_most <= now:
            await self.end(key)
            return None
        if now - found.seen_at >= TOUCH_EVERY:
            async with self.sessions.begin() as session:
                await session.execute(update(WebSessionRow).where(WebSessionRow.id_hash == key).values(
                    seen_at=now, expires_at=self._ends(found.member_id, found.created_at, now)))
        return found

    async def await_code(self, id_hash: str, member_id: int | None) -> None:
        """Remember whom a sign-in code was sent to (``None``: nobody, but the page must not say so)."""
        async with self.sessions.begin() as session:
            await session.execute(update(WebSessionRow).where(WebSessionRow.id_hash == id_hash)
                                  .values(pending_member_id=member_id))

    async def sign_in(self, old: WebSession | None, member_id: int) -> tuple[str, WebSession]:
        """Rotate: the anonymous session is deleted and a new one, under a new token, carries the member."""
        if old is not None:
            await self.end(old.id_hash)
        return await self.start(member_id=member_id)

    async def end(self, id_hash: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == id_hash))

    async def of_member(self, member_id: int) -> list[WebSession]:
        async with self.sessions() as session:
            rows = await session.scalars(select(WebSessionRow).where(WebSessionRow.member_id == member_id))
            return [_session(r) for r in rows]
