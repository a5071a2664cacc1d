"""Broadcasts: the message once, the outbox (one delivery per broadcast x member x platform), acknowledgements.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.String(32), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("needs_ack", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("remind_after_s", sa.Integer(), nullable=True),
        sa.Column("reminded_at", WHEN, nullable=True),
        sa.Column("reported_at", WHEN, nullable=True),
    )
    op.create_index("ix_broadcasts_council", "broadcasts", ["council"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("broadcast_id", sa.Integer(), sa.ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("doubtful", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("lease_until", WHEN, nullable=True),
        sa.Column("platform_message_id", sa.String(128), nullable=True),
        sa.Column("error_class", sa.String(64), nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("idempotency_key", name="uq_deliveries_idempotency_key"),
    )
    op.create_index("ix_deliveries_broadcast_id", "deliveries", ["broadcast_id"])
    op.create_index("ix_deliveries_due", "deliveries", ["status", "platform", "next_attempt_at"])
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("broadcast_id", sa.Integer(), sa.ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.UniqueConstraint("broadcast_id", "member_id", name="uq_acknowledgements_broadcast_member"),
    )
    op.create_index("ix_acknowledgements_broadcast_id", "acknowledgements", ["broadcast_id"])


def downgrade() -> None:
    op.drop_index("ix_acknowledgements_broadcast_id", "acknowledgements")
    op.drop_table("acknowledgements")
    op.drop_index("ix_deliveries_due", "deliveries")
    op.drop_index("ix_deliveries_broadcast_id", "deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_broadcasts_council", "broadcasts")
    op.drop_table("broadcasts")
