"""Alembic, configured in code: the migrations ship inside the package, so an installed bot (no
``alembic.ini`` in sight) upgrades its own database at start or with ``protocol-bot db upgrade``.

On PostgreSQL an advisory lock makes several workers starting at once migrate one after another. On SQLite
foreign keys are off while migrating: changing a table there means rebuilding it, and dropping the old copy
would otherwise cascade into the tables that refer to it (``PRAGMA foreign_key_check`` runs before commit).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 724_031_556  # any constant shared by all workers


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    return cfg


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def _upgrade(connection: Connection) -> str:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left {len(broken)} rows pointing at nothing (first: {broken[0]})")
    return MigrationContext.configure(connection).get_current_revision() or ""


async def upgrade(engine: AsyncEngine) -> str:
    if engine.dialect.name != "sqlite":
        async with engine.begin() as connection:
            return await connection.run_sync(_upgrade)
    async with engine.connect() as connection:
        # PRAGMA foreign_keys is ignored inside a transaction: set it before BEGIN, and back after COMMIT
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.commit()
        try:
            async with connection.begin():
                return await connection.run_sync(_upgrade)
        finally:
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            await connection.commit()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)
