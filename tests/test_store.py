"""The store on SQLite and PostgreSQL: what survives a restart, dedupe, optimistic locking, feedback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from bot.store import ConcurrentUpdate, Store, StoreUnavailable
from bot.store.migrate import current, head
from bot.store.models import Base, utcnow
from config.councils import Binding, RosterEntry
from tests.databases import BACKENDS, open_store, pg_schema

ROSTER = [
    RosterEntry(name="Ann Clerk", roles=("clerk",), handles={"slack": "U1", "terminal": "ann"}),
    RosterEntry(name="Bob Cllr", roles=("councillor", "chair"), handles={"telegram": "42"}),
]


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(request.param, tmp_path) as opened:
        yield opened


async def test_schema_is_migrated_to_head(store: Store) -> None:
    assert await current(store.database.engine) == head()
    assert await store.database.upgrade() == head()  # a second start is a no-op


async def test_models_and_migrations_agree(store: Store) -> None:
    """A model changed without a migration would only break on someone's live database; catch it here."""

    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with store.database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_one_person_many_platforms(store: Store) -> None:
    await store.members.sync_roster("wendlebury", ROSTER)
    on_slack = await store.members.by_identity("slack", "U1")
    on_terminal = await store.members.by_identity("terminal", "ann")
    assert on_slack is not None and on_slack == on_terminal and on_slack.roles == ("clerk",)
    assert await store.members.by_identity("slack", "U999") is None


async def test_roster_resync_updates_roles_and_removes_departed(store: Store) -> None:
    await store.members.sync_roster("wendlebury", ROSTER)
    changed = [RosterEntry(name="Bob Cllr", roles=("councillor",), handles={"telegram": "42"})]
    await store.members.sync_roster("wendlebury", changed)
    assert [(m.name, m.roles) for m in await store.members.of_council("wendlebury")] == [
        ("Bob Cllr", ("councillor",))]
    assert await store.members.by_identity("slack", "U1") is None


async def test_bindings_chat_beats_workspace_and_dm_choice_is_remembered(store: Store) -> None:
    await store.bindings.sync_config("ledbury", [Binding(platform="slack", workspace="T1")])
    await store.bindings.sync_config("honiton", [Binding(platform="slack", chat="C9")])
    assert await store.bindings.resolve("slack", "C1", "T1") == "ledbury"
    assert await store.bindings.resolve("slack", "C9", "T1") == "honiton"
    assert await store.bindings.resolve("telegram", "D1") is None
    await store.bindings.remember("telegram", "D1", "blaby")
    await store.bindings.remember("telegram", "D1", "cheshire")
    assert await store.bindings.resolve("telegram", "D1") == "cheshire"
    assert not await store.bindings.remember("slack", "C9", "blaby")  # config wins
    assert not await store.bindings.remember("slack", "C2", "blaby", workspace="T1")
    assert await store.bindings.resolve("slack", "C9") == "honiton"


async def test_duplicate_delivery_is_claimed_once(store: Store) -> None:
    assert await store.inbox.claim("slack", "m1") is True
    assert await store.inbox.claim("slack", "m1") is False
    assert await store.inbox.claim("telegram", "m1") is True
    await store.inbox.release("slack", "m1")
    assert await store.inbox.claim("slack", "m1") is True


async def test_old_message_ids_are_forgotten(store: Store) -> None:
    await store.inbox.claim("slack", "old")
    assert await store.inbox.prune(before=utcnow() + timedelta(seconds=1)) == 1
    assert await store.inbox.claim("slack", "old") is True


async def test_stale_conversation_write_is_refused(store: Store) -> None:
    first = await store.conversations.load("slack", "C1", "U1")
    second = await store.conversations.load("slack", "C1", "U1")
    assert first == second and first.version == 1
    advanced = await store.conversations.advance(first, flow="concern", state={"step": "who"})
    with pytest.raises(ConcurrentUpdate):
        await store.conversations.advance(second, flow="concern", state={"step": "other"})
    reread = await store.conversations.load("slack", "C1", "U1")
    assert reread == advanced and reread.state == {"step": "who"} and reread.version == 2


async def test_feedback_lists_only_rated_answers_per_council(store: Store) -> None:
    a = await store.feedback.record_answer("ledbury", "can I instruct staff?", ["ledbury:5.4"])
    await store.feedback.record_answer("ledbury", "never rated", [])
    b = await store.feedback.record_answer("honiton", "who do I ask?", [])
    assert await store.feedback.rate(a, True) and await store.feedback.rate(b, False)
    assert not await store.feedback.rate("no-such-answer", True)
    assert [(f.question, f.clause_ids, f.helpful) for f in await store.feedback.rated("ledbury")] == [
        ("can I instruct staff?", ("ledbury:5.4",), True)]
    assert len(await store.feedback.rated()) == 2


async def test_state_survives_reopening(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    store = await Store.open(url)
    conversation = await store.conversations.load("terminal", "t", "ann")
    await store.conversations.advance(conversation, flow=None, state={"council": "blaby"})
    await store.close()
    reopened = await Store.open(url)
    try:
        assert (await reopened.conversations.load("terminal", "t", "ann")).state == {"council": "blaby"}
    finally:
        await reopened.close()


async def test_unreachable_database_is_named_without_password() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        await Store.open("postgresql+asyncpg://bot:s3cret@127.0.0.1:1/protocol")
    message = str(caught.value)
    assert "127.0.0.1:1/protocol" in message and "s3cret" not in message


async def test_two_postgres_workers_race_one_conversation_exactly_one_wins() -> None:
    async with pg_schema() as (url, schema):
        workers = [await Store.open(url, schema=schema), await Store.open(url, schema=schema)]
        try:
            seen = [await w.conversations.load("slack", "C1", "U1") for w in workers]
            assert seen[0].version == seen[1].version == 1
            outcomes = await asyncio.gather(
                *(w.conversations.advance(c, flow="grievance", state={"by": i})
                  for i, (w, c) in enumerate(zip(workers, seen, strict=True))),
                return_exceptions=True)
            winners = [o for o in outcomes if not isinstance(o, BaseException)]
            losers = [o for o in outcomes if isinstance(o, BaseException)]
            assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], ConcurrentUpdate)
            final = await workers[1].conversations.load("slack", "C1", "U1")
            assert final.version == 2 and final.state == winners[0].state
        finally:
            for worker in workers:
                await worker.close()


@pytest.mark.parametrize("url", ["mysql://bot:s3cret@db/protocol", "not a url with s3cret"])
def test_unsupported_database_url_is_refused_without_echoing_a_password(url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_DATABASE_URL", url)
    with pytest.raises(StoreUnavailable, match="PROTOCOL_BOT_DATABASE_URL") as caught:
        asyncio.run(Store.open())
    assert "s3cret" not in str(caught.value)


def test_a_postgresql_url_without_a_database_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare ``postgresql://`` would put the bot's tables in the server's default database without a word."""
    monkeypatch.setenv("PROTOCOL_BOT_DATABASE_URL", "postgresql://bot:s3cret@127.0.0.1:5432")
    with pytest.raises(StoreUnavailable, match="names no database") as caught:
        asyncio.run(Store.open())
    assert "s3cret" not in str(caught.value)


async def test_a_removed_member_s_id_is_never_given_to_someone_new(store: Store) -> None:
    """Cases name their recipients and subjects by member id (issue 14, finding 1): an id must stay retired."""
    await store.members.sync_roster("wendlebury", ROSTER)
    bob = await store.members.by_identity("telegram", "42")
    assert bob is not None
    assert await store.members.set_roles(bob.id, []) is None  # the Clerk removes him in chat
    newcomer = await store.members.add("wendlebury", "mole", ["councillor"], platform="terminal", user_id="mole")
    assert newcomer.id > bob.id
    await store.members.sync_roster("wendlebury", [ROSTER[0]])  # and a roster edit removes the newcomer's peers
    again = await store.members.add("wendlebury", "mole2", ["councillor"], platform="terminal", user_id="mole2")
    assert again.id > newcomer.id


async def test_upgrading_an_old_sqlite_database_keeps_identities_and_retires_used_ids(tmp_path: Path) -> None:
    """Migration 0006 rebuilds ``members`` on SQLite: nothing that refers to it may be lost, and an id a case
    still names (its member since deleted) is never handed out again."""
    from alembic import command
    from sqlalchemy import text

    from bot.store.database import Database
    from bot.store.migrate import alembic_config

    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")

    def to_0005(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0005")

    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(to_0005)
            for name in ("ann", "bob", "whitcombe"):
                await connection.execute(text("INSERT INTO members (council, name, roles, source) "
                                              "VALUES ('wendlebury', :n, '[]', 'roster')"), {"n": name})
                await connection.execute(text("INSERT INTO identities (platform, user_id, member_id) SELECT "
                                              "'terminal', :n, id FROM members WHERE name = :n"), {"n": name})
            await connection.execute(text(
                "INSERT INTO cases (reference, council, flow, status, about_role, recipient, receipt_hash, anonymous, "
                "key_id, wrapped_key, ciphertext, created_at) VALUES ('WEN-2026-0001', 'wendlebury', 'concern', "
                "'open', 'clerk', 'x', 'h', 0, 'k', X'00', X'01', CURRENT_TIMESTAMP)"))
            await connection.execute(text("INSERT INTO case_recipients (case_id, member_id) VALUES (1, 3)"))
            await connection.execute(text("DELETE FROM members WHERE id = 3"))  # what /role remove did
        assert await database.upgrade() == head()
    finally:
        await database.close()
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        assert (await store.members.by_identity("terminal", "bob")) is not None
        assert await store.cases.recipients(1) == [3]
        mole = await store.members.add("wendlebury", "mole", ["councillor"], platform="terminal", user_id="mole")
        assert mole.id == 4
    finally:
        await store.close()


def test_the_sqlite_database_is_created_private(tmp_path: Path) -> None:
    import stat

    async def open_and_write() -> None:
        store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'private.db'}")
        try:
            await store.conversations.load("terminal", "t", "ann")
            files = list(tmp_path.glob("private.db*"))
            assert {p.name for p in files} >= {"private.db", "private.db-wal"}
            for path in files:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        finally:
            await store.close()

    asyncio.run(open_and_write())
