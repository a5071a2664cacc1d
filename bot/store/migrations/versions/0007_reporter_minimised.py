"""Who reported is kept nowhere but inside a named report's sealed details (issue 14, finding 4).

- ``cases.reporter_member_id`` is dropped (nulled first, so PostgreSQL's new row versions carry no reporter; the
  old ones go at the next ``VACUUM``, as a purge's do). A named report's name was always inside its sealed details
  as well; an anonymous report's name is removed from those at the next start (``CaseDesk.forget_anonymous_reporters``,
  which needs the master key, so it cannot run here).
- Unfinished reports kept their choices (``about: clerk``, ``concern: bullying``) in plain text in
  ``conversations.state``; they are deleted, leaving ``{"expired": <flow>}`` so the person is told, and a report in
  progress during the upgrade must be started again. Drafts are now sealed whole (``bot.flows.engine``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute("UPDATE cases SET reporter_member_id = NULL")
    with op.batch_alter_table("cases") as batch:  # SQLite rebuilds the table (secure_delete zeroes the old pages)
        batch.drop_column("reporter_member_id")
    expired = "json_object('expired', flow)" if sqlite else "json_build_object('expired', flow)"
    op.execute(f"UPDATE conversations SET state = {expired}, flow = NULL, version = version + 1 "
               "WHERE flow IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("reporter_member_id", sa.Integer(), nullable=True))
