"""Confidential cases: sealed details, recipients, wrong-receipt attempts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("about_role", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("receipt_hash", sa.String(128), nullable=False),
        sa.Column("reporter_member_id", sa.Integer(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("receipt_hash"),
    )
    op.create_index("ix_cases_council", "cases", ["council"])
    op.create_table(
        "case_recipients",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("member_id", sa.Integer(), primary_key=True),
        sa.Column("notified_at", WHEN, nullable=True),
    )
    op.create_table(
        "receipt_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("at", WHEN, nullable=False),
    )
    op.create_index("ix_receipt_attempts_user_id", "receipt_attempts", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_receipt_attempts_user_id", "receipt_attempts")
    op.drop_table("receipt_attempts")
    op.drop_table("case_recipients")
    op.drop_index("ix_cases_council", "cases")
    op.drop_table("cases")
