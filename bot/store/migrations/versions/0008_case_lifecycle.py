"""A case lifecycle like a whistleblowing desk's (issue 14, finding 6).

- ``cases.acknowledged_at``: a recipient acknowledged the case; the reporter sees it with the receipt code.
- ``cases.reminded_at``: its recipients were reminded that it is unacknowledged (claimed once, by a conditional
  ``UPDATE``, whichever worker gets there first).
- ``cases.revision``: counts writes of the sealed details, so concurrent writes (a question, an addition) are
  retried instead of overwriting each other.

Questions, answers and outcomes are sealed inside the case's details like everything else a person wrote, so they
need no column: no table says who asked or answered what. Plain ``ADD COLUMN`` on both SQLite and PostgreSQL (no
table rebuild: nullable columns, and one with a server default).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("cases", sa.Column("acknowledged_at", WHEN, nullable=True))
    op.add_column("cases", sa.Column("reminded_at", WHEN, nullable=True))
    op.add_column("cases", sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("revision")
        batch.drop_column("reminded_at")
        batch.drop_column("acknowledged_at")
