"""Link codes remember who issued them, and are keyed (issue 14: the Clerk linking her own account to a recipient).

- ``link_codes.issued_by``: the member who issued the code. Linking a new account to someone who receives
  reports about the Clerk (or who may confirm changes to that) waits for a second person, who must not be the one
  who issued the code (``bot.linking``), so the code has to say who that was.
- Codes are now stored as an HMAC under the receipt secret instead of an unkeyed SHA-256, so the database alone
  cannot test guesses. An unkeyed hash can never match again, so the codes live now (two days at most) are
  deleted: the Clerk issues new ones.

Plain ``ADD COLUMN`` (nullable: no table rebuild) on SQLite and PostgreSQL; every row left has it set.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM link_codes"))
    op.add_column("link_codes", sa.Column("issued_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM link_codes"))  # keyed hashes mean nothing to the older code
    with op.batch_alter_table("link_codes") as batch:
        batch.drop_column("issued_by")
