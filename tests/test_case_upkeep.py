"""Operator upkeep of confidential cases through the command line: the first key, a lost or stray key at start,
rotation (refused, failing half-way, interrupted after commit) and the crypto-shredding purge (issue 14, findings 2,
3 and 8). Failures are injected in the database itself (a trigger), never by replacing our own code."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import select, text, update

from adapters.cli.main import main
from adapters.memory import MemoryAdapter
from bot.cases import keyring
from bot.cases.desk import CaseDesk, Purged, Submission
from bot.cases.keyring import Keyring
from bot.cases.keys import ENV_VAR, FILE_VAR, MasterKey, key_file, pending_file
from bot.cases.sealing import SealError, seal, unseal
from bot.dialogue import Dialogue
from bot.middleware import RateLimit
from bot.people import Member
from bot.store import Store
from bot.store.models import CaseRow
from tests.databases import BACKENDS, open_store
from tests.test_flows import report_about_clerk, said, send_report

DETAILS = "The chair told me in front of everyone that I would be sacked."
RECIPIENT = Member(id=1, council="wendlebury", name="Cllr Alan Whitcombe", roles=("committee chair",))


@pytest.fixture(autouse=True)
def operator(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh home, its SQLite database, the key file in its default place, the fake embedder."""
    for name in (ENV_VAR, FILE_VAR, "PROTOCOL_BOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    yield home


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


async def in_thread(argv: list[str]) -> int:
    """The commands run their own event loop: run them in a thread so this test's loop stays free."""
    return await asyncio.to_thread(main, argv)


async def submit(home: Path, details: str = DETAILS) -> str:
    store = await Store.open()
    try:
        desk = CaseDesk(store, Keyring(home))
        done = await desk.submit(Submission("wendlebury", "grievance", "chair", "the Chairman of the Staffing "
                                            "Committee", (RECIPIENT,), None, False, {"details": details}))
        return done.case.reference
    finally:
        await store.close()


async def read(home: Path, reference: str) -> tuple[str, str]:
    store = await Store.open()
    try:
        case = await store.cases.by_reference(reference)
        assert case is not None
        content = await CaseDesk(store, Keyring(home)).open(case)
        return case.status, content.answers.get("details", "")
    finally:
        await store.close()


async def rows(*columns: str) -> list[tuple[object, ...]]:
    store = await Store.open()
    try:
        async with store.database.engine.connect() as connection:
            found = await connection.execute(text(f"SELECT {', '.join(columns)} FROM cases ORDER BY id"))
            return [tuple(r) for r in found]
    finally:
        await store.close()


def chat_once(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from adapters.cli.chat import run_chat
    from adapters.cli.runtime import make_service

    def eof(_prompt: str) -> str:
        raise EOFError

    code = run_chat(make_service(), user="okafor", read=eof, write=lambda _s: None)
    return code, capsys.readouterr().err


# -- the key at start --------------------------------------------------------------------------------------
def test_the_first_start_of_an_empty_database_makes_the_key_and_says_so_once(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = chat_once(capsys)
    assert code == 0 and f"Created a new case master key at {key_file(home)}" in err
    assert stat.S_IMODE(key_file(home).stat().st_mode) == 0o600
    for path in home.glob("protocol-bot.db*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    code, err = chat_once(capsys)
    assert code == 0 and "case master key" not in err


async def test_finding_3_a_lost_key_stops_every_start_and_is_not_replaced(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await in_thread(["keys", "init"]) == 0
    reference = await submit(home)
    key_file(home).unlink()
    for argv in (["chat", "--user", "okafor"], ["serve", "--telegram"], ["cases", "purge"], ["keys", "rotate"]):
        capsys.readouterr()
        assert await in_thread(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"No case master key: {ENV_VAR} is not set and there is no key file at {key_file(home)}" in err
        assert DETAILS not in err and reference not in err
        assert not key_file(home).exists()


async def test_finding_3_a_stray_environment_key_stops_start_up(home: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert await in_thread(["keys", "init"]) == 0
    reference = await submit(home)
    monkeypatch.setenv(ENV_VAR, MasterKey.generate().encoded())
    capsys.readouterr()
    assert await in_thread(["chat", "--user", "okafor"]) == 2
    err = capsys.readouterr().err
    assert f"The case master key from {ENV_VAR}" in err and "is not the key this database's cases are sealed" in err
    assert f"unset {ENV_VAR}" in err and DETAILS not in err
    monkeypatch.delenv(ENV_VAR)
    assert await read(home, reference) == ("open", DETAILS)  # nothing was sealed under the stray key


async def test_keys_init_writes_the_key_outside_the_home_and_never_twice(
        home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "secrets" / "case-master.key"
    monkeypatch.setenv(FILE_VAR, str(outside))
    assert await in_thread(["keys", "init"]) == 0
    assert f"Created a new case master key at {outside}" in capsys.readouterr().out
    assert stat.S_IMODE(outside.stat().st_mode) == 0o600 and not (home / "keys").exists()
    assert await in_thread(["keys", "init"]) == 0
    assert "already set up" in capsys.readouterr().out
    original = outside.read_bytes()
    outside.unlink()
    assert await in_thread(["keys", "init"]) == 2  # the database has a key: making another would split it
    assert "already has a case key" in capsys.readouterr().err and not outside.exists()
    outside.write_bytes(original)
    outside.chmod(0o600)
    assert (await asyncio.to_thread(chat_once, capsys))[0] == 0


# -- rotation ----------------------------------------------------------------------------------------------
async def test_rotation_rewraps_cases_under_a_new_key(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await in_thread(["keys", "init"]) == 0
    reference = await submit(home)
    old = key_file(home).read_text()
    capsys.readouterr()
    assert await in_thread(["keys", "rotate"]) == 0
    assert "Re-wrapped 1 case(s)" in capsys.readouterr().out
    assert key_file(home).read_text() != old and not pending_file(key_file(home)).exists()
    assert await read(home, reference) == ("open", DETAILS)
    [(key_id, wrapped, ciphertext)] = await rows("key_id", "wrapped_key", "ciphertext")
    from bot.cases.sealing import Sealed

    with pytest.raises(SealError):  # rows() gives the columns as the driver does: these BLOBs are bytes
        unseal(MasterKey.decode(old, source="old"), reference,
               Sealed(str(key_id), bytes(cast(bytes, wrapped)), bytes(cast(bytes, ciphertext))))


async def test_finding_2_rotation_with_a_case_under_another_key_changes_nothing(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await in_thread(["keys", "init"]) == 0
    first, second = await submit(home), await submit(home, "Second report.")
    stray = seal(MasterKey.generate(), "WEN-2026-0099", '{"answers": {}}')  # what the old split store left
    store = await Store.open()
    try:
        async with store.database.sessions.begin() as session:
            session.add(CaseRow(reference="WEN-2026-0099", council="wendlebury", flow="concern", status="open",
                                about_role="clerk", recipient="x", receipt_hash="stray", anonymous=False,
                                key_id=stray.key_id, wrapped_key=stray.wrapped_key, ciphertext=stray.ciphertext,
                                created_at=datetime.now(UTC)))
    finally:
        await store.close()
    before, key_before = await rows("key_id", "wrapped_key"), key_file(home).read_bytes()
    capsys.readouterr()
    assert await in_thread(["keys", "rotate"]) == 2
    err = capsys.readouterr().err
    assert "Nothing was changed" in err and "WEN-2026-0099" in err
    assert await rows("key_id", "wrapped_key") == before and key_file(home).read_bytes() == key_before
    assert not pending_file(key_file(home)).exists()
    assert await read(home, first) == ("open", DETAILS) and await read(home, second) == ("open", "Second report.")


async def test_a_rotation_failing_half_way_leaves_every_case_readable_with_the_old_key(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await in_thread(["keys", "init"]) == 0
    references = [await submit(home, f"Report {n}.") for n in range(3)]
    store = await Store.open()
    try:
        async with store.database.engine.begin() as connection:  # the second case's write fails, mid-rotation
            await connection.exec_driver_sql(
                "CREATE TRIGGER fail_rotation BEFORE UPDATE OF wrapped_key ON cases WHEN OLD.id = 2 "
                "BEGIN SELECT RAISE(ABORT, 'disk full (injected)'); END")
    finally:
        await store.close()
    before, key_before = await rows("key_id", "wrapped_key"), key_file(home).read_bytes()
    capsys.readouterr()
    assert await in_thread(["keys", "rotate"]) == 1
    err = capsys.readouterr().err
    assert "rolled back" in err and "disk full (injected)" in err and str(key_file(home)) in err
    assert await rows("key_id", "wrapped_key") == before
    assert key_file(home).read_bytes() == key_before and not pending_file(key_file(home)).exists()
    for n, reference in enumerate(references):
        assert await read(home, reference) == ("open", f"Report {n}.")
    assert await in_thread(["cases", "purge"]) == 0  # and the bot starts as before


async def test_a_rotation_interrupted_after_its_commit_is_finished_at_the_next_start(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await in_thread(["keys", "init"]) == 0
    reference = await submit(home)
    old = key_file(home).read_bytes()
    assert await in_thread(["keys", "rotate"]) == 0
    # The state a crash between the commit and the rename leaves: the old key in place, the new one beside it.
    key_file(home).rename(pending_file(key_file(home)))
    key_file(home).write_bytes(old)
    key_file(home).chmod(0o600)
    capsys.readouterr()
    code, err = await asyncio.to_thread(chat_once, capsys)
    assert code == 0 and "Finished an interrupted key rotation" in err
    assert key_file(home).read_bytes() != old and not pending_file(key_file(home)).exists()
    assert await read(home, reference) == ("open", DETAILS)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_rotation_failing_half_way_is_rolled_back_on_both_databases(backend: str, tmp_path: Path) -> None:
    async with open_store(backend, tmp_path) as store:
        home = tmp_path / "bot-home"
        await keyring.init(store, home)
        desk = CaseDesk(store, Keyring(home))
        references = []
        for n in range(3):
            done = await desk.submit(Submission("wendlebury", "grievance", "chair", "x", (RECIPIENT,), None, False,
                                                {"details": f"Report {n}."}))
            references.append(done.case.reference)
        second = (await store.cases.by_reference(references[1]))
        assert second is not None
        async with store.database.engine.begin() as connection:
            if backend == "sqlite":
                await connection.exec_driver_sql(
                    f"CREATE TRIGGER fail_rotation BEFORE UPDATE OF wrapped_key ON cases WHEN OLD.id = {second.id} "
                    "BEGIN SELECT RAISE(ABORT, 'injected'); END")
            else:
                await connection.exec_driver_sql(
                    "CREATE FUNCTION fail_rotation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF OLD.id = {second.id} THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$")
                await connection.exec_driver_sql(
                    "CREATE TRIGGER fail_rotation BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION fail_rotation()")
        record = await store.cases.key_record()
        with pytest.raises(Exception, match="injected"):
            await keyring.rotate(store, home)
        assert await store.cases.key_record() == record
        fresh = CaseDesk(store, Keyring(home))
        for n, reference in enumerate(references):
            case = await store.cases.by_reference(reference)
            assert case is not None and (await fresh.open(case)).answers["details"] == f"Report {n}."


# -- purge -------------------------------------------------------------------------------------------------
async def test_finding_8_purge_shreds_the_case_even_with_the_bot_s_connection_open(home: Path) -> None:
    marker = "ZEBRA-CROSSING-7731 was said at the staff meeting"
    assert await in_thread(["keys", "init"]) == 0
    bot = await Store.open()  # the running bot: its connection stays open throughout
    try:
        desk = CaseDesk(bot, Keyring(home))
        done = await desk.submit(Submission("wendlebury", "grievance", "chair", "x", (RECIPIENT,), None, False,
                                            {"details": marker}))
        keep = await desk.submit(Submission("wendlebury", "grievance", "chair", "x", (RECIPIENT,), None, False,
                                            {"details": "Still open."}))
        await desk.add_information(done.case, marker + " again")  # an older sealed copy of it, superseded
        case = await bot.cases.by_reference(done.case.reference)
        assert case is not None and case.wrapped_key is not None and case.ciphertext is not None
        secrets_ = [case.wrapped_key, case.ciphertext, done.case.ciphertext or b""]
        await desk.withdraw(case)
        async with bot.database.sessions.begin() as session:
            await session.execute(update(CaseRow).where(CaseRow.id == case.id).values(
                closed_at=datetime.now(UTC) - timedelta(days=181)))
        assert await in_thread(["cases", "purge"]) == 0
        async with bot.database.sessions() as session:
            row = await session.scalar(select(CaseRow).where(CaseRow.id == case.id))
            assert row is not None and row.status == "purged" and row.wrapped_key is None and row.ciphertext is None
        assert (await desk.open(keep.case)).answers["details"] == "Still open."
        needles = [marker.encode()] + [blob[i:i + 16] for blob in secrets_ for i in (0, 12, len(blob) - 16)]
        files = [p for p in home.rglob("*") if p.is_file()]
        assert any(p.name == "protocol-bot.db" for p in files)
        for path in files:
            raw = path.read_bytes()
            assert not [n for n in needles if n in raw], path.name
        events = [e.event for e in await bot.audit.recent()]
        assert "case.purged" in events
    finally:
        await bot.close()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_purge_deletes_the_data_key_with_the_details_on_both_databases(backend: str, tmp_path: Path) -> None:
    async with open_store(backend, tmp_path) as store:
        home = tmp_path / "bot-home"
        await keyring.init(store, home)
        desk = CaseDesk(store, Keyring(home), retention=timedelta(0))
        done = await desk.submit(Submission("wendlebury", "grievance", "chair", "x", (RECIPIENT,), None, False,
                                            {"details": DETAILS}))
        fresh = await desk.submit(Submission("wendlebury", "grievance", "chair", "x", (RECIPIENT,), None, False,
                                             {"details": "Still open."}))
        await desk.withdraw(done.case)
        assert await desk.purge() == Purged([done.case.reference], None)
        purged = await store.cases.by_reference(done.case.reference)
        assert purged is not None and purged.status == "purged"
        assert purged.wrapped_key is None and purged.ciphertext is None
        assert (await desk.open(fresh.case)).answers["details"] == "Still open."


async def test_purge_keeps_cases_inside_the_retention_period(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await in_thread(["keys", "init"]) == 0
    old, recent = await submit(home), await submit(home)
    store = await Store.open()
    try:
        async with store.database.sessions.begin() as session:
            await session.execute(update(CaseRow).where(CaseRow.reference.in_([old, recent])).values(
                status="withdrawn", closed_at=datetime.now(UTC) - timedelta(days=181)))
            await session.execute(update(CaseRow).where(CaseRow.reference == recent).values(
                closed_at=datetime.now(UTC) - timedelta(days=10)))
    finally:
        await store.close()
    capsys.readouterr()
    assert await in_thread(["cases", "purge"]) == 0
    assert "Purged the details of 1 case(s)" in capsys.readouterr().out
    assert await read(home, old) == ("purged", "")
    assert await read(home, recent) == ("withdrawn", DETAILS)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_case_sealed_under_a_key_rotated_away_is_never_filed(backend: str, tmp_path: Path) -> None:
    """A worker still holding the old key after another process rotated it: its write is refused in the
    transaction (the desk then reloads the key and seals again)."""
    from bot.store.cases import KeyChanged, NewCase

    async with open_store(backend, tmp_path) as store:
        await keyring.init(store, tmp_path / "bot-home")
        stale = seal(MasterKey.generate(), "WEN-2026-0001", "{}")
        with pytest.raises(KeyChanged):
            await store.cases.create("WEN-2026-0001", NewCase("wendlebury", "concern", "clerk", "x", "h", False,
                                                              stale.key_id, stale.wrapped_key, stale.ciphertext), [1])
        assert await store.cases.count() == 0


async def keyed_chat(qa: Any, store: Store) -> tuple[Dialogue, MemoryAdapter]:
    """A bot over ``store`` whose key ``protocol-bot keys init`` made, and a terminal chat with it."""
    await keyring.init(store, qa.library.home)
    dialogue = Dialogue(qa, store, rate_limit=RateLimit(burst=1000))
    await dialogue.start()
    return dialogue, MemoryAdapter(dialogue, platform="terminal")


async def test_a_running_bot_follows_a_rotation_made_by_another_process(
        qa: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setenv(FILE_VAR, str(tmp_path / "secrets" / "case.key"))
    store = await Store.open()
    try:
        _, chat = await keyed_chat(qa, store)
        _, first, _ = await send_report(chat, await report_about_clerk(chat, "okafor"), "okafor")
        assert (await keyring.rotate(store, qa.library.home)).count == 1  # `protocol-bot keys rotate`, elsewhere
        assert "shouted at the clerk" in said(await chat.push(f"/cases {first}", user="whitcombe"))
        _, second, _ = await send_report(chat, await report_about_clerk(chat, "hollins"), "hollins")
        assert "shouted at the clerk" in said(await chat.push(f"/cases {second}", user="whitcombe"))
        record = await store.cases.key_record()
        assert record is not None and {str(k) for (k,) in await rows("key_id")} == {record.key_id}
    finally:
        await store.close()


async def test_finding_3_a_bot_running_with_a_stray_key_seals_nothing_under_it(
        qa: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Started without the start-up check (a process embedding the Dialogue): a report typed under a key that is
    not the database's is refused politely and nothing is filed, so restoring the right key loses nothing."""

    monkeypatch.setenv(FILE_VAR, str(tmp_path / "secrets" / "case.key"))
    store = await Store.open()
    try:
        dialogue, chat = await keyed_chat(qa, store)
        _, reference, code = await send_report(chat, await report_about_clerk(chat, "okafor"), "okafor")
        monkeypatch.setenv(ENV_VAR, MasterKey.generate().encoded())  # a stray key, for a fresh process
        stray = Dialogue(qa, store, rate_limit=RateLimit(burst=1000))
        await stray.start()
        chat = MemoryAdapter(stray, platform="terminal")
        assert "key that protects them is not set up correctly" in said(await chat.push(f"/case {code}", user="okafor"))
        replies = await report_about_clerk(chat, "hollins")
        replies = await chat.press([r for r in replies if r.buttons][-1], "Yes, send a report", user="hollins",
                                   chat="dm-hollins")
        replies = await chat.push("It happened again.", user="hollins")
        for label in ("Yes, show my name", "Send"):
            replies = await chat.press([r for r in replies if r.buttons][-1], label, user="hollins",
                                       chat="dm-hollins")
        assert "key that protects them is not set up correctly" in said(replies)
        assert [r.kind for r in replies] == ["not_delivered"] and await store.cases.count() == 1
        monkeypatch.delenv(ENV_VAR)
        assert "shouted at the clerk" in said(await MemoryAdapter(dialogue, platform="terminal").push(
            f"/cases {reference}", user="whitcombe"))
    finally:
        await store.close()
