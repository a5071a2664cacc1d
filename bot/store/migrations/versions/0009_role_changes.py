"""Roster changes waiting for a second person (issue 14: who receives reports about the Clerk).

- ``role_changes``: a change the Clerk asked for that would change who receives reports about the Clerk (or who
  confirms such changes), kept until the Chair (or whoever the profile names) confirms or refuses it, or it lapses
  after 7 days. A new table only, so the same DDL serves SQLite and PostgreSQL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "role_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("verb", sa.String(8), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("committee", sa.String(200), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("handle", sa.String(128), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", WHEN, nullable=True),
    )
    op.create_index("ix_role_changes_council", "role_changes", ["council"])


def downgrade() -> None:
    op.drop_index("ix_role_changes_council", table_name="role_changes")
    op.drop_table("role_changes")
