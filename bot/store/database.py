"""Where state lives: a SQLite file in the bot's home by default, PostgreSQL for several workers.

``PROTOCOL_BOT_DATABASE_URL`` picks the database; ``postgresql://`` URLs are given the asyncpg driver and
``sqlite://`` URLs aiosqlite, so people can paste the URL their host gives them.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.store.errors import StoreUnavailable
from config.settings import home

DATABASE_ENV = "PROTOCOL_BOT_DATABASE_URL"
DB_FILE = "protocol-bot.db"


def database_url(data_dir: Path | None = None) -> URL:
    raw = os.environ.get(DATABASE_ENV, "").strip()
    if not raw:
        folder = data_dir or home()
        return make_url(f"sqlite+aiosqlite:///{folder / DB_FILE}")
    try:
        url = make_url(raw)
    except ArgumentError as exc:  # the text may hold a password: do not echo it
        raise StoreUnavailable(f"{DATABASE_ENV} is not a database URL (postgresql://... or sqlite:///...)") from exc
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        url = url.set(drivername="postgresql+asyncpg")
    if url.drivername == "postgresql+asyncpg" and not url.database:
        # without a name the server's default database would silently get the bot's tables
        raise StoreUnavailable(f"{DATABASE_ENV} names no database: add one, e.g. postgresql://host:5432/protocolbot")
    elif url.drivername in ("sqlite", "sqlite+pysqlite"):
        url = url.set(drivername="sqlite+aiosqlite")
    return url


def shown(url: URL) -> str:
    """The URL for messages and logs: never its password."""
    return url.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers carry on while one writer commits, and with ``synchronous=NORMAL`` a commit needs
    no fsync (a power cut may lose the last commits, never corrupt the file); foreign keys are off unless asked;
    ``secure_delete`` overwrites deleted content with zeros instead of leaving it in free space."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _private_file(path: Path) -> None:
    """The database file created 0600 before SQLite opens it (SQLite gives its ``-wal`` and ``-shm`` files the
    database file's permissions); an existing one readable by others is made private, with its companions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each.exists() and each.stat().st_mode & 0o077:
            each.chmod(0o600)


async def serialise(session: AsyncSession, name: str) -> None:
    """On PostgreSQL, hold a lock named ``name`` until this transaction ends, so workers starting together
    take turns (SQLite already allows one writer at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


class Database:
    """An engine and its session factory. ``schema`` (PostgreSQL only) isolates test runs or tenants."""

    def __init__(self, url: URL | str, *, schema: str | None = None, pool_size: int = 10) -> None:
        self.url = make_url(url) if isinstance(url, str) else url
        self.schema = schema
        if self.url.get_backend_name() not in ("sqlite", "postgresql"):
            raise StoreUnavailable(f"{DATABASE_ENV} must be a postgresql:// or sqlite:// URL, not {self.shown_url}")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                _private_file(Path(self.url.database))
            kwargs["connect_args"] = {"timeout": 30}
            # One connection per process: SQLite lets one writer in at a time, and a second connection of ours
            # waiting for the lock does not queue, it polls (sleeps of 1, 2, 5 ... 100 ms between tries), which
            # under load gave answers stuck for 100-500 ms. Waiting in the pool's queue instead is first come,
            # first served, and costs nothing while the holder works; reads wait too, but each takes a
            # millisecond or so and no transaction is held open across other work. Other processes (the CLI,
            # another ``serve``) still meet our writes through SQLite's lock and ``busy_timeout``.
            kwargs["pool_size"] = 1
            kwargs["max_overflow"] = 0
        else:
            kwargs["pool_size"] = pool_size
            kwargs["pool_pre_ping"] = True
            if schema:
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)
        self.autocommit: AsyncEngine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        """The same pool, for statements that are a transaction on their own: on PostgreSQL this saves the
        ``BEGIN`` and ``COMMIT`` round trips, two of the three a single insert would otherwise make."""

    def one_statement(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for a statement that is a whole transaction: autocommit on PostgreSQL (one round trip
        instead of three); on SQLite a plain transaction, as switching a pooled connection to autocommit and
        back costs two trips to the driver's thread, more than the commit saves."""
        return self.engine.begin() if self.is_sqlite else self.autocommit.connect()

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def shown_url(self) -> str:
        return shown(self.url)

    async def upgrade(self) -> str:
        """Bring the schema to the newest migration; returns the revision now current."""
        from bot.store.migrate import upgrade

        try:
            return await upgrade(self.engine)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable(f"Cannot open the database at {self.shown_url}: {_reason(exc, self.url)}") from exc

    async def wipe_free_space(self) -> str:
        """After deleting sensitive data: leave none of its old bytes in the database files. SQLite: the WAL is
        checkpointed into the database and truncated to nothing, ``VACUUM`` rewrites the file from live rows only,
        and the WAL is truncated again (deleted cells are zeroed as they go, ``secure_delete``). PostgreSQL:
        ``VACUUM FULL cases`` rewrites the table without its dead row versions. Returns what was done, for the
        operator; raises ``StoreUnavailable`` if SQLite could not finish (another connection reading throughout)."""
        async with self.autocommit.connect() as connection:
            if not self.is_sqlite:
                await connection.exec_driver_sql("VACUUM FULL cases")
                return "VACUUM FULL cases"
            await _checkpoint(connection)
            await connection.exec_driver_sql("VACUUM")
            await _checkpoint(connection)
        return "WAL checkpointed and truncated, VACUUM"

    async def close(self) -> None:
        await self.engine.dispose()


async def _checkpoint(connection: AsyncConnection) -> None:
    busy = 1
    for _ in range(50):  # a reader in another process may hold an old snapshot for a moment
        busy = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()[0]
        if busy == 0:
            return
        await asyncio.sleep(0.1)
    raise StoreUnavailable("The database is busy (another process kept reading): its free space could not be wiped. "
                           "Run the command again when it is quieter.")


def _reason(exc: BaseException, url: URL) -> str:
    """The driver's own reason, one line, with the URL's password removed if the driver echoed it."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    return text.replace(url.password, "***") if url.password else text
