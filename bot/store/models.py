"""Tables for everything that must survive a restart or be shared by several workers.

Audit rows record what happened (event type, ids), never what anyone wrote: a grievance's words must not
leak into a table the Clerk browses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class MemberRow(Base):
    """A member's id is never given to anyone else: cases name their recipients and subjects by it. PostgreSQL
    sequences never reuse a value; on SQLite ``AUTOINCREMENT`` keeps the ids of deleted rows retired too."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("council", "name", name="uq_members_council_name"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    committee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="roster")
    """``roster`` (the council's YAML, re-synced at start) or ``chat`` (added by the Clerk in chat)."""


class IdentityRow(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_identities_platform_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="chat", server_default="roster")
    """``roster``: named by the roster file (each sync replaces these); ``chat``: linked deliberately (``/link``,
    ``member link``, the web console), kept by every sync (migration 0013)."""


class BindingRow(Base):
    """A workspace or chat bound to a council: from config, or remembered after asking once."""

    __tablename__ = "bindings"
    __table_args__ = (UniqueConstraint("platform", "scope", "ref", name="uq_bindings_platform_scope_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))
    """``workspace`` or ``chat``."""
    ref: Mapped[str] = mapped_column(String(128))
    council: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="config")


class ConversationRow(Base):
    """One person's dialogue state in one chat; ``version`` lets two workers race without both winning."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id", name="uq_conversations_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    flow: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProcessedMessageRow(Base):
    __tablename__ = "processed_messages"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class FeedbackRow(Base):
    """One answered question; ``helpful`` stays empty until someone presses a button."""

    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    council: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    clause_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    helpful: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """The protocol version quoted (``None``: the text in use before any version was published)."""


class AuditRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(64))
    council: Mapped[str | None] = mapped_column(String(64), nullable=True)
    platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """An id or a command name; never message text."""


class CaseRow(Base):
    """A submitted report or grievance. Everything a person wrote is in ``ciphertext`` (sealed with a data key
    wrapped by the master key); the columns beside it are the minimum needed to route, list and purge it."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    council: Mapped[str] = mapped_column(String(64), index=True)
    flow: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    """open, withdrawn, closed, purged. Acknowledgement is ``acknowledged_at``, not a status: an acknowledged case
    is still open (it can be added to, asked about, withdrawn, closed)."""
    about_role: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(200))
    """Who the protocol (or the configured alternative) names, as the protocol names it."""
    receipt_hash: Mapped[str] = mapped_column(String(128), unique=True)
    """HMAC-SHA256 of the receipt code shown once to the reporter, keyed by the receipt secret (``case_keys``);
    the code itself is never stored. Cases filed before migration 0006 hold an unkeyed SHA-256 until first used."""
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    """Who reported is no column (migration 0007 dropped ``reporter_member_id``): a named reporter's name is inside
    the sealed details only, an anonymous one's nowhere."""
    key_id: Mapped[str] = mapped_column(String(32))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The case's data key, wrapped by the master key; ``None`` once purged (crypto-shredded)."""
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """``None`` once purged after the retention period."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When it was closed or withdrawn: the retention period runs from here."""
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When a recipient acknowledged it (the reporter sees that with the receipt code); closing acknowledges too."""
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When its recipients were reminded that it is unacknowledged (claimed by a conditional ``UPDATE``, so
    two workers never both remind)."""
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Counts writes of the sealed details: each write names the revision it read, so a recipient's question and
    a reporter's addition written at the same moment never overwrite each other."""


class CaseRecipientRow(Base):
    __tablename__ = "case_recipients"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CaseSubjectRow(Base):
    """Who a case is about, recorded when it is filed: each member then holding the role it names, once per
    platform identity they had (``platform``/``user_id`` empty for a member with none). They never receive,
    list or read the case, whatever happens to the roster or their accounts afterwards."""

    __tablename__ = "case_subjects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)


class CaseKeyRow(Base):
    """The one row saying which master key the cases are sealed with (its id and key-check value, never the
    key), and the receipt-code secret wrapped by that key. Written at first use; rotation replaces it in the
    transaction that re-wraps the cases, so a key that does not match stops the bot instead of splitting the store."""

    __tablename__ = "case_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Always 1."""
    key_id: Mapped[str] = mapped_column(String(32))
    check: Mapped[str] = mapped_column(String(64))
    receipt_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReceiptAttemptRow(Base):
    """Wrong receipt (and link) codes, per person and overall, so guessing is noticed and answered with a refusal
    (the right code is still accepted), without saying which part failed."""

    __tablename__ = "receipt_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class BroadcastRow(Base):
    """A protocol update or a notice from the Clerk; what it says is kept once here, not per delivery."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    """``version`` (a published protocol version) or ``notice`` (free text from the Clerk)."""
    version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    content: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The message's blocks (``bot.broadcasts.compose``)."""
    needs_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The member (the Clerk) who sent it: failures are reported to them."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    remind_after_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DeliveryRow(Base):
    """The outbox: one row per broadcast x member x platform (x purpose), claimed by a worker and recorded.

    ``status``: pending -> sending (claimed; ``lease_until``) -> sent | failed. A ``sending`` row whose lease ran
    out was claimed by a worker that died: it is sent again and ``doubtful`` counts it (the platform may have
    accepted the first send before the worker could record it)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_deliveries_idempotency_key"),
        Index("ix_deliveries_due", "status", "platform", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    platform: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(16))
    """``broadcast``, ``reminder`` or ``report`` (failures, to the Clerk)."""
    idempotency_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    doubtful: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    error_class: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AcknowledgementRow(Base):
    """A member acknowledged a broadcast (one per member, whichever platform they pressed on)."""

    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("broadcast_id", "member_id", name="uq_acknowledgements_broadcast_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(Integer)
    council: Mapped[str] = mapped_column(String(64))
    version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    platform: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LinkCodeRow(Base):
    """A one-time code the Clerk issues so someone can link a platform account to their roster entry; the code
    itself is kept only as an HMAC under the receipt secret."""

    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The member who issued it (migration 0010, which deleted every code issued before): a link it makes onto
    someone guarded by ``bot.linking`` is never confirmed by them."""


class RoleChangeRow(Base):
    """A roster change that would change who receives reports about the Clerk (or who confirms such changes),
    waiting for a second person: the Clerk asks, the Chair (or whoever the profile names) confirms or refuses,
    and only then is it made. Kept here so a restart forgets nothing; lapses after 7 days. Holds ids, a role
    and the handle the Clerk typed, never anything about a case."""

    __tablename__ = "role_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending, confirmed, refused or lapsed."""
    verb: Mapped[str] = mapped_column(String(8))
    """``add`` or ``remove``; ``link``: an account (``platform``/``handle``) linked to ``member_id``'s entry with
    a code ``requested_by`` issued (``bot.linking``)."""
    role: Mapped[str] = mapped_column(String(32))
    committee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Whose roles change; ``None``: someone not yet on the roster, added by ``platform``/``handle``."""
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(128))
    requested_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ClerkRoutingRow(Base):
    """A council's routing of reports about the Clerk, as its profile had it: the rules about the Clerk, the
    personnel body where it hears about the Clerk, and who confirms changes to that (``config.routing.ClerkRouting``
    as JSON). The council's accepted one is the row accepted last; a version the roster file asked for that waits for
    a second person has no ``accepted_at`` and is named by its ``role_changes`` row (``handle``). Protocol wording
    and roles only, never anything about a case."""

    __tablename__ = "clerk_routings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council: Mapped[str] = mapped_column(String(64), index=True)
    routing: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of ``routing`` as canonical JSON: the same version asked for twice is one row."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# The web console's own tables (adapters/web, migration 0011): server-side sessions, one-time sign-in codes and
# sign-in attempts. The bot never reads them. Secrets are kept only as SHA-256 digests: a session cookie, a sign-in
# code or link read out of a database copy opens nothing (a 16-character code from a 31-letter alphabet, or a
# 32-byte token, cannot be reversed by guessing; the 8-character codes sent to chats expire in minutes and die after
# a few wrong tries).


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
