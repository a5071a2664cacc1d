"""Confidential cases that hold against roster edits, key loss and purges (issue 14).

- ``members``: on SQLite ``AUTOINCREMENT``, so the id of a removed member is never given to someone new (cases
  name recipients and subjects by id); the sequence starts above every member id any table has referred to.
  PostgreSQL's sequences never reuse a value already.
- ``case_subjects``: who a case is about, recorded when it is filed.
- ``case_keys``: the master key's id and key-check value, and the receipt secret it wraps.
- ``cases.wrapped_key`` nullable: a purge deletes the data key with the ciphertext.
- ``receipt_attempts.at`` indexed: wrong codes are also counted across everyone.

SQLite rebuilds ``members`` and ``cases`` to change them; ``bot.store.migrate`` turns foreign keys off for the
migration, so the rebuild does not cascade into ``identities`` or ``case_recipients``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
MEMBER_REFERENCES = [("members", "id"), ("case_recipients", "member_id"), ("cases", "reporter_member_id"),
                     ("audit_events", "member_id"), ("acknowledgements", "member_id"), ("deliveries", "member_id"),
                     ("broadcasts", "created_by"), ("link_codes", "member_id")]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.batch_alter_table("members", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass
        highest = " UNION ALL ".join(f"SELECT MAX({column}) AS id FROM {table}" for table, column in MEMBER_REFERENCES)
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'members'")
        op.execute(f"INSERT INTO sqlite_sequence (name, seq) SELECT 'members', COALESCE(MAX(id), 0) FROM ({highest})")
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("wrapped_key", existing_type=sa.LargeBinary(), nullable=True)
    op.create_table(
        "case_subjects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=True),
        sa.Column("user_id", sa.String(128), nullable=True),
    )
    op.create_index("ix_case_subjects_case_id", "case_subjects", ["case_id"])
    op.create_table(
        "case_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("check", sa.String(64), nullable=False),
        sa.Column("receipt_secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("rotated_at", WHEN, nullable=True),
    )
    op.create_index("ix_receipt_attempts_at", "receipt_attempts", ["at"])


def downgrade() -> None:
    op.drop_index("ix_receipt_attempts_at", "receipt_attempts")
    op.drop_table("case_keys")
    op.drop_index("ix_case_subjects_case_id", "case_subjects")
    op.drop_table("case_subjects")
    op.execute("DELETE FROM cases WHERE wrapped_key IS NULL")  # purged: nothing left to keep
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("wrapped_key", existing_type=sa.LargeBinary(), nullable=False)
