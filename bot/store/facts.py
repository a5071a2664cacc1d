"""The read every message makes, in as few round trips as the database allows.

Every message claims its platform message id (a duplicate delivery, here or on another worker, stops there) and
reads who sent it, the council its chat is bound to and the conversation. Done as four ORM statements in a
transaction this cost ~4 ms of CPU and seven round trips on PostgreSQL per message, most of it SQLAlchemy
building and compiling statements and, on SQLite, handing each step to the driver's thread and back. Here the
statements are built once, in Core, and the three reads are one ``SELECT``:

- PostgreSQL: one statement and one round trip, the claim being a data-modifying ``WITH`` (``INSERT ... ON
  CONFLICT DO NOTHING RETURNING``) whose row count says whether this delivery is the first. It runs in
  autocommit, so it is atomic on its own and needs no ``BEGIN``/``COMMIT`` trips.
- SQLite (no ``INSERT`` inside ``WITH``): the claim, then the read, in one transaction.

A duplicate's reads are wasted work, but duplicates are rare and a second statement would cost every message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.people import Member
from bot.store.conversations import Conversation
from bot.store.models import BindingRow, ConversationRow, IdentityRow, MemberRow, ProcessedMessageRow, utcnow

_members = MemberRow.__table__
_identities = IdentityRow.__table__
_bindings = BindingRow.__table__
_conversations = ConversationRow.__table__
_processed = ProcessedMessageRow.__table__


@dataclass(frozen=True, slots=True)
class Found:
    """What the one read returns: ``claimed`` is False for a duplicate delivery (its other fields unread)."""

    claimed: bool
    member: Member | None
    council: str | None
    conversation: Conversation | None


def _reads() -> Select[Any]:
    """Member (by platform identity), the chat's and the workspace's binding, and the conversation: each found by
    a unique key, so the outer joins from one constant row give exactly one row, with NULLs for what is missing."""
    member = (select(_members.c.id, _members.c.council, _members.c.name, _members.c.roles, _members.c.committee)
              .join(_identities, _identities.c.member_id == _members.c.id)
              .where(_identities.c.platform == bindparam("platform"),
                     _identities.c.user_id == bindparam("user_id"))
              .subquery("member"))
    conversation = (select(_conversations.c.id, _conversations.c.flow, _conversations.c.version,
                           _conversations.c.state)
                    .where(_conversations.c.platform == bindparam("platform"),
                           _conversations.c.chat_id == bindparam("chat_id"),
                           _conversations.c.user_id == bindparam("user_id"))
                    .subquery("conversation"))

    def bound(scope: str, ref: str) -> Any:
        return (select(_bindings.c.council)
                .where(_bindings.c.platform == bindparam("platform"), _bindings.c.scope == scope,
                       _bindings.c.ref == bindparam(ref))
                .scalar_subquery())

    one = select(literal(1).label("one")).subquery("one")
    return (select(member.c.id.label("member_id"), member.c.council.label("member_council"), member.c.name,
                   member.c.roles, member.c.committee, conversation.c.id.label("conversation_id"),
                   conversation.c.flow, conversation.c.version, conversation.c.state,
                   bound("chat", "chat_id").label("chat_council"),
                   bound("workspace", "workspace").label("workspace_council"))
            .select_from(one.outerjoin(member, true()).outerjoin(conversation, true())))


READS = _reads()
_pg_claim = (pg_insert(ProcessedMessageRow)
             .values(platform=bindparam("platform"), message_id=bindparam("message_id"), seen_at=bindparam("now"))
             .on_conflict_do_nothing().returning(_processed.c.message_id).cte("claim"))
READS_AND_CLAIM_PG = READS.add_columns(select(func.count()).select_from(_pg_claim).scalar_subquery().label("claimed"))
CLAIM_SQLITE = (sqlite_insert(ProcessedMessageRow)
                .values(platform=bindparam("platform"), message_id=bindparam("message_id"), seen_at=bindparam("now"))
                .on_conflict_do_nothing())


def _found(row: Row[Any], platform: str, chat_id: str, user_id: str) -> Found:
    member = None
    if row.member_id is not None:
        member = Member(id=row.member_id, council=row.member_council, name=row.name, roles=tuple(row.roles),
                        committee=row.committee)
    conversation = None
    if row.conversation_id is not None:
        conversation = Conversation(row.conversation_id, platform, chat_id, user_id, row.flow, row.version,
                                    dict(row.state))
    return Found(True, member, row.chat_council or row.workspace_council, conversation)


async def read_postgres(connection: AsyncConnection, platform: str, chat_id: str, user_id: str,
                        workspace: str | None, message_id: str | None) -> Found:
    """One statement; ``connection`` should be in autocommit (the statement is its own transaction)."""
    params = {"platform": platform, "chat_id": chat_id, "user_id": user_id, "workspace": workspace or ""}
    if message_id is None:
        row = (await connection.execute(READS, params)).one()
    else:
        row = (await connection.execute(READS_AND_CLAIM_PG, {**params, "message_id": message_id,
                                                             "now": utcnow()})).one()
        if row.claimed != 1:
            return Found(False, None, None, None)
    return _found(row, platform, chat_id, user_id)


async def read_sqlite(connection: AsyncConnection, platform: str, chat_id: str, user_id: str,
                      workspace: str | None, message_id: str | None) -> Found:
    """The claim then the read; ``connection`` is in a transaction the caller commits."""
    if message_id is not None:
        result = await connection.execute(CLAIM_SQLITE, {"platform": platform, "message_id": message_id,
                                                         "now": utcnow()})
        if getattr(result, "rowcount", 0) != 1:
            return Found(False, None, None, None)
    params = {"platform": platform, "chat_id": chat_id, "user_id": user_id, "workspace": workspace or ""}
    return _found((await connection.execute(READS, params)).one(), platform, chat_id, user_id)
