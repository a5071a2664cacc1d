"""Operator upkeep of confidential cases: master key rotation and retention purge, via the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from adapters.cli.main import main
from bot.cases.desk import CaseDesk, Submission
from bot.cases.keys import ENV_VAR, load_master_key
from bot.people import Member
from bot.store import Store
from bot.store.models import CaseRow

DETAILS = "The chair told me in front of everyone that I would be sacked."


async def submit(home: Path) -> str:
    store = await Store.open()
    try:
        desk = CaseDesk(store, lambda: load_master_key(home))
        recipient = Member(id=1, council="wendlebury", name="Cllr Alan Whitcombe", roles=("committee chair",))
        done = await desk.submit(Submission("wendlebury", "grievance", "chair", "the Chairman of the Staffing "
                                            "Committee", (recipient,), None, False, {"details": DETAILS}))
        return done.case.reference
    finally:
        await store.close()


async def read(home: Path, reference: str) -> tuple[str, str]:
    store = await Store.open()
    try:
        case = await store.cases.by_reference(reference)
        assert case is not None
        content = CaseDesk(store, lambda: load_master_key(home)).open(case)
        return case.status, content.answers.get("details", "")
    finally:
        await store.close()


async def test_rotation_rewraps_cases_under_a_new_key(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    reference = await submit(home)
    old = load_master_key(home)
    assert await asyncio_main(["keys", "rotate"]) == 0
    assert "Re-wrapped 1 case(s)" in capsys.readouterr().out
    assert load_master_key(home) != old
    assert await read(home, reference) == ("open", DETAILS)


async def test_purge_deletes_details_after_retention_and_keeps_the_record(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    reference = await submit(home)
    fresh = await submit(home)
    store = await Store.open()
    try:
        async with store.database.sessions.begin() as session:
            await session.execute(update(CaseRow).where(CaseRow.reference.in_([reference, fresh])).values(
                status="withdrawn", closed_at=datetime.now(UTC) - timedelta(days=181)))
            await session.execute(update(CaseRow).where(CaseRow.reference == fresh).values(
                closed_at=datetime.now(UTC) - timedelta(days=10)))
    finally:
        await store.close()
    assert await asyncio_main(["cases", "purge"]) == 0
    assert "Purged the details of 1 case(s)" in capsys.readouterr().out
    assert await read(home, reference) == ("purged", "")
    assert await read(home, fresh) == ("withdrawn", DETAILS)


async def asyncio_main(argv: list[str]) -> int:
    """The commands run their own event loop: run them in a thread so this test's loop stays free."""
    import asyncio

    return await asyncio.to_thread(main, argv)
