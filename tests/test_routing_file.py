"""The routing in the profile is no way round the second person either (issue 14): a Clerk who edits ``routing:`` so
that reports about her go to someone else (a rule's ``holder``, the ``personnel`` body) or are confirmed by someone
else (``confirms_recipient_changes``) finds the edit held for the Chair at the next start, the current recipients
and confirmers told, and reports filed meanwhile routed as before; once the Chair confirms, they go the new way.

Real Dialogue restarted over the same database, the bundled profiles copied into a home and edited between starts,
reports filed through the terminal-style chat; the store on SQLite and PostgreSQL; the outbox and the stored routing
read raw, as an operator would. Nothing of ours is mocked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from adapters.memory import MemoryAdapter
from bot.messages import Reply
from bot.qa import QaService
from bot.store import Store
from bot.store.database import Database
from bot.store.migrate import head
from config.settings import CONFIG_DIR
from knowledge.embedding import HashEmbedder
from knowledge.library import Library
from tests.databases import BACKENDS, empty_database, migrate
from tests.test_flows import report_about_clerk, said, send_report
from tests.test_roster_confirmation import notified, own
from tests.test_roster_file import ORIGINAL, edit, outbox, start

pytestmark = pytest.mark.usefixtures("case_key")

STAFFING = "holder: {role: committee chair, committee: Staffing}"
PLANNING = "holder: {role: committee chair, committee: Planning}"
TO_PLANNING = ("routing: reports about the Clerk would go to the chair of the Planning committee (Cllr Gareth Hollins) "
               "instead of the chair of the Staffing committee (Cllr Alan Whitcombe)")
LEDBURY = (CONFIG_DIR / "councils" / "ledbury.yaml").read_text(encoding="utf-8")
STANDING = "holder: {role: committee chair, committee: Standing}"


@pytest.fixture(scope="module")
def routing_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("routing-file-home")
    for council in ("wendlebury", "ledbury"):
        (home / "councils" / council).mkdir(parents=True)
    return home


@pytest.fixture(scope="module")
def routing_qa(routing_home: Path) -> QaService:
    library = Library(routing_home, HashEmbedder())
    library.load_all()
    return QaService(library)


@pytest.fixture
def profile(routing_home: Path) -> Path:
    """Wendlebury's profile as bundled (the Chair and the Staffing chair also on Telegram); Ledbury's too."""
    (routing_home / "councils" / "ledbury" / "profile.yaml").write_text(LEDBURY, encoding="utf-8")
    path = routing_home / "councils" / "wendlebury" / "profile.yaml"
    path.write_text(ORIGINAL, encoding="utf-8")
    return path


def received(replies: list[Reply]) -> set[str]:
    """Who was told of a new case, on this platform."""
    return {r.target.user_id or "" for r in replies if r.kind == "case_notice" and r.target is not None}


async def pending_lines(chat: MemoryAdapter, user: str = "chair") -> list[str]:
    """The changes ``/role pending`` lists for ``user``, one line each."""
    listing = said(await chat.push("/role pending", user=user))
    return listing.splitlines()[1:-1] if listing.startswith("Roster changes waiting") else []


async def stored_routings(store: Store, council: str = "wendlebury") -> list[bool]:
    """Whether each stored routing of ``council``'s reports about the Clerk was accepted, oldest first."""
    async with store.database.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT accepted_at IS NOT NULL FROM clerk_routings WHERE council = :council ORDER BY id"),
            {"council": council})).all()
    return [bool(accepted) for accepted, in rows]


async def test_the_file_sending_reports_about_the_clerk_elsewhere_waits_for_the_chair(
        routing_qa: QaService, store: Store, profile: Path) -> None:
    await start(routing_qa, store)
    edit(profile, STAFFING, PLANNING)
    chat = await start(routing_qa, store)

    lines = await pending_lines(chat)
    assert len(lines) == 1 and lines[0].split(". ", 1)[1].startswith(
        f"{TO_PLANNING}, asked by the council's roster file on ")
    n = int(lines[0].split(".")[0])
    notice = (f"The council's roster file asks for a routing change (change {n}): "
              f"{TO_PLANNING.removeprefix('routing: ')}. Within 7 days it needs confirming by the Chair (Cllr Priya "
              "Nandakumar); until then nothing changes.")
    assert await outbox(store) == [
        ("7002", notice + f" You can confirm it with /role confirm {n} or refuse it with /role refuse {n} (/role "
                          "pending lists what is waiting)."),
        ("7001", notice)]  # the Chair and the current recipient; never the Clerk's choice
    assert await stored_routings(store) == [True, False]

    # Meanwhile reports about the Clerk still go to the Staffing chair, never to the file's choice.
    replies = await report_about_clerk(chat, "okafor")
    assert "(Cllr Alan Whitcombe)" in next(r for r in replies if r.kind == "route").plain()
    sent, held_back, _ = await send_report(chat, replies, "okafor")
    assert received(sent) == {"whitcombe"}
    assert held_back not in said(await chat.push("/cases", user="hollins"))

    # Neither the Clerk nor the file's choice decides it; another start asks nothing twice.
    assert said(await chat.push(f"/role confirm {n}", user="clerk")) == (
        "A Clerk can never confirm or refuse a change to who receives reports about the Clerk.")
    assert said(await chat.push(f"/role confirm {n}", user="hollins")) == (
        f"Only the Chair (Cllr Priya Nandakumar) can confirm change {n}.")
    chat = await start(routing_qa, store)
    assert len(await pending_lines(chat)) == 1
    assert len([t for _, t in await outbox(store) if "roster file" in t]) == 2
    assert received((await send_report(chat, await report_about_clerk(chat, "okafor"), "okafor"))[0]) == {"whitcombe"}

    confirmed = await chat.push(f"/role confirm {n}", user="chair")
    assert own(confirmed) == (f"Confirmed change {n}: {TO_PLANNING}. The routing of reports about the Clerk in the "
                              "council's roster file applies now. Reports about the Clerk now go to Cllr Gareth "
                              "Hollins.")
    assert notified(confirmed) == {"whitcombe", "hollins"}
    for told in (r.plain() for r in confirmed if r.kind == "roster_notice"):
        assert told.startswith(f"Cllr Priya Nandakumar confirmed change {n}, asked by the council's roster file: ")
        assert "WEN-" not in told and "shouted" not in told  # nothing of any case

    # From now on, in this worker and after a restart, they go to the Planning chair; filed cases stay where they were.
    assert received((await send_report(chat, await report_about_clerk(chat, "okafor"), "okafor"))[0]) == {"hollins"}
    chat = await start(routing_qa, store)
    assert await pending_lines(chat) == []
    assert received((await send_report(chat, await report_about_clerk(chat, "okafor"), "okafor"))[0]) == {"hollins"}
    assert held_back in said(await chat.push("/cases", user="whitcombe"))
    assert held_back not in said(await chat.push("/cases", user="hollins"))


async def test_the_file_dropping_the_rule_about_the_clerk_leaves_it_in_force(routing_qa: QaService, store: Store,
                                                                             profile: Path) -> None:
    await start(routing_qa, store)
    source = profile.read_text(encoding="utf-8")
    begins, ends = source.index("    - id: councillor-about-the-clerk\n"), source.index("    - id: councillor-about-an")
    rule = source[begins:ends]
    edit(profile, rule, "")
    chat = await start(routing_qa, store)
    lines = await pending_lines(chat)
    assert len(lines) == 1 and lines[0].split(". ", 1)[1].startswith(
        "routing: reports about the Clerk would go to nobody instead of the chair of the Staffing committee (Cllr "
        "Alan Whitcombe), asked by the council's roster file on ")
    replies = await report_about_clerk(chat, "okafor")
    assert received((await send_report(chat, replies, "okafor"))[0]) == {"whitcombe"}


async def test_the_file_cannot_choose_who_confirms_either(routing_qa: QaService, store: Store,
                                                          profile: Path) -> None:
    await start(routing_qa, store)
    edit(profile, "routing:\n  rules:\n",
         "routing:\n  confirms_recipient_changes: {role: committee chair, committee: Planning}\n  rules:\n")
    chat = await start(routing_qa, store)
    lines = await pending_lines(chat)
    assert len(lines) == 1 and lines[0].split(". ", 1)[1].startswith(
        "routing: changes to that would be confirmed by the chair of the Planning committee (Cllr Gareth Hollins) "
        "instead of the Chair (Cllr Priya Nandakumar), asked by the council's roster file on ")
    n = int(lines[0].split(".")[0])

    # Until the Chair accepts it, the Chair still confirms the Clerk's own changes, and the file's choice cannot.
    asked = await chat.push("/role add clerkalt committee chair Staffing", user="clerk")
    assert "needs confirming by the Chair (Cllr Priya Nandakumar)" in own(asked)
    m = int(own(asked).split("Change ")[1].split(":")[0])
    for change in (n, m):
        assert said(await chat.push(f"/role confirm {change}", user="hollins")) == (
            f"Only the Chair (Cllr Priya Nandakumar) can confirm change {change}.")
    assert "not on a council roster" in said(await chat.push("/whoami", user="clerkalt"))

    # Refused: nothing changes and the file does not ask again at every start.
    refused = await chat.push(f"/role refuse {n}", user="chair")
    assert own(refused) == (f"Refused change {n}: routing: changes to that would be confirmed by the chair of the "
                            "Planning committee (Cllr Gareth Hollins) instead of the Chair (Cllr Priya Nandakumar). "
                            "Nothing was changed.")
    chat = await start(routing_qa, store)
    assert [line.split(". ", 1)[1].split(", asked by")[0] for line in await pending_lines(chat)] == [
        "add clerkalt to the roster as committee chair (Staffing)"]
    assert said(await chat.push(f"/role confirm {m}", user="chair")).startswith(f"Confirmed change {m}:")


async def test_the_personnel_body_is_guarded_and_the_roster_weighed_by_the_accepted_routing(
        routing_qa: QaService, store: Store, profile: Path) -> None:
    """Ledbury sends a councillor's report about the Clerk to its personnel body (the Standing committee's chair):
    the file moves that to a Finance committee and makes Cllr Sam Reid its chair in the same edit."""
    await start(routing_qa, store)
    ledbury = profile.parent.parent / "ledbury" / "profile.yaml"
    edit(ledbury, STANDING, "holder: {role: committee chair, committee: Finance}")
    edit(ledbury, "roles: [councillor]\n    handles: {terminal: led-reid}",
         "roles: [councillor, committee chair]\n    committee: Finance\n    handles: {terminal: led-reid}")
    chat = await start(routing_qa, store)
    assert "You are Cllr Sam Reid (councillor, committee chair (Finance))" in said(
        await chat.push("/whoami", user="led-reid"))  # touches nobody who receives, as accepted: made
    lines = await pending_lines(chat, "led-mayor")
    assert len(lines) == 1 and lines[0].split(". ", 1)[1].startswith(
        "routing: reports about the Clerk would go to the chair of the Finance committee (Cllr Sam Reid) instead of "
        "the chair of the Standing committee (Cllr Fiona Blake), asked by the council's roster file on ")
    n = int(lines[0].split(".")[0])

    replies = await report_about_clerk(chat, "led-mayor")
    assert received((await send_report(chat, replies, "led-mayor"))[0]) == {"led-standing"}
    assert said(await chat.push(f"/role confirm {n}", user="led-clerk")).startswith("A Clerk can never")
    assert own(await chat.push(f"/role confirm {n}", user="led-mayor")).startswith(f"Confirmed change {n}: routing:")
    replies = await report_about_clerk(chat, "led-mayor")
    assert received((await send_report(chat, replies, "led-mayor"))[0]) == {"led-reid"}


async def test_a_first_sync_accepts_the_file_and_only_edits_that_change_no_route_apply_at_once(
        routing_qa: QaService, store: Store, profile: Path) -> None:
    edit(profile, STAFFING, PLANNING)  # before the council's first sync: nothing accepted yet to keep
    chat = await start(routing_qa, store)
    assert await pending_lines(chat) == []
    assert received((await send_report(chat, await report_about_clerk(chat, "okafor"), "okafor"))[0]) == {"hollins"}

    # The committee's name as typed changes, not who receives or confirms: accepted at the next start, unasked.
    edit(profile, PLANNING, "holder: {role: committee chair, committee: planning}")  # the same committee
    chat = await start(routing_qa, store)
    assert await pending_lines(chat) == [] and await outbox(store) == []
    assert await stored_routings(store) == [True, True]
    assert received((await send_report(chat, await report_about_clerk(chat, "okafor"), "okafor"))[0]) == {"hollins"}

    # The rule narrowed: the same role receives, but a councillor's concern about the Clerk's performance would
    # reach nobody. That was accepted unasked (session 7); it waits for the Chair now.
    edit(profile, "concern: [conduct, performance, bullying, confidential_information, relationship_breakdown]\n"
                  "      recipient: the Chairman of the Staffing Committee",
         "concern: [conduct, bullying, confidential_information, relationship_breakdown]\n"
         "      recipient: the Chairman of the Staffing Committee")
    chat = await start(routing_qa, store)
    waiting = await pending_lines(chat)
    assert len(waiting) == 1 and "would no longer go where they go now (a councillor's performance)" in waiting[0]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migration_0012_adds_the_accepted_routing_and_goes_back(backend: str, tmp_path: Path) -> None:
    async def tables(database: Database) -> set[str]:
        async with database.engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))

    async with empty_database(backend, tmp_path) as database:
        await migrate(database, "0011")
        assert "clerk_routings" not in await tables(database)
        assert await database.upgrade() == head()
        assert "clerk_routings" in await tables(database)
        await migrate(database, "0011", down=True)
        assert "clerk_routings" not in await tables(database) and "web_sessions" in await tables(database)


async def test_a_worker_routes_by_a_change_another_worker_had_confirmed(
        routing_qa: QaService, store: Store, profile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers on one database: the Chair confirms the routing change in one; the other, started before and
    remembering the routing it replaced, must route the next report about the Clerk the new way (it went on sending
    them to the replaced recipient until its next start)."""
    import bot.clerk_recipients as memory

    await start(routing_qa, store)
    edit(profile, STAFFING, PLANNING)
    first = await start(routing_qa, store)
    second = await start(routing_qa, store)  # the other worker, started while the change waited
    n = int((await pending_lines(first))[0].split(".")[0])
    assert received((await send_report(second, await report_about_clerk(second, "okafor"), "okafor"))[0]) == {
        "whitcombe"}
    its_memory = dict(memory._accepted)

    assert "Confirmed change" in own(await first.push(f"/role confirm {n}", user="chair"))
    # The second worker is another process: it still remembers the replaced routing, and has noticed nothing.
    monkeypatch.setattr(memory, "_accepted", its_memory)
    monkeypatch.setattr(memory, "_generation", memory.generation() + 1)

    replies = await report_about_clerk(second, "okafor")
    assert "(Cllr Gareth Hollins)" in next(r for r in replies if r.kind == "route").plain()
    assert received((await send_report(second, replies, "okafor"))[0]) == {"hollins"}
