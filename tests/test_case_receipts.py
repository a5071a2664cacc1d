"""Receipt codes against guessing (issue 14, finding 9): a keyed hash the database alone cannot test, wrong codes
limited per person and across everyone, and the right code never locked out. Real Dialogue, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from adapters.memory import MemoryAdapter
from bot.cases.desk import ALL_ATTEMPTS_PER_HOUR, ATTEMPTS_PER_HOUR
from bot.codes import code_hash
from bot.store import Store
from tests.test_flows import report_about_clerk, said, send_report

pytestmark = pytest.mark.usefixtures("case_key")

WRONG = "ABCD-EFGH-JKMN-PQRS"




async def test_the_database_alone_cannot_test_a_receipt_code(terminal: MemoryAdapter, store: Store) -> None:
    _, reference, code = await send_report(terminal, await report_about_clerk(terminal, "okafor"), "okafor")
    async with store.database.engine.connect() as connection:
        stored = (await connection.execute(text("SELECT receipt_hash FROM cases"))).scalar_one()
    assert stored != code_hash("receipt", code)  # an unkeyed hash could be checked against guesses offline
    assert reference in said(await terminal.push(f"/case {code}", user="okafor"))


async def test_guessing_from_many_accounts_is_refused_and_the_right_code_still_works(terminal: MemoryAdapter) -> None:
    _, reference, code = await send_report(terminal, await report_about_clerk(terminal, "okafor"), "okafor")
    answers = [said(await terminal.push(f"/case {WRONG}", user=f"guesser-{n}"))
               for n in range(ALL_ATTEMPTS_PER_HOUR + 5)]
    assert all("can't find a case" in a for a in answers[:ALL_ATTEMPTS_PER_HOUR])
    assert all("Too many wrong codes" in a for a in answers[ALL_ATTEMPTS_PER_HOUR:])
    # The budget spent by guessers never locks the reporter out, nor does a fresh account's right code fail.
    assert f"{reference}: open" in said(await terminal.push(f"/case {code}", user="okafor"))
    assert f"{reference}: open" in said(await terminal.push(f"/case {code}", user="guesser-0"))


async def test_a_person_s_own_wrong_codes_never_lock_out_the_right_one(terminal: MemoryAdapter) -> None:
    _, reference, code = await send_report(terminal, await report_about_clerk(terminal, "okafor"), "okafor")
    for _ in range(ATTEMPTS_PER_HOUR):
        assert "can't find a case" in said(await terminal.push(f"/case {WRONG}", user="okafor"))
    assert "Too many wrong codes" in said(await terminal.push(f"/case {WRONG}", user="okafor"))
    assert f"{reference}: open" in said(await terminal.push(f"/case {code}", user="okafor"))
    assert "Added to" in said(await terminal.push(f"/case {code} add One more thing.", user="okafor"))


async def test_a_code_hashed_before_keyed_hashes_still_works_once_and_is_rehashed(terminal: MemoryAdapter,
                                                                                 store: Store) -> None:
    _, reference, code = await send_report(terminal, await report_about_clerk(terminal, "okafor"), "okafor")
    async with store.database.engine.begin() as connection:  # as a case filed before migration 0006 holds it
        await connection.execute(text("UPDATE cases SET receipt_hash = :h"), {"h": code_hash("receipt", code)})
    assert f"{reference}: open" in said(await terminal.push(f"/case {code}", user="okafor"))
    async with store.database.engine.connect() as connection:
        stored = (await connection.execute(text("SELECT receipt_hash FROM cases"))).scalar_one()
    assert stored != code_hash("receipt", code)
    assert f"{reference}: open" in said(await terminal.push(f"/case {code}", user="okafor"))
