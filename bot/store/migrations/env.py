"""Alembic environment: always handed an open connection by ``bot.store.migrate`` (see there)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.store.models import Base


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if _connection is None:
    raise RuntimeError("run migrations with `protocol-bot db upgrade`, which supplies the connection")
run(_connection)
