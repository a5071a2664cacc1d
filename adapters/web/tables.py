"""The web console's own tables: server-side sessions, one-time sign-in codes and sign-in attempts.

They sit on the store's declarative ``Base`` so one Alembic chain migrates everything (migration 0011); the bot
never reads them. Secrets are kept only as SHA-256 digests: a session cookie, a sign-in code or link read out of a
database copy opens nothing. A digest of a 16-character code from a 31-letter alphabet, or of a 32-byte token,
cannot be reversed by trying guesses; the 8-character codes sent to chats expire in minutes and die after a few
wrong tries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow


class WebSessionRow(Base):
    """One browser's session. ``member_id`` is empty until sign-in, when the row is replaced by a new one under a
    new id (no fixation); ``pending_member_id`` is whom a code was sent to, while the browser waits to type it."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    pending_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class WebLoginCodeRow(Base):
    """A one-time code sent to a member's linked chat, or a link printed by ``protocol-bot login-link``."""

    __tablename__ = "web_login_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    """``code`` (typed by the person it was sent to) or ``link`` (opened by the Clerk)."""
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    wrong: Mapped[int] = mapped_column(Integer, default=0)
    """Wrong codes typed against it; past the limit it is spent."""
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebLoginAttemptRow(Base):
    """A sign-in attempt counted against a limit: ``scope`` is ``ip:<address>`` or ``member:<id>``."""

    __tablename__ = "web_login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
