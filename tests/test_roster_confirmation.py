"""A change to who receives reports about the Clerk needs a second person, and the current recipients are told
(issue 14, "Routing fixed at submission"): the Clerk as attacker through the terminal chat, the Chair confirming or
refusing, the recipients' direct messages (here, and through the outbox), restarts, lapsing after 7 days.

Real Dialogue through the in-memory adapter, Wendlebury's own routing (reports about the Clerk go to the chair of
the Staffing committee, Cllr Alan Whitcombe), the store on SQLite and PostgreSQL; nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.memory import MemoryAdapter
from bot.dialogue import Dialogue
from bot.messages import Reply
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store
from bot.store.models import utcnow
from bot.store.role_changes import CONFIRMED, LAPSE_AFTER, REFUSED
from config.routing import RoutingConfigError, load_routing
from config.settings import CONFIG_DIR
from knowledge.embedding import HashEmbedder
from knowledge.library import Library
from tests.databases import BACKENDS, empty_database, migrate
from tests.test_flows import DETAILS, report_about_clerk, said, send_report

pytestmark = pytest.mark.usefixtures("case_key")

CLERKALT = "add clerkalt to the roster as committee chair (Staffing)"
ASKED_CLERKALT = (
    "Margaret Ashdown asked for a roster change that changes who receives reports about the Clerk: "
    f"{CLERKALT} (change {{n}}). Reports about the Clerk would go to Cllr Alan Whitcombe and clerkalt instead of "
    "Cllr Alan Whitcombe. Within 7 days it needs confirming by the Chair (Cllr Priya Nandakumar); until then nothing "
    "changes.")


def to(replies: list[Reply], user: str) -> str:
    """What ``user`` was sent as a direct message in these replies."""
    return "\n".join(r.plain() for r in replies if r.target is not None and r.target.user_id == user)


def own(replies: list[Reply]) -> str:
    """What the sender sees."""
    return "\n".join(r.plain() for r in replies if r.target is None)


def notified(replies: list[Reply]) -> set[str]:
    return {r.target.user_id or "" for r in replies if r.kind == "roster_notice" and r.target is not None}


def number(replies: list[Reply]) -> int:
    found = re.search(r"Change (\d+):", own(replies))
    assert found is not None, own(replies)
    return int(found.group(1))


async def whoami(terminal: MemoryAdapter, user: str) -> str:
    return said(await terminal.push("/whoami", user=user))


async def test_the_clerk_adding_a_recipient_waits_for_the_chair_and_the_recipient_is_told(
        terminal: MemoryAdapter) -> None:
    asked = await terminal.push("/role add clerkalt committee chair Staffing", user="clerk")
    n = number(asked)
    assert own(asked) == (
        f"Not changed yet: this changes who receives reports about the Clerk, so a second person must confirm it. "
        f"Change {n}: {CLERKALT}. Reports about the Clerk would go to Cllr Alan Whitcombe and clerkalt instead of "
        "Cllr Alan Whitcombe. Within 7 days it needs confirming by the Chair (Cllr Priya Nandakumar); until then "
        "nothing changes. I have told the people who receive reports about the Clerk.")
    assert to(asked, "whitcombe") == ASKED_CLERKALT.format(n=n)
    assert to(asked, "chair") == ASKED_CLERKALT.format(n=n) + (
        f" You can confirm it with /role confirm {n} or refuse it with /role refuse {n} (/role pending lists what is "
        "waiting).")
    assert notified(asked) == {"whitcombe", "chair"}  # not okafor, not the Clerk herself
    assert "not on a council roster" in await whoami(terminal, "clerkalt")  # nothing made yet

    listing = said(await terminal.push("/role pending", user="chair"))
    assert listing.startswith(f"Roster changes waiting for confirmation:\n  {n}. {CLERKALT}, asked by Margaret "
                              "Ashdown on ")
    assert listing.endswith("Confirm one with /role confirm N, or refuse it with /role refuse N.")

    confirmed = await terminal.push(f"/role confirm {n}", user="chair")
    assert own(confirmed) == (f"Confirmed change {n}: {CLERKALT}. clerkalt (committee chair (Staffing)) of wendlebury. "
                              "Reports about the Clerk now go to Cllr Alan Whitcombe and clerkalt.")
    made = (f"Cllr Priya Nandakumar confirmed change {n}, asked by Margaret Ashdown: {CLERKALT}. It is made now. "
            "Reports about the Clerk now go to Cllr Alan Whitcombe and clerkalt.")
    assert to(confirmed, "whitcombe") == to(confirmed, "clerk") == to(confirmed, "clerkalt") == made
    assert notified(confirmed) == {"whitcombe", "clerk", "clerkalt"}
    assert "You are clerkalt (committee chair (Staffing))" in await whoami(terminal, "clerkalt")
    assert said(await terminal.push(f"/role confirm {n}", user="chair")) == f"Change {n} was already confirmed."
    assert said(await terminal.push("/role pending", user="chair")) == "No roster changes are waiting for confirmation."


async def test_the_chair_refuses_and_nothing_changes(terminal: MemoryAdapter) -> None:
    n = number(await terminal.push("/role remove whitcombe committee chair", user="clerk"))
    refused = await terminal.push(f"/role refuse {n}", user="chair")
    what = "take the role committee chair (Staffing) from Cllr Alan Whitcombe"
    assert own(refused) == f"Refused change {n}: {what}. Nothing was changed."
    told = f"Cllr Priya Nandakumar refused change {n}, asked by Margaret Ashdown: {what}. Nothing was changed."
    assert to(refused, "whitcombe") == to(refused, "clerk") == told
    assert "(councillor, committee chair (Staffing))" in await whoami(terminal, "whitcombe")
    assert said(await terminal.push(f"/role confirm {n}", user="chair")) == f"Change {n} was already refused."


async def test_nobody_but_the_chair_confirms_and_never_a_clerk(terminal: MemoryAdapter) -> None:
    n = number(await terminal.push("/role add clerkalt committee chair Staffing", user="clerk"))
    for verb in ("confirm", "refuse"):
        assert said(await terminal.push(f"/role {verb} {n}", user="clerk")) == (
            "A Clerk can never confirm or refuse a change to who receives reports about the Clerk.")
    for user in ("whitcombe", "okafor", "deputy", "hollins"):
        assert said(await terminal.push(f"/role confirm {n}", user=user)) == (
            f"Only the Chair (Cllr Priya Nandakumar) can confirm change {n}.")
    assert said(await terminal.push(f"/role confirm {n}", user="stranger")) == "Sorry, /role is only for the Clerk."
    assert said(await terminal.push("/role pending", user="okafor")) == (
        "Sorry, /role pending is only for the Clerk and the Chair.")
    assert said(await terminal.push("/role confirm 999", user="chair")) == (
        "There is no change 999 waiting for confirmation.")
    # Nor can she make the Chair a Clerk (then the Chair could not confirm) or add a Chair of her own choosing.
    for change in ("/role add chair clerk", "/role add sock chair"):
        replies = await terminal.push(change, user="clerk")
        assert own(replies).startswith("Not changed yet: this changes who may confirm changes to who receives "
                                       "reports about the Clerk, so a second person must confirm it.")
    assert "not on a council roster" in await whoami(terminal, "clerkalt")
    assert "not on a council roster" in await whoami(terminal, "sock")
    assert "You are Cllr Priya Nandakumar (councillor, chair)" in await whoami(terminal, "chair")


async def test_finding_1_every_way_of_moving_reports_about_the_clerk_waits(terminal: MemoryAdapter) -> None:
    """The issue's own sequence, and the other ways round: a new member, a committee renamed, a recipient made
    Clerk, the Clerk dropping her own role while she chairs Staffing, a recipient removed from the roster."""
    pending = [
        "/role remove whitcombe committee chair",
        "/role add whitcombe committee chair Planning",
        "/role add clerkalt committee chair Staffing",
        "/role add whitcombe clerk",
    ]
    for change in pending:
        assert own(await terminal.push(change, user="clerk")).startswith("Not changed yet"), change
    # Leaving him the Staffing chair alone changes nobody who receives: made at once, as before.
    assert said(await terminal.push("/role remove whitcombe councillor", user="clerk")) == (
        "Cllr Alan Whitcombe (committee chair (Staffing)) of wendlebury.")
    assert own(await terminal.push("/role remove whitcombe committee chair", user="clerk")).startswith(
        "Not changed yet")  # his last role: removing him from the roster
    # As Clerk she receives nothing, so chairing Staffing is made; giving up the Clerk role then is not.
    assert said(await terminal.push("/role add clerk committee chair Staffing", user="clerk")) == (
        "Margaret Ashdown (clerk, rfo, committee chair (Staffing)) of wendlebury.")
    assert own(await terminal.push("/role remove clerk clerk", user="clerk")).startswith("Not changed yet")
    assert "You are Cllr Alan Whitcombe (committee chair (Staffing))" in await whoami(terminal, "whitcombe")
    waiting = said(await terminal.push("/role pending", user="chair")).splitlines()
    assert len(waiting) == 1 + len(pending) + 2 + 1  # heading, the six changes, how to confirm

    # A report about the Clerk filed now still goes to Whitcombe alone.
    replies = await report_about_clerk(terminal, "okafor")
    sent, reference, _ = await send_report(terminal, replies, "okafor")
    assert {r.target.user_id for r in sent if r.kind == "case_notice" and r.target} == {"whitcombe"}
    assert reference not in said(await terminal.push("/cases", user="clerkalt"))
    assert DETAILS in said(await terminal.push(f"/cases {reference}", user="whitcombe"))


async def test_changes_that_touch_no_recipient_work_as_before_and_tell_nobody(terminal: MemoryAdapter) -> None:
    for change, expected in [
        ("/role add @newbie councillor", "newbie (councillor) of wendlebury."),
        ("/role add okafor officer", "Cllr Ruth Okafor (councillor, officer) of wendlebury."),
        ("/role remove hollins committee chair", "Cllr Gareth Hollins (councillor) of wendlebury."),
        ("/role add hollins committee chair Finance", "Cllr Gareth Hollins (councillor, committee chair (Finance)) "
                                                      "of wendlebury."),
        ("/role remove newbie councillor", "newbie has no roles left and is no longer on the roster."),
    ]:
        replies = await terminal.push(change, user="clerk")
        assert said(replies) == expected and [r.kind for r in replies] == ["roles"]
    assert said(await terminal.push("/role pending", user="chair")) == "No roster changes are waiting for confirmation."
    refused = said(await terminal.push("/role remove okafor chair", user="clerk"))
    assert refused == "okafor does not have the role chair."


async def test_notices_never_say_anything_about_a_case(terminal: MemoryAdapter) -> None:
    replies = await report_about_clerk(terminal, "okafor")
    _, reference, code = await send_report(terminal, replies, "okafor")
    n = number(await terminal.push("/role add clerkalt committee chair Staffing", user="clerk"))
    everything = [*await terminal.push("/role pending", user="chair"),
                  *await terminal.push(f"/role confirm {n}", user="chair")]
    shown = said(everything)
    for secret in (reference, code, DETAILS, "confidential", "okafor", "Okafor"):
        assert secret not in shown
    assert reference not in said(await terminal.push("/cases", user="clerkalt"))  # fixed when it was filed


async def test_recipients_on_other_platforms_are_told_through_the_outbox(terminal: MemoryAdapter,
                                                                         store: Store) -> None:
    whitcombe = await store.members.by_identity("terminal", "whitcombe")
    assert whitcombe is not None
    await store.members.link(whitcombe.id, "telegram", "7001")
    asked = await terminal.push("/role add clerkalt committee chair Staffing", user="clerk")
    n = number(asked)
    async with store.database.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT b.content, d.platform, d.recipient, d.status, b.needs_ack FROM deliveries d "
            "JOIN broadcasts b ON b.id = d.broadcast_id WHERE b.kind = 'direct'"))).all()
    assert [(r.platform, r.recipient, r.status) for r in rows] == [("telegram", "7001", "pending")]
    content: Any = rows[0].content
    if isinstance(content, str):
        content = json.loads(content)
    assert content == [{"text": ASKED_CLERKALT.format(n=n)}] and not rows[0].needs_ack
    assert to(asked, "whitcombe") == ASKED_CLERKALT.format(n=n)  # and here, with the turn's replies


async def test_a_pending_change_survives_a_restart(qa: QaService, store: Store, terminal: MemoryAdapter) -> None:
    n = number(await terminal.push("/role add clerkalt committee chair Staffing", user="clerk"))
    again = await Store.open(store.database.url, schema=store.database.schema)
    try:
        restarted = Dialogue(qa, again, rate_limit=RateLimit(burst=1000))
        await restarted.start()
        chat = MemoryAdapter(restarted, platform="terminal")
        assert f"  {n}. {CLERKALT}, asked by" in said(await chat.push("/role pending", user="chair"))
        assert said(await chat.push(f"/role confirm {n}", user="chair")).startswith(f"Confirmed change {n}:")
        assert "committee chair (Staffing)" in await whoami(chat, "clerkalt")
    finally:
        await again.close()


async def test_a_change_nobody_confirms_lapses_after_7_days(terminal: MemoryAdapter, store: Store) -> None:
    n = number(await terminal.push("/role add clerkalt committee chair Staffing", user="clerk"))
    async with store.database.engine.begin() as connection:
        await connection.execute(text("UPDATE role_changes SET created_at = :at"),
                                 {"at": utcnow() - LAPSE_AFTER - timedelta(minutes=1)})
    assert said(await terminal.push("/role pending", user="chair")) == "No roster changes are waiting for confirmation."
    assert said(await terminal.push(f"/role confirm {n}", user="chair")) == (
        f"Change {n} lapsed: nobody confirmed it within 7 days, so nothing was changed. The Clerk can ask for it "
        "again.")
    assert "not on a council roster" in await whoami(terminal, "clerkalt")


async def test_two_decisions_at_once_only_one_counts(terminal: MemoryAdapter, store: Store) -> None:
    n = number(await terminal.push("/role add clerkalt committee chair Staffing", user="clerk"))
    chair = await store.members.by_identity("terminal", "chair")
    assert chair is not None
    outcomes = await asyncio.gather(store.role_changes.decide(n, "wendlebury", CONFIRMED, chair.id),
                                    store.role_changes.decide(n, "wendlebury", REFUSED, chair.id))
    assert sorted(o is None for o in outcomes) == [False, True]
    assert await store.role_changes.decide(n, "ledbury", CONFIRMED, chair.id) is None
    assert await store.role_changes.pending("wendlebury") == []


async def test_a_change_that_no_longer_fits_the_roster_is_not_made(terminal: MemoryAdapter) -> None:
    first = number(await terminal.push("/role remove whitcombe committee chair", user="clerk"))
    second = number(await terminal.push("/role remove whitcombe committee chair", user="clerk"))
    assert said(await terminal.push(f"/role confirm {first}", user="chair")).startswith(f"Confirmed change {first}:")
    assert said(await terminal.push(f"/role confirm {second}", user="chair")) == (
        f"Change {second} cannot be made as the roster now stands: Cllr Alan Whitcombe no longer has the role "
        f"committee chair. You can refuse it: /role refuse {second}.")
    assert said(await terminal.push(f"/role refuse {second}", user="chair")).startswith(
        f"Refused change {second}: take away the role committee chair (Staffing) (Cllr Alan Whitcombe no longer has "
        "the role committee chair). Nothing was changed.")


# --- a profile that names its own confirmer, and a Clerk's deputy who is that confirmer --------------------------

CUSTOM = """
routing:
  confirms_recipient_changes: {role: vice-chair}
"""


@pytest.fixture(scope="module")
def custom_qa(tmp_path_factory: pytest.TempPathFactory) -> QaService:
    """Wendlebury's profile with the Vice-Chair confirming, the Deputy Clerk administering and holding vice-chair."""
    home = tmp_path_factory.mktemp("confirmer-home")
    source = (CONFIG_DIR / "councils" / "wendlebury.yaml").read_text(encoding="utf-8")
    source = source.replace("routing:\n", "routing:\n  confirms_recipient_changes: {role: vice-chair}\n", 1)
    source = source.replace("roles: [deputy clerk]", "roles: [deputy clerk, vice-chair]")
    source = source.replace("roles: [councillor]\n    handles: {terminal: okafor}",
                            "roles: [councillor, vice-chair]\n    handles: {terminal: okafor}")
    folder = home / "councils" / "wendlebury"
    folder.mkdir(parents=True)
    (folder / "profile.yaml").write_text(source + "\ndeputy_clerk_administers: true\n", encoding="utf-8")
    library = Library(home, HashEmbedder())
    library.load_all()
    return QaService(library)


@pytest.fixture
async def custom(custom_qa: QaService, store: Store) -> MemoryAdapter:
    dialogue = Dialogue(custom_qa, store, rate_limit=RateLimit(burst=1000))
    await dialogue.start()
    return MemoryAdapter(dialogue, platform="terminal")


async def test_the_profile_names_who_confirms(custom: MemoryAdapter) -> None:
    asked = await custom.push("/role add clerkalt committee chair Staffing", user="clerk")
    n = number(asked)
    assert "Within 7 days it needs confirming by the Vice-Chair (Cllr Ruth Okafor and Tom Fairweather)" in own(asked)
    assert notified(asked) == {"whitcombe", "deputy", "okafor"}
    assert said(await custom.push(f"/role confirm {n}", user="chair")) == (
        f"Only the Vice-Chair (Cllr Ruth Okafor and Tom Fairweather) can confirm change {n}.")
    assert "Roster changes waiting" in said(await custom.push("/role pending", user="okafor"))
    assert said(await custom.push(f"/role confirm {n}", user="okafor")).startswith(f"Confirmed change {n}:")


async def test_when_the_one_asking_is_the_confirmer_a_second_person_is_needed(custom: MemoryAdapter) -> None:
    asked = await custom.push("/role add clerkalt committee chair Staffing", user="deputy")
    n = number(asked)
    assert own(asked) == (
        f"Not changed yet: this changes who receives reports about the Clerk, so a second person must confirm it. "
        f"Change {n}: {CLERKALT}. Reports about the Clerk would go to Cllr Alan Whitcombe and clerkalt instead of "
        "Cllr Alan Whitcombe. Within 7 days it needs confirming by the Chair (Cllr Priya Nandakumar) or another "
        "member holding the role vice-chair (Cllr Ruth Okafor); until then nothing changes. "
        "You are the Vice-Chair yourself, so you cannot confirm it. I have told the people who receive reports "
        "about the Clerk.")
    assert said(await custom.push(f"/role confirm {n}", user="deputy")) == (
        f"You asked for change {n}, so you cannot confirm it; it needs the Chair (Cllr Priya Nandakumar) or another "
        "member holding the role vice-chair (Cllr Ruth Okafor).")
    assert said(await custom.push(f"/role confirm {n}", user="chair")).startswith(f"Confirmed change {n}:")


async def test_nobody_to_confirm_is_said_plainly(custom: MemoryAdapter) -> None:
    n = number(await custom.push("/role remove okafor vice-chair", user="clerk"))  # who confirms: guarded too
    assert said(await custom.push(f"/role confirm {n}", user="deputy")).startswith(f"Confirmed change {n}:")
    # The Chair confirms here when the Vice-Chair asks: guarded too (finding 1, the Vice-Chair's counterpart).
    n = number(await custom.push("/role remove chair chair", user="clerk"))
    assert said(await custom.push(f"/role confirm {n}", user="deputy")).startswith(f"Confirmed change {n}:")
    asked = await custom.push("/role add clerkalt committee chair Staffing", user="deputy")
    assert own(asked).endswith(
        "Within 7 days it needs confirming by the Chair or another member holding the role vice-chair, and nobody "
        "on the roster is that now; until then nothing changes. You are the Vice-Chair yourself, so you cannot "
        "confirm it. Nobody on the roster can confirm it now: whoever runs the bot can correct the council's roster "
        "file. I have told the people who receive reports about the Clerk.")


async def test_on_slack_the_hint_the_chair_is_given_runs(terminal: MemoryAdapter) -> None:
    """Slack rewrites ``/role confirm 3`` to ``/protocol role confirm 3``; that must run the command, while a question
    starting with "role" stays a question."""
    from bot.slash import read

    commands = terminal.dialogue.commands
    for typed in ("role pending", "role confirm 3", "role refuse 12"):
        assert read(typed, commands).text == f"/{typed}"
    for question in ("role of the clerk in committee meetings", "role confirm the chair is absent?"):
        assert read(question, commands).text == question


def test_the_confirmer_setting_is_checked_when_the_profile_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "councils" / "wendlebury"
    folder.mkdir(parents=True)
    (folder / "profile.yaml").write_text("routing:\n  confirms_recipient_changes: {role: mayor}\n", encoding="utf-8")
    with pytest.raises(RoutingConfigError) as caught:
        load_routing("wendlebury", tmp_path)
    assert "routing.confirms_recipient_changes.role: Value error, unknown role 'mayor'" in str(caught.value)
    (folder / "profile.yaml").write_text("routing:\n  confirms_recipient_changes: {role: vice-chair}\n",
                                         encoding="utf-8")
    config, _ = load_routing("wendlebury", tmp_path)
    assert config.confirms_recipient_changes is not None and config.confirms_recipient_changes.role == "vice-chair"


# --- the table --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migration_0009_adds_the_table_and_goes_back(backend: str, tmp_path: Path) -> None:
    from sqlalchemy import inspect

    from bot.store.database import Database
    from bot.store.migrate import head

    async def tables(database: Database) -> set[str]:
        async with database.engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))

    async def check(database: Database) -> None:
        await migrate(database, "0008")
        assert "role_changes" not in await tables(database)
        assert await database.upgrade() == head()
        assert "role_changes" in await tables(database)
        await migrate(database, "0008", down=True)
        assert "role_changes" not in await tables(database) and "cases" in await tables(database)

    async with empty_database(backend, tmp_path) as database:
        await check(database)


# --- the Vice-Chair: confirms when the one asking holds the Chair's role -----------------------------------------

async def test_a_clerk_who_makes_herself_chair_cannot_then_pick_the_vice_chair_who_confirms(
        terminal: MemoryAdapter) -> None:
    """Where the one asking holds the confirming role, the Vice-Chair confirms. A Clerk who takes the Chair's role
    (which changes no confirmer: a Clerk never confirms) and then names a Vice-Chair of her own choosing would have
    that Vice-Chair confirm her next change; so naming a Vice-Chair waits for the Chair like the rest."""
    assert said(await terminal.push("/role add clerk chair", user="clerk")) == (
        "Margaret Ashdown (clerk, rfo, chair) of wendlebury.")
    asked = await terminal.push("/role add sock vice-chair", user="clerk")
    n = number(asked)
    assert own(asked).startswith(
        "Not changed yet: this changes who may confirm changes to who receives reports about the Clerk, so a second "
        f"person must confirm it. Change {n}: add sock to the roster as vice-chair. The Vice-Chair, who confirms "
        "changes like this when the Chair asks for one, would be sock instead of nobody. Within 7 days it needs "
        "confirming by the Vice-Chair or another member holding the role chair (Cllr Priya Nandakumar)")
    assert notified(asked) == {"whitcombe", "chair"}
    assert "not on a council roster" in await whoami(terminal, "sock")
    clerkalt = number(await terminal.push("/role add clerkalt committee chair Staffing", user="clerk"))
    assert said(await terminal.push(f"/role confirm {clerkalt}", user="sock")) == "Sorry, /role is only for the Clerk."
    assert "not on a council roster" in await whoami(terminal, "clerkalt")
    # An existing councillor made Vice-Chair, or the Vice-Chair's role taken away, waits the same way.
    for change in ("/role add okafor vice-chair", "/role add hollins vice-chair"):
        assert own(await terminal.push(change, user="clerk")).startswith("Not changed yet"), change
    assert said(await terminal.push(f"/role confirm {n + 2}", user="chair")).startswith(f"Confirmed change {n + 2}:")
    assert own(await terminal.push("/role remove okafor vice-chair", user="clerk")).startswith("Not changed yet")


# --- confirming and making a change are one transaction ----------------------------------------------------------

async def test_a_confirmation_that_fails_part_way_leaves_the_change_pending_and_the_roster_as_it_was(
        terminal: MemoryAdapter, store: Store) -> None:
    """The Chair confirms adding clerkalt; making it fails half-way on a real constraint (a member's name is unique
    in a council, and someone called clerkalt joined on Telegram meanwhile). Before, the change was marked confirmed
    in one transaction and made in another: it ended confirmed and never made, and could not be confirmed again."""
    n = number(await terminal.push("/role add clerkalt committee chair Staffing", user="clerk"))
    clerk = await store.members.by_identity("terminal", "clerk")
    assert clerk is not None
    await store.members.link(clerk.id, "telegram", "9001")
    telegram = MemoryAdapter(terminal.dialogue, platform="telegram")
    assert said(await telegram.push("/role add clerkalt councillor", user="9001")) == (
        "clerkalt (councillor) of wendlebury.")  # a councillor receives nothing about the Clerk: made at once
    failed = await terminal.push(f"/role confirm {n}", user="chair")
    assert f"  {n}. {CLERKALT}, asked by Margaret Ashdown" in said(await terminal.push("/role pending", user="chair"))
    assert said(failed) == (
        f"Change {n} could not be made: it would clash with someone already on the roster. Nothing was changed and "
        f"it is still waiting; you can refuse it: /role refuse {n}.")
    assert notified(failed) == set()  # nobody is told of a confirmation that did not happen
    assert "not on a council roster" in await whoami(terminal, "clerkalt")
    async with store.database.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT name, roles FROM members WHERE name = 'clerkalt'"))).all()
        status = (await connection.execute(text("SELECT status, decided_by FROM role_changes"))).all()
    assert len(rows) == 1 and "committee chair" not in str(rows[0].roles)
    assert [tuple(s) for s in status] == [("pending", None)]
    assert said(await terminal.push(f"/role refuse {n}", user="chair")).startswith(f"Refused change {n}:")
