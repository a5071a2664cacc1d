"""One-time sign-in codes and links, and the limits on trying them.

A member asks for a code by name; it goes to their linked chats (Slack DM, Telegram private chat) through the
outbox, like a case notice, and the page says the same thing whether or not the name matched anyone. The Clerk
who has no web session yet gets a link from ``protocol-bot login-link`` on the server. Only SHA-256 digests are
stored. Limits: each code dies after ``WRONG_PER_CODE`` wrong tries, a member can be sent ``CODES_PER_HOUR``
codes an hour, and one address may make ``TRIES_PER_HOUR`` sign-in attempts an hour (asking and typing alike), so
guessing an 8-character code (31^8 possibilities) is hopeless.

The code's message is marked secret in the outbox (``bot/broadcasts/ephemeral.py``): the outbox worker blanks it
once delivered, and ``forget_codes`` blanks one that expired first or had nobody to go to (run after each code is
queued and every minute by ``app.py``), so the table never holds a code in plain text past its use.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcasts.compose import to_json
from bot.broadcasts.ephemeral import SECRET, forget, holds_secret, secret_content
from bot.broadcasts.settings import DELIVERY_PLATFORMS
from bot.codes import new_code, normalise
from bot.messages import Text
from bot.people import Member
from bot.store import Store
from bot.store.models import WebLoginAttemptRow, WebLoginCodeRow, aware, utcnow

WRONG_PER_CODE = 5
CODES_PER_HOUR = 5
TRIES_PER_HOUR = 30
HOUR = timedelta(hours=1)
EXPIRED = ("A code to sign in to Protocol Bot on the web was sent here, but it expired before it could be delivered. "
           "Ask for a new one on the sign-in page if you still need it.")
"""What an expired code's message says instead (if a late delivery still carries it, it says the right thing)."""


def _hash(kind: str, secret: str) -> str:
    return hashlib.sha256(f"protocol-bot web {kind}\0{secret}".encode()).hexdigest()


def message(code: str, minutes: int) -> str:
    """What the chat says: the code, how long it lasts, and what to do if it was not you."""
    return (f"Your code to sign in to Protocol Bot on the web is {code}. It works once, for {minutes} minutes. "
            "If you did not ask for it, ignore this message: nobody can sign in without it.")


class SignIn:
    def __init__(self, store: Store, *, code_for: timedelta, link_for: timedelta) -> None:
        self.store = store
        self.sessions: async_sessionmaker[AsyncSession] = store.database.sessions
        self.code_for = code_for
        self.link_for = link_for

    async def send_code(self, member: Member) -> bool:
        """Queue a new code to the member's linked chats; False when they have none or had enough this hour."""
        if await self.count(f"member:{member.id}") >= CODES_PER_HOUR:
            return False
        await self.note(f"member:{member.id}")
        code = new_code(4) + "-" + new_code(4)
        await self._keep(member.id, "code", normalise(code), self.code_for)
        minutes = int(self.code_for.total_seconds() // 60)
        content = secret_content(to_json([Text(message(code, minutes))]))
        queued = await self.store.broadcasts.direct(member.council, content, [member.id], platforms=DELIVERY_PLATFORMS)
        await self.forget_codes()  # with no chat to go to, the message is settled already
        return queued > 0

    async def forget_codes(self) -> int:
        """Blank every code message that has expired, or has no delivery outstanding (none queued, or a worker
        that stopped before blanking it); how many. A delivered one the outbox worker blanks itself."""
        now = utcnow()
        forgotten = 0
        for broadcast_id, created_at, content in await self.store.broadcasts.direct_containing(f'"{SECRET}"'):
            if not holds_secret(content):
                continue
            if aware(created_at) + self.code_for <= now:  # dead, whether or not a delivery is still waiting
                forgotten += await forget(self.store, broadcast_id, content, replacement=EXPIRED,
                                          only_when_settled=False)
            else:
                forgotten += await forget(self.store, broadcast_id, content)
        return forgotten

    async def issue_link(self, member_id: int) -> str:
        token = secrets.token_urlsafe(32)
        await self._keep(member_id, "link", token, self.link_for)
        return token

    async def _keep(self, member_id: int, kind: str, secret: str, lasts: timedelta) -> None:
        now = utcnow()
        async with self.sessions.begin() as session:
            await session.execute(delete(WebLoginCodeRow).where(WebLoginCodeRow.expires_at < now))
            if kind == "code":  # one live code per member: the newest
                await session.execute(delete(WebLoginCodeRow).where(
                    WebLoginCodeRow.member_id == member_id, WebLoginCodeRow.kind == "code"))
            session.add(WebLoginCodeRow(member_id=member_id, kind=kind, code_hash=_hash(kind, secret), wrong=0,
                                        expires_at=now + lasts))

    async def take_code(self, member_id: int, typed: str) -> bool:
        """True (and the code spent) when ``typed`` is the member's live code; a wrong one counts against it."""
        now = utcnow()
        async with self.sessions.begin() as session:
            row = await session.scalar(select(WebLoginCodeRow).where(
                WebLoginCodeRow.member_id == member_id, WebLoginCodeRow.kind == "code",
                WebLoginCodeRow.expires_at >= now, WebLoginCodeRow.wrong < WRONG_PER_CODE))
            if row is None:
                return False
            if secrets.compare_digest(row.code_hash, _hash("code", normalise(typed))):
                await session.delete(row)
                return True
            await session.execute(update(WebLoginCodeRow).where(WebLoginCodeRow.id == row.id)
                                  .values(wrong=WebLoginCodeRow.wrong + 1))
            return False

    async def take_link(self, token: str) -> int | None:
        """The member a printed link signs in, spending it; ``None`` if unknown, used or expired."""
        async with self.sessions.begin() as session:
            row = await session.scalar(select(WebLoginCodeRow).where(
                WebLoginCodeRow.code_hash == _hash("link", token), WebLoginCodeRow.kind == "link",
                WebLoginCodeRow.expires_at >= utcnow()))
            if row is None:
                return None
            member_id = row.member_id
            await session.delete(row)
            return member_id

    async def note(self, scope: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(WebLoginAttemptRow).where(WebLoginAttemptRow.at < utcnow() - HOUR))
            session.add(WebLoginAttemptRow(scope=scope[:80], at=utcnow()))

    async def count(self, scope: str) -> int:
        async with self.sessions() as session:
            found = await session.scalar(select(func.count()).select_from(WebLoginAttemptRow).where(
                WebLoginAttemptRow.scope == scope[:80], WebLoginAttemptRow.at >= utcnow() - HOUR))
            return int(found or 0)

    async def address_allowed(self, address: str) -> bool:
        """Counts this attempt too: every sign-in request from an address spends one of its tries."""
        scope = f"ip:{address}"
        if await self.count(scope) >= TRIES_PER_HOUR:
            return False
        await self.note(scope)
        return True
