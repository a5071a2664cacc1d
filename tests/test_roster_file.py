"""The roster file is no way round the second person (issue 14, finding 1): a Clerk who edits ``profile.yaml`` to
change who receives reports about the Clerk finds the change held for the Chair at the next start, exactly like
``/role``, and the current recipients told; edits that touch nobody of the kind are made at once, as before.

Real Dialogue restarted over the same database, Wendlebury's own profile copied into a home and edited between
starts; the store on SQLite and PostgreSQL; outbox rows read raw, as an operator would. Nothing of ours is mocked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.memory import MemoryAdapter
from bot.dialogue import Dialogue
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store
from config.settings import CONFIG_DIR
from knowledge.embedding import HashEmbedder
from knowledge.library import Library
from tests.test_flows import DETAILS, report_about_clerk, said, send_report
from tests.test_roster_confirmation import notified, own, whoami

pytestmark = pytest.mark.usefixtures("case_key")

ORIGINAL = (CONFIG_DIR / "councils" / "wendlebury.yaml").read_text(encoding="utf-8").replace(
    "handles: {terminal: chair}", 'handles: {terminal: chair, telegram: "7002"}').replace(
    "handles: {terminal: whitcombe}", 'handles: {terminal: whitcombe, telegram: "7001"}')
"""Wendlebury's profile, the Chair and the Staffing chair also on Telegram (where the outbox reaches them)."""
WHITCOMBE = "  - name: Cllr Alan Whitcombe\n    roles: [councillor, committee chair]\n    committee: Staffing\n"
TAKE_AWAY = "take the role committee chair (Staffing) from Cllr Alan Whitcombe"


@pytest.fixture(scope="module")
def file_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("roster-file-home")
    (home / "councils" / "wendlebury").mkdir(parents=True)
    (home / "councils" / "wendlebury" / "profile.yaml").write_text(ORIGINAL, encoding="utf-8")
    return home


@pytest.fixture(scope="module")
def file_qa(file_home: Path) -> QaService:
    library = Library(file_home, HashEmbedder())
    library.load_all()
    return QaService(library)


@pytest.fixture
def profile(file_home: Path) -> Path:
    path = file_home / "councils" / "wendlebury" / "profile.yaml"
    path.write_text(ORIGINAL, encoding="utf-8")
    return path


async def start(qa: QaService, store: Store) -> MemoryAdapter:
    """A start of ``chat`` or ``serve``: the roster file is synced into the database."""
    dialogue = Dialogue(qa, store, rate_limit=RateLimit(burst=1000))
    await dialogue.start()
    return MemoryAdapter(dialogue, platform="terminal")


def edit(profile: Path, old: str, new: str) -> None:
    source = profile.read_text(encoding="utf-8")
    assert old in source
    profile.write_text(source.replace(old, new, 1), encoding="utf-8")


async def outbox(store: Store) -> list[tuple[str, str]]:
    """(recipient, text) of every direct message queued."""
    async with store.database.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT d.recipient, b.content FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
            "WHERE b.kind = 'direct' ORDER BY d.id"))).all()
    found = []
    for recipient, content in rows:
        parsed: Any = json.loads(content) if isinstance(content, str) else content
        found.append((recipient, parsed[0]["text"]))
    return found


async def test_the_file_taking_the_staffing_chair_away_waits_for_the_chair(file_qa: QaService, store: Store,
                                                                         profile: Path) -> None:
    await start(file_qa, store)
    edit(profile, WHITCOMBE, WHITCOMBE.replace("[councillor, committee chair]", "[councillor]").replace(
        "    committee: Staffing\n", ""))
    chat = await start(file_qa, store)
    assert "(councillor, committee chair (Staffing))" in await whoami(chat, "whitcombe")  # not made
    listing = said(await chat.push("/role pending", user="chair"))
    n = int(listing.splitlines()[1].split(".")[0])
    assert listing.splitlines()[1].startswith(f"  {n}. {TAKE_AWAY}, asked by the council's roster file on ")
    notice = (f"The council's roster file asks for a roster change that changes who receives reports about the "
              f"Clerk: {TAKE_AWAY} (change {n}). Reports about the Clerk would go to nobody instead of Cllr Alan "
              "Whitcombe. Within 7 days it needs confirming by the Chair (Cllr Priya Nandakumar); until then nothing "
              "changes.")
    assert await outbox(store) == [
        ("7002", notice + f" You can confirm it with /role confirm {n} or refuse it with /role refuse {n} (/role "
                          "pending lists what is waiting)."),
        ("7001", notice)]

    # Meanwhile a report about the Clerk still reaches Whitcombe.
    sent, reference, _ = await send_report(chat, await report_about_clerk(chat, "okafor"), "okafor")
    assert {r.target.user_id for r in sent if r.kind == "case_notice" and r.target} == {"whitcombe"}

    # Another start asks nothing twice; the Chair confirms; the file governs Whitcombe still.
    chat = await start(file_qa, store)
    assert len(said(await chat.push("/role pending", user="chair")).splitlines()) == 3
    assert len([t for _, t in await outbox(store) if "roster file" in t]) == 2
    confirmed = await chat.push(f"/role confirm {n}", user="chair")
    assert own(confirmed) == (f"Confirmed change {n}: {TAKE_AWAY}. Cllr Alan Whitcombe (councillor) of wendlebury. "
                              "Reports about the Clerk now go to nobody.")
    assert notified(confirmed) == {"whitcombe"}
    edit(profile, "roles: [councillor]\n    handles: {terminal: okafor}",
         "roles: [councillor, officer]\n    handles: {terminal: okafor}")
    edit(profile, "  - name: Cllr Alan Whitcombe\n    roles: [councillor]",
         "  - name: Cllr Alan Whitcombe\n    roles: [officer]")
    chat = await start(file_qa, store)
    assert "You are Cllr Alan Whitcombe (officer)" in await whoami(chat, "whitcombe")
    assert "You are Cllr Ruth Okafor (councillor, officer)" in await whoami(chat, "okafor")
    assert reference in said(await chat.push("/cases", user="whitcombe"))  # fixed when it was filed


async def test_the_file_giving_the_role_to_someone_else_waits(file_qa: QaService, store: Store,
                                                            profile: Path) -> None:
    await start(file_qa, store)
    edit(profile, WHITCOMBE, "  - name: Clerk Alt\n    roles: [councillor, committee chair]\n    committee: Staffing\n"
                             "    handles: {terminal: clerkalt}\n" + WHITCOMBE)
    chat = await start(file_qa, store)
    assert "You are Clerk Alt (councillor) of wendlebury." in await whoami(chat, "clerkalt")  # on, not receiving
    listing = said(await chat.push("/role pending", user="chair")).splitlines()
    assert len(listing) == 3 and listing[1].split(". ", 1)[1].startswith(
        "give Clerk Alt the role committee chair (Staffing), asked by the council's roster file on ")
    n = int(listing[1].split(".")[0])
    notice = dict(await outbox(store))["7001"]
    assert notice.startswith(
        "The council's roster file asks for a roster change that changes who receives reports about the Clerk: give "
        f"Clerk Alt the role committee chair (Staffing) (change {n}). Reports about the Clerk would go to Clerk Alt "
        "and Cllr Alan Whitcombe instead of Cllr Alan Whitcombe.")
    # A report filed now goes to Whitcombe alone, and Clerk Alt never reads it.
    _, reference, _ = await send_report(await start(file_qa, store), await report_about_clerk(chat, "okafor"),
                                        "okafor")
    assert reference not in said(await chat.push("/cases", user="clerkalt"))

    # Refused, the file does not ask again at every start; and the Clerk cannot decide it.
    assert said(await chat.push(f"/role confirm {n}", user="clerk")) == (
        "A Clerk can never confirm or refuse a change to who receives reports about the Clerk.")
    assert said(await chat.push(f"/role refuse {n}", user="chair")).startswith(f"Refused change {n}:")
    chat = await start(file_qa, store)
    assert said(await chat.push("/role pending", user="chair")) == "No roster changes are waiting for confirmation."
    assert "You are Clerk Alt (councillor) of wendlebury." in await whoami(chat, "clerkalt")


async def test_an_account_the_file_puts_on_a_recipients_entry_waits(file_qa: QaService, store: Store,
                                                                  profile: Path) -> None:
    await start(file_qa, store)
    edit(profile, 'handles: {terminal: whitcombe, telegram: "7001"}',
         'handles: {terminal: whitcombe, telegram: "7001", slack: U666}')
    chat = await start(file_qa, store)
    slack = MemoryAdapter(chat.dialogue, platform="slack")
    assert "not on a council roster" in said(await slack.push("/whoami", user="U666"))
    listing = said(await chat.push("/role pending", user="chair")).splitlines()
    assert listing[1].split(". ", 1)[1].startswith(
        "link a Slack account to Cllr Alan Whitcombe, asked by the council's roster file on ")
    n = int(listing[1].split(".")[0])
    notice = ("The council's roster file attaches a Slack account to Cllr Alan Whitcombe's roster entry (change "
              f"{n}). Cllr Alan Whitcombe receives reports about the Clerk, so a second person must confirm it. "
              "Within 7 days it needs confirming by the Chair (Cllr Priya Nandakumar); until then the account is not "
              "linked.")
    assert sorted(await outbox(store)) == sorted([
        ("7002", notice + f" You can confirm it with /role confirm {n} or refuse it with /role refuse {n} (/role "
                          "pending lists what is waiting)."),
        ("7001", notice + " If the account is not yours, tell the Chair so that it is refused.")])
    assert said(await chat.push(f"/role confirm {n}", user="chair")).startswith(f"Confirmed change {n}:")
    assert "You are Cllr Alan Whitcombe" in said(await slack.push("/whoami", user="U666"))


async def test_edits_that_touch_nobody_who_receives_are_made_as_before(file_qa: QaService, store: Store,
                                                                      profile: Path) -> None:
    await start(file_qa, store)
    edit(profile, "committee: Planning", "committee: Finance")
    edit(profile, "  - name: Cllr Ruth Okafor\n    roles: [councillor]\n    handles: {terminal: okafor}\n", "")
    edit(profile, WHITCOMBE, WHITCOMBE.replace("[councillor, committee chair]", "[committee chair, councillor]"))
    edit(profile, "roster:\n", "roster:\n  - name: New Member\n    roles: [councillor]\n    handles: {terminal: "
                               "newbie, telegram: \"7003\"}\n")
    chat = await start(file_qa, store)
    assert "You are Cllr Gareth Hollins (councillor, committee chair (Finance))" in await whoami(chat, "hollins")
    assert "not on a council roster" in await whoami(chat, "okafor")
    assert "You are New Member (councillor)" in await whoami(chat, "newbie")
    assert said(await chat.push("/role pending", user="chair")) == "No roster changes are waiting for confirmation."
    assert await outbox(store) == []


async def test_the_file_cannot_choose_the_vice_chair_or_drop_the_chair_either(file_qa: QaService, store: Store,
                                                                            profile: Path) -> None:
    await start(file_qa, store)
    edit(profile, "  - name: Cllr Priya Nandakumar\n", "  - name: Sock\n    roles: [vice-chair]\n"
                                                        "    handles: {terminal: sock}\n"
                                                        "  - name: Cllr Priya Nandakumar\n")
    edit(profile, "roles: [councillor, chair]", "roles: [councillor]")
    chat = await start(file_qa, store)
    assert "(councillor, chair)" in await whoami(chat, "chair")
    listing = said(await chat.push("/role pending", user="chair")).splitlines()
    assert [line.split(". ", 1)[1].split(", asked by")[0] for line in listing[1:-1]] == [
        "give Sock the role vice-chair", "take the role chair from Cllr Priya Nandakumar"]
    assert DETAILS  # nothing of any case is in a roster notice
    for _, notice in await outbox(store):
        assert "confidential" not in notice and "WEN-" not in notice


def test_publishing_syncs_the_roster_file_the_same_way(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``protocol-bot publish`` syncs the roster before queueing the new version for members (chat or serve may
    never have started): the same second person there."""
    import asyncio

    from adapters.cli.main import main
    from knowledge.documents import BUNDLED_DIR

    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    monkeypatch.delenv("PROTOCOL_BOT_DATABASE_URL", raising=False)
    path = home / "councils" / "wendlebury" / "profile.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(ORIGINAL, encoding="utf-8")
    protocol = (BUNDLED_DIR / "wendlebury" / "protocol.txt").read_text(encoding="utf-8")
    for version, clause in (("2026-11", "5.3"), ("2026-12", "5.4")):
        protocol = protocol.replace("Thank you to", f"- {clause}. Councillors will receive a copy of this protocol "
                                                   f"when elected ({clause}).\n\nThank you to")
        new = tmp_path / f"wendlebury-{version}.txt"
        new.write_text(protocol, encoding="utf-8")
        assert main(["publish", "--council", "wendlebury", str(new), "--version", version, "--yes"]) == 0, (
            capsys.readouterr().err)
        if version == "2026-11":  # the first publish synced the roster as filed; now the Clerk edits the file
            edit(path, WHITCOMBE, WHITCOMBE.replace("[councillor, committee chair]", "[councillor]").replace(
                "    committee: Staffing\n", ""))

    async def roster() -> tuple[str, list[tuple[str, str, int]]]:
        store = await Store.open()
        try:
            whitcombe = await store.members.by_identity("terminal", "whitcombe")
            assert whitcombe is not None
            waiting = await store.role_changes.pending("wendlebury")
            return whitcombe.describe(), [(c.verb, c.role, c.requested_by) for c in waiting]
        finally:
            await store.close()

    assert asyncio.run(roster()) == ("Cllr Alan Whitcombe (councillor, committee chair (Staffing)) of wendlebury",
                                     [("remove", "committee chair", 0)])
