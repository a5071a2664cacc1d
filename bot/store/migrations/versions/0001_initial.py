"""Initial schema: members, identities, bindings, conversations, processed messages, feedback, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("committee", sa.String(200), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.UniqueConstraint("council", "name", name="uq_members_council_name"),
    )
    op.create_index("ix_members_council", "members", ["council"])
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.UniqueConstraint("platform", "user_id", name="uq_identities_platform_user"),
    )
    op.create_index("ix_identities_member_id", "identities", ["member_id"])
    op.create_table(
        "bindings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(128), nullable=False),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.UniqueConstraint("platform", "scope", "ref", name="uq_bindings_platform_scope_ref"),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("flow", sa.String(64), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("platform", "chat_id", "user_id", name="uq_conversations_key"),
    )
    op.create_table(
        "processed_messages",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("message_id", sa.String(128), primary_key=True),
        sa.Column("seen_at", WHEN, nullable=False),
    )
    op.create_index("ix_processed_messages_seen_at", "processed_messages", ["seen_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("clause_ids", sa.JSON(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("rated_at", WHEN, nullable=True),
    )
    op.create_index("ix_feedback_council", "feedback", ["council"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("platform", sa.String(32), nullable=True),
        sa.Column("user_id", sa.String(128), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("ref", sa.String(128), nullable=True),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])


def downgrade() -> None:
    for table in ("audit_events", "feedback", "processed_messages", "conversations", "bindings", "identities",
                  "members"):
        op.drop_table(table)
