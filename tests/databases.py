"""Test databases: a SQLite file per test, or a throwaway PostgreSQL schema per test.

PostgreSQL is the one on 127.0.0.1:5432 (trust auth, database ``test``, user ``postgres`` or ``root``).
Where none is reachable its tests skip with the reason, unless ``PROTOCOL_BOT_REQUIRE_POSTGRES=1`` (CI),
where a missing server fails the run instead of quietly testing less.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store import Store
from bot.store.database import Database

BACKENDS = ["sqlite", "postgresql"]
PG_URLS = ([os.environ["PROTOCOL_BOT_TEST_POSTGRES_URL"]] if os.environ.get("PROTOCOL_BOT_TEST_POSTGRES_URL") else
           ["postgresql+asyncpg://postgres@127.0.0.1:5432/test", "postgresql+asyncpg://root@127.0.0.1:5432/test"])
"""``PROTOCOL_BOT_TEST_POSTGRES_URL`` points the tests at another server (and only there)."""
_reachable: dict[str, str | None] = {}


async def postgres_url() -> str:
    """The first PostgreSQL URL that answers; skips (or fails when required) if none does."""
    if "url" not in _reachable:
        _reachable["url"] = None
        reasons = []
        for url in PG_URLS:
            engine = create_async_engine(url)
            try:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                _reachable["url"] = url
                break
            except Exception as exc:  # any failure to connect means "not reachable here"
                reasons.append(f"{url}: {type(exc).__name__}: {exc}")
            finally:
                await engine.dispose()
        _reachable["reason"] = "; ".join(reasons)
    reachable = _reachable["url"]
    if reachable is None:
        message = f"PostgreSQL not reachable ({_reachable['reason']})"
        if os.environ.get("PROTOCOL_BOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " and PROTOCOL_BOT_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    return reachable


@asynccontextmanager
async def pg_schema() -> AsyncIterator[tuple[str, str]]:
    """A schema no other test run uses, dropped afterwards: parallel runs never see each other's rows."""
    url = await postgres_url()
    schema = f"pbtest_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield url, schema
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def open_store(backend: str, tmp_path: Path) -> AsyncIterator[Store]:
    if backend == "sqlite":
        store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'protocol-bot.db'}")
        try:
            yield store
        finally:
            await store.close()
        return
    async with pg_schema() as (url, schema):
        store = await Store.open(url, schema=schema)
        try:
            yield store
        finally:
            await store.close()


@asynccontextmanager
async def empty_database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no schema yet (a SQLite file, or a throwaway PostgreSQL schema), closed afterwards: for
    tests that walk the migrations themselves."""
    if backend == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
        try:
            yield database
        finally:
            await database.close()
        return
    async with pg_schema() as (url, schema):
        database = Database(url, schema=schema)
        try:
            yield database
        finally:
            await database.close()


async def migrate(database: Database, revision: str, *, down: bool = False) -> None:
    """Move the schema up (or down) to ``revision`` with Alembic, as ``protocol-bot db upgrade`` moves it up."""
    from alembic import command

    from bot.store.migrate import alembic_config

    def run(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
