"""The database and the case key, checked the way ``chat`` and ``serve`` check them at start, but read-only: the
schema is read, never migrated; the key is compared with the database's record, never created or recorded."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from adapters.cli.checks.findings import Finding, ok, problem, reason, scrub, warning
from bot.cases import keyring
from bot.cases.keys import ENV_VAR as CASE_KEY_ENV
from bot.cases.keys import (
    CaseKeyError,
    find_master_key,
    key_file,
    key_source,
    load_master_key,
    pending_file,
    read_key_file,
)
from bot.store import Store, StoreError
from bot.store.database import DATABASE_ENV, database_url, shown
from bot.store.migrate import alembic_config, current, head
from config.settings import home


async def database_and_key() -> list[Finding]:
    """The schema is read, never migrated; the key is compared with the database's record, never recorded."""
    try:
        url = database_url()
    except StoreError as exc:
        return [problem("database", str(exc)), await case_key(None)]
    where = shown(url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not Path(url.database).exists():
        return [warning("database", f"no database yet at {url.database}: `chat` and `serve` create it at their "
                                    "first start (or run `protocol-bot db upgrade` now)"), await case_key(None)]
    try:
        store = await Store.open(url, upgrade=False)
    except StoreError as exc:
        return [problem("database", scrub(str(exc))), await case_key(None)]
    try:
        try:
            revision = await current(store.database.engine)
        except (SQLAlchemyError, OSError) as exc:
            return [problem("database", f"cannot reach {where}: {scrub(reason(exc))}. Check {DATABASE_ENV} "
                                        "and that the server is running."), await case_key(None)]
        schema = schema_finding(where, revision)
        return [schema, await case_key(store if schema.level == "ok" else None)]
    finally:
        await store.close()


def schema_finding(where: str, revision: str | None) -> Finding:
    newest = head()
    if revision == newest:
        return ok("database", f"{where} reachable, schema at revision {revision} (newest)")
    if revision is None:
        return problem("database", f"{where} has no schema yet: run `protocol-bot db upgrade`")
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        return problem("database", f"{where} is at revision {revision}, which this version of Protocol Bot does not "
                                   "know (migrated by a newer version?): install that version again")
    return problem("database", f"{where} is at revision {revision}, the newest is {newest}: run "
                               "`protocol-bot db upgrade`")


async def case_key(store: Store | None) -> Finding:
    """The start-up check of ``chat`` and ``serve`` (``bot.cases.keyring``), read-only: where ``start`` would
    create a key or record one, this says so instead of doing it."""
    where = home()
    try:
        master = find_master_key(where)
    except CaseKeyError as exc:  # malformed, or readable by others
        return problem("case key", str(exc))
    if store is None:
        if master is None:
            return warning("case key", f"none at {key_file(where)} and {CASE_KEY_ENV} not set: the first `chat` or "
                                       "`serve` start of an empty database makes one (or run `protocol-bot keys "
                                       "init`); if the database already holds cases, restore the key from your backup")
        return ok("case key", f"present ({key_source(where)}, key id {master.key_id}); not yet compared with the "
                              "database's record (see the database line)")
    record = await store.cases.key_record()
    if master is None:
        if record is None and await store.cases.count() == 0:
            return warning("case key", f"none yet: the next `chat` or `serve` start makes one at {key_file(where)} "
                                       "(or run `protocol-bot keys init`); back it up apart from the database")
        try:
            load_master_key(where)
        except CaseKeyError as exc:
            return problem("case key", str(exc))
    assert master is not None
    if record is None:
        sealed_under = await store.cases.key_ids()
        if sealed_under and master.key_id not in sealed_under:
            return problem("case key", str(keyring.mismatch(where, master, ", ".join(sorted(sealed_under)))))
        return ok("case key", f"present ({key_source(where)}, key id {master.key_id}); recorded as the database's "
                              "at the next start")
    if keyring.matches(master, record):
        return ok("case key", f"present ({key_source(where)}) and the database's (key id {master.key_id})")
    pending = pending_file(key_file(where))
    if not os.environ.get(CASE_KEY_ENV) and pending.exists():
        try:
            if keyring.matches(read_key_file(pending), record):
                return warning("case key", f"a key rotation was interrupted: the next start moves {pending} over "
                                           f"{key_file(where)}")
        except CaseKeyError:
            pass
    return problem("case key", str(keyring.mismatch(where, master, record.key_id)))
