"""Linking an account to someone who receives reports about the Clerk (or may confirm changes to that) needs a second
person (issue 14): the Clerk issuing a link code for the recipient and redeeming it from a second account of her
own, the Chair confirming or refusing, the member and the recipients told, cases filed before the link never read
from the linked account, link codes kept as keyed hashes.

Real Dialogue through the in-memory adapter, Wendlebury's own routing (reports about the Clerk go to the chair of
the Staffing committee, Cllr Alan Whitcombe; the Chair, Cllr Priya Nandakumar, confirms), the store on SQLite and
PostgreSQL; nothing of ours is mocked.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.memory import MemoryAdapter
from bot.cases.keyring import Keyring
from bot.codes import code_hash
from bot.linking import KEY_PROBLEM, link_hash
from bot.messages import Reply
from bot.qa import QaService
from bot.store import Store
from bot.store.models import utcnow
from bot.store.role_changes import LAPSE_AFTER
from tests.databases import BACKENDS, empty_database, migrate
from tests.test_flows import DETAILS, report_about_clerk, said, send_report
from tests.test_roster_confirmation import custom, custom_qa, notified, own, to  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("case_key")

CHAIR = "the Chair (Cllr Priya Nandakumar)"
LINK = "link a terminal account to Cllr Alan Whitcombe"
NOT_ON_ROSTER = "not on a council roster"


def held_notice(n: int, issuer: str = "Margaret Ashdown", confirmer: str = CHAIR) -> str:
    return (f"{issuer} issued a link code for Cllr Alan Whitcombe, and it was used from a terminal account to link "
            f"that account to Cllr Alan Whitcombe's roster entry (change {n}). Cllr Alan Whitcombe receives reports "
            f"about the Clerk, so a second person must confirm it. Within 7 days it needs confirming by {confirmer}; "
            "until then the account is not linked.")


def ask(n: int) -> str:
    return (f" You can confirm it with /role confirm {n} or refuse it with /role refuse {n} (/role pending lists what "
            "is waiting).")


def change_number(replies: list[Reply]) -> int:
    found = re.search(r"Change (\d+):", own(replies))
    assert found is not None, own(replies)
    return int(found.group(1))


async def code_for(chat: MemoryAdapter, name: str, *, by: str = "clerk") -> str:
    issued = said(await chat.push(f"/linkcode {name}", user=by))
    return issued.split(f"Link code for {name}: ", 1)[1].split()[0]


async def whoami(chat: MemoryAdapter, user: str) -> str:
    return said(await chat.push("/whoami", user=user))


async def filed_about_the_clerk(chat: MemoryAdapter) -> str:
    _, reference, _ = await send_report(chat, await report_about_clerk(chat, "okafor"), "okafor")
    return reference


async def test_the_clerk_linking_her_second_account_to_the_recipient_waits_for_the_chair(
        terminal: MemoryAdapter) -> None:
    reference = await filed_about_the_clerk(terminal)
    code = await code_for(terminal, "Cllr Alan Whitcombe")
    held = await terminal.push(f"/link {code}", user="clerk-phone")
    n = change_number(held)
    assert own(held) == (
        f"Not linked yet: Cllr Alan Whitcombe receives reports about the Clerk, so a second person must confirm "
        f"linking a new account to that roster entry. Change {n}: link this terminal account to Cllr Alan Whitcombe. "
        f"Within 7 days it needs confirming by {CHAIR}; until then the account is not linked. I have told Cllr Alan "
        "Whitcombe on the accounts already linked to that entry, and the Chair.")
    assert to(held, "whitcombe") == held_notice(n) + (
        " If the account is not yours, tell the Chair so that it is refused.")
    assert to(held, "chair") == held_notice(n) + (
        " Check with Cllr Alan Whitcombe that the account is theirs first." + ask(n))
    assert notified(held) == {"whitcombe", "chair"}  # not the Clerk, not Okafor
    for shown in (own(held), to(held, "whitcombe"), to(held, "chair")):
        assert reference not in shown and DETAILS not in shown

    # Pending: the account is nobody's, and reads nothing.
    assert NOT_ON_ROSTER in await whoami(terminal, "clerk-phone")
    assert reference not in said(await terminal.push("/cases", user="clerk-phone"))
    assert DETAILS not in said(await terminal.push(f"/cases {reference}", user="clerk-phone"))
    listing = said(await terminal.push("/role pending", user="chair"))
    assert listing.startswith(f"Roster changes waiting for confirmation:\n  {n}. {LINK}, with a link code issued by "
                              "Margaret Ashdown on ")

    # Never the Clerk (who issued the code), never anyone but the Chair.
    assert said(await terminal.push(f"/role confirm {n}", user="clerk")) == (
        "A Clerk can never confirm or refuse a change to who receives reports about the Clerk.")
    for user in ("whitcombe", "okafor", "deputy"):
        assert said(await terminal.push(f"/role confirm {n}", user=user)) == f"Only {CHAIR} can confirm change {n}."
    assert NOT_ON_ROSTER in await whoami(terminal, "clerk-phone")

    # The Chair is fooled and confirms: the account is Whitcombe's now, yet the case filed before stays closed to it.
    confirmed = await terminal.push(f"/role confirm {n}", user="chair")
    assert own(confirmed) == (f"Confirmed change {n}: {LINK}. That terminal account is now Cllr Alan Whitcombe's.")
    told = (f"Cllr Priya Nandakumar confirmed change {n}, with a link code issued by Margaret Ashdown: {LINK}. "
            "It is linked now.")
    assert to(confirmed, "whitcombe") == to(confirmed, "clerk") == to(confirmed, "clerk-phone") == told
    assert notified(confirmed) == {"whitcombe", "clerk", "clerk-phone"}
    assert "You are Cllr Alan Whitcombe" in await whoami(terminal, "clerk-phone")
    assert reference not in said(await terminal.push("/cases", user="clerk-phone"))
    read = said(await terminal.push(f"/cases {reference}", user="clerk-phone"))
    assert DETAILS not in read and "No case with that reference" in read
    assert DETAILS in said(await terminal.push(f"/cases {reference}", user="whitcombe"))  # his own account still does

    # What the Chair's confirmation guards: a case filed after it reaches every account on Whitcombe's entry.
    later = await filed_about_the_clerk(terminal)
    assert later in said(await terminal.push("/cases", user="clerk-phone"))


async def test_the_chair_refuses_and_the_account_is_never_linked(terminal: MemoryAdapter) -> None:
    code = await code_for(terminal, "Cllr Alan Whitcombe")
    n = change_number(await terminal.push(f"/link {code}", user="clerk-phone"))
    refused = await terminal.push(f"/role refuse {n}", user="chair")
    assert own(refused) == f"Refused change {n}: {LINK}. Nothing was linked."
    told = (f"Cllr Priya Nandakumar refused change {n}, with a link code issued by Margaret Ashdown: {LINK}. "
            "Nothing was linked.")
    assert to(refused, "whitcombe") == to(refused, "clerk") == to(refused, "clerk-phone") == told
    assert NOT_ON_ROSTER in await whoami(terminal, "clerk-phone")
    assert said(await terminal.push(f"/link {code}", user="clerk-phone")).startswith("That code is not valid")
    assert said(await terminal.push(f"/role confirm {n}", user="chair")) == f"Change {n} was already refused."


async def test_the_clerk_moving_her_own_account_onto_the_recipient_waits_too(terminal: MemoryAdapter) -> None:
    reference = await filed_about_the_clerk(terminal)
    code = await code_for(terminal, "Cllr Alan Whitcombe")
    held = await terminal.push(f"/link {code}", user="clerk")
    assert own(held).startswith("Not linked yet: Cllr Alan Whitcombe receives reports about the Clerk")
    assert "You are Margaret Ashdown (clerk, rfo)" in await whoami(terminal, "clerk")  # still hers
    assert reference not in said(await terminal.push("/cases", user="clerk"))


async def test_the_chair_s_own_entry_is_guarded_and_she_is_asked(terminal: MemoryAdapter) -> None:
    code = await code_for(terminal, "Cllr Priya Nandakumar")
    held = await terminal.push(f"/link {code}", user="chair-phone")
    n = change_number(held)
    assert own(held).startswith(
        "Not linked yet: Cllr Priya Nandakumar may confirm changes to who receives reports about the Clerk, so a "
        "second person must confirm linking a new account to that roster entry.")
    assert to(held, "chair") == (
        f"Margaret Ashdown issued a link code for Cllr Priya Nandakumar, and it was used from a terminal account to "
        f"link that account to Cllr Priya Nandakumar's roster entry (change {n}). Cllr Priya Nandakumar may confirm "
        "changes to who receives reports about the Clerk, so a second person must confirm it. Within 7 days it needs "
        f"confirming by {CHAIR}; until then the account is not linked. If the account is not yours, tell the Chair "
        "so that it is refused." + ask(n))
    assert notified(held) == {"chair", "whitcombe"}
    assert said(await terminal.push(f"/role confirm {n}", user="chair")).startswith(f"Confirmed change {n}:")
    assert "You are Cllr Priya Nandakumar" in await whoami(terminal, "chair-phone")


async def test_the_holder_of_the_account_cannot_confirm_its_link(terminal: MemoryAdapter) -> None:
    code = await code_for(terminal, "Cllr Alan Whitcombe")
    n = change_number(await terminal.push(f"/link {code}", user="chair"))
    assert said(await terminal.push(f"/role confirm {n}", user="chair")) == (
        f"The account change {n} would link is yours now, so you cannot confirm it.")
    assert "You are Cllr Priya Nandakumar" in await whoami(terminal, "chair")


async def test_linking_to_anyone_else_is_made_at_once_and_tells_nobody(terminal: MemoryAdapter) -> None:
    reference = await filed_about_the_clerk(terminal)
    code = await code_for(terminal, "Cllr Ruth Okafor")
    linked = await terminal.push(f"/link {code}", user="ruth-laptop")
    assert said(linked) == "Linked: you are Cllr Ruth Okafor (councillor) of wendlebury."
    assert [r.kind for r in linked] == ["linked"]
    assert said(await terminal.push("/role pending", user="chair")) == "No roster changes are waiting for confirmation."
    # Whitcombe's own account, linked again, changes nothing and keeps reading his cases.
    code = await code_for(terminal, "Cllr Alan Whitcombe")
    assert said(await terminal.push(f"/link {code}", user="whitcombe")) == (
        "Linked: you are Cllr Alan Whitcombe (councillor, committee chair (Staffing)) of wendlebury.")
    assert DETAILS in said(await terminal.push(f"/cases {reference}", user="whitcombe"))


async def test_a_recipient_on_another_platform_is_told_through_the_outbox(terminal: MemoryAdapter,
                                                                          store: Store) -> None:
    whitcombe = await store.members.by_identity("terminal", "whitcombe")
    assert whitcombe is not None
    await store.members.link(whitcombe.id, "telegram", "7001")
    code = await code_for(terminal, "Cllr Alan Whitcombe")
    n = change_number(await terminal.push(f"/link {code}", user="clerk-phone"))
    async with store.database.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT b.content, d.platform, d.recipient FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
            "WHERE b.kind = 'direct'"))).all()
    assert [(r.platform, r.recipient) for r in rows] == [("telegram", "7001")]
    content: Any = rows[0].content
    if isinstance(content, str):
        content = json.loads(content)
    assert content == [{"text": held_notice(n) + " If the account is not yours, tell the Chair so that it is "
                                                 "refused."}]


async def test_a_link_nobody_confirms_lapses(terminal: MemoryAdapter, store: Store) -> None:
    code = await code_for(terminal, "Cllr Alan Whitcombe")
    n = change_number(await terminal.push(f"/link {code}", user="clerk-phone"))
    async with store.database.engine.begin() as connection:
        await connection.execute(text("UPDATE role_changes SET created_at = :at"),
                                 {"at": utcnow() - LAPSE_AFTER - timedelta(minutes=1)})
    assert said(await terminal.push(f"/role confirm {n}", user="chair")).startswith(f"Change {n} lapsed")
    assert NOT_ON_ROSTER in await whoami(terminal, "clerk-phone")


async def test_the_one_who_issued_the_code_never_confirms(custom: MemoryAdapter) -> None:  # noqa: F811
    """The profile where the Vice-Chair confirms and the Deputy Clerk (who administers) is a Vice-Chair."""
    code = await code_for(custom, "Cllr Alan Whitcombe", by="deputy")
    held = await custom.push(f"/link {code}", user="stranger")
    n = change_number(held)
    confirmers = "the Chair (Cllr Priya Nandakumar) or another member holding the role vice-chair (Cllr Ruth Okafor)"
    assert to(held, "whitcombe") == held_notice(n, "Tom Fairweather", confirmers) + (
        " If the account is not yours, tell the Vice-Chair so that it is refused.")
    assert notified(held) == {"whitcombe", "chair", "okafor"}
    assert said(await custom.push(f"/role confirm {n}", user="deputy")) == (
        f"You issued the link code for change {n}, so you cannot confirm it; it needs {confirmers}.")
    assert said(await custom.push(f"/role confirm {n}", user="okafor")).startswith(f"Confirmed change {n}:")
    assert "You are Cllr Alan Whitcombe" in await whoami(custom, "stranger")


# --- the codes themselves ---------------------------------------------------------------------------------------


async def test_link_codes_are_kept_as_keyed_hashes(terminal: MemoryAdapter, store: Store, qa: QaService) -> None:
    code = await code_for(terminal, "Cllr Ruth Okafor")
    async with store.database.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT code_hash, issued_by FROM link_codes"))).all()
    clerk = await store.members.by_identity("terminal", "clerk")
    assert clerk is not None
    secret = (await Keyring(qa.library.home).keys(store)).receipt_secret
    assert [(r.code_hash, r.issued_by) for r in rows] == [(link_hash(secret, code), clerk.id)]
    assert rows[0].code_hash != code_hash("link", code)
    assert code not in str(rows)


async def test_without_the_case_key_no_code_is_issued_or_taken(terminal: MemoryAdapter,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cases.keys import ENV_VAR

    code = await code_for(terminal, "Cllr Ruth Okafor")
    monkeypatch.delenv(ENV_VAR)
    assert said(await terminal.push("/linkcode Cllr Ruth Okafor", user="clerk")) == KEY_PROBLEM
    assert said(await terminal.push(f"/link {code}", user="ruth-laptop")) == KEY_PROBLEM
    assert NOT_ON_ROSTER in await whoami(terminal, "ruth-laptop")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migration_0010_adds_the_issuer_drops_old_codes_and_goes_back(backend: str, tmp_path: Path) -> None:
    from sqlalchemy import inspect

    from bot.store.database import Database
    from bot.store.migrate import head

    async def columns(database: Database) -> set[str]:
        async with database.engine.connect() as connection:
            found = await connection.run_sync(lambda c: inspect(c).get_columns("link_codes"))
            return {column["name"] for column in found}

    async def check(database: Database) -> None:
        await migrate(database, "0009")
        async with database.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO members (council, name, roles, source) VALUES ('wendlebury', 'A', '[]', 'config')"))
            await connection.execute(text(
                "INSERT INTO link_codes (code_hash, member_id, expires_at) SELECT 'old', id, :at FROM members"),
                {"at": utcnow() + timedelta(days=1)})
        assert "issued_by" not in await columns(database)
        assert await database.upgrade() == head() == "0013"
        assert "issued_by" in await columns(database)
        async with database.engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM link_codes"))).scalar() == 0
        await migrate(database, "0009", down=True)
        assert "issued_by" not in await columns(database)

    async with empty_database(backend, tmp_path) as database:
        await check(database)


async def test_a_linked_account_survives_a_restart(terminal: MemoryAdapter, qa: QaService, store: Store) -> None:
    """The roster file names Okafor's terminal handle only; the account she linked with /link is hers after the
    bot restarts (each start syncs the file, and used to replace her accounts by the file's)."""
    from bot.dialogue import Dialogue
    from bot.middleware import RateLimit

    code = await code_for(terminal, "Cllr Ruth Okafor")
    assert said(await terminal.push(f"/link {code}", user="ruth-laptop")).startswith("Linked: you are Cllr Ruth Okafor")
    restarted = Dialogue(qa, store, rate_limit=RateLimit(burst=1000))
    await restarted.start()
    again = MemoryAdapter(restarted, platform="terminal")
    assert "Cllr Ruth Okafor" in await whoami(again, "ruth-laptop")
    assert "Cllr Ruth Okafor" in await whoami(again, "okafor")
