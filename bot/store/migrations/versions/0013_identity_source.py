"""Where each linked account came from: the roster file or a deliberate link in chat.

- ``identities.source``: ``roster`` for accounts the council's roster file names (``handles``), ``chat`` for
  accounts linked with ``/link``, ``member link`` or the web console. Each start syncs the roster file and used to
  replace a member's accounts by the file's, so an account linked in chat was lost at the next restart; now the
  sync replaces only the file's own. Accounts already stored are taken to be the file's (as every sync treated
  them), so nothing changes for them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="roster"))


def downgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("source")
