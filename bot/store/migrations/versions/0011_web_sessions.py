"""The web console's sessions and sign-in codes (issue 16: ``protocol-bot serve --web``).

- ``web_sessions``: server-side sessions, keyed by a SHA-256 of the cookie's value, with their CSRF token;
- ``web_login_codes``: one-time sign-in codes (sent to a member's linked chat) and links (printed by
  ``protocol-bot login-link``), kept as SHA-256 digests;
- ``web_login_attempts``: sign-in attempts per address and per member, for the rate limits.

The rows are declared in ``adapters/web/tables.py``. New tables only, so one DDL serves SQLite and PostgreSQL.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("pending_member_id", sa.Integer(), nullable=True),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("seen_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
    )
    op.create_index("ix_web_sessions_member_id", "web_sessions", ["member_id"])
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])
    op.create_table(
        "web_login_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("wrong", sa.Integer(), nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
    )
    op.create_index("ix_web_login_codes_member_id", "web_login_codes", ["member_id"])
    op.create_table(
        "web_login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("at", WHEN, nullable=False),
    )
    op.create_index("ix_web_login_attempts_scope", "web_login_attempts", ["scope"])
    op.create_index("ix_web_login_attempts_at", "web_login_attempts", ["at"])


def downgrade() -> None:
    op.drop_table("web_login_attempts")
    op.drop_table("web_login_codes")
    op.drop_table("web_sessions")
