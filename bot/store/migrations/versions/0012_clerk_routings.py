"""The routing of reports about the Clerk as last accepted (issue 14: the roster file's routing edited by the Clerk).

- ``clerk_routings``: per council, the part of the profile's routing that decides who receives reports about the
  Clerk and who confirms changes to that, as accepted (the first sync, or a second person's confirmation), and the
  versions the roster file asked for that wait for one (``bot.roster_sync``). A new table only, so the same DDL
  serves SQLite and PostgreSQL. A council with no row yet has its profile's routing recorded at its next sync.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "clerk_routings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("routing", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("accepted_at", WHEN, nullable=True),
    )
    op.create_index("ix_clerk_routings_council", "clerk_routings", ["council"])


def downgrade() -> None:
    op.drop_index("ix_clerk_routings_council", table_name="clerk_routings")
    op.drop_table("clerk_routings")
