"""`council bind`, `member add` and `member link` (issue 15, finding 19), run as the IT volunteer would, then checked
where the admin and the members notice them: the profile in the home, a running bot's database, and the chat.

A change to who receives reports about the Clerk is written to the file but not made: it waits for the Chair, as the
Clerk's `/role` in chat does (the file is synced as every start syncs it, `bot.roster_sync`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from adapters.cli.main import main
from bot.store import Store
from config.councils import load_profile
from config.routing import load_routing


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def chat(user: str, *lines: str) -> str:
    from adapters.cli.chat import run_chat
    from adapters.cli.runtime import make_service

    inputs = iter([*lines, "/quit"])
    said: list[str] = []
    assert run_chat(make_service(), council="wendlebury", user=user, read=lambda _p: next(inputs),
                    write=said.append) == 0
    return "\n".join(said)


async def _in_database(query: str, *args: str) -> object:
    store = await Store.open()
    try:
        if query == "binding":
            return await store.bindings.resolve(args[0], args[1])
        member = await store.members.by_identity(args[0], args[1])
        return member.describe() if member else None
    finally:
        await store.close()


def in_database(query: str, *args: str) -> object:
    return asyncio.run(_in_database(query, *args))


def profile_file(home: Path, slug: str) -> Path:
    return home / "councils" / slug / "profile.yaml"


def test_binding_a_channel_writes_the_home_profile_and_holds_at_once(home: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    rules = len(load_routing("wendlebury", home)[0].rules)
    code, out, _ = run(["council", "bind", "slack", "C0456EFGH", "wendlebury"], capsys)
    assert code == 0 and str(profile_file(home, "wendlebury")) in out
    profile = load_profile("wendlebury", home)
    assert [(b.platform, b.scope, b.ref) for b in profile.bindings] == [("slack", "chat", "C0456EFGH")]
    assert len(profile.roster) == 6 and len(load_routing("wendlebury", home)[0].rules) == rules, "nothing lost"
    assert in_database("binding", "slack", "C0456EFGH") == "wendlebury", "a running bot sees it now"

    assert run(["council", "bind", "telegram", "-1001234567890", "ledbury"], capsys)[0] == 0
    assert in_database("binding", "telegram", "-1001234567890") == "ledbury"

    code, out, _ = run(["council", "bind", "--remove", "slack", "C0456EFGH", "wendlebury"], capsys)
    assert code == 0 and load_profile("wendlebury", home).bindings == ()
    assert in_database("binding", "slack", "C0456EFGH") is None


@pytest.mark.parametrize(("argv", "said"), [
    (["slack", "C0456EFGH", "narnia"], "Unknown council 'narnia'. Valid councils: blaby, cheshire"),
    (["teams", "19:abc", "ledbury"], "Unknown platform 'teams': the platforms are slack, telegram"),
    (["slack", "#general", "ledbury"], "a Slack channel id looks like C0456EFGH"),
    (["telegram", "@ourgroup", "ledbury"], "a Telegram chat id is a number"),
    (["--remove", "slack", "C0456EFGH", "ledbury"], "is not bound to ledbury"),
])
def test_a_bind_that_cannot_be_made_is_refused_and_changes_nothing(
        home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    code, _, err = run(["council", "bind", *argv], capsys)
    assert code == 2 and said in err and "Traceback" not in err
    assert not profile_file(home, "ledbury").exists() or load_profile("ledbury", home).bindings == ()


def test_a_chat_bound_to_one_council_is_not_bound_to_a_second(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["council", "bind", "slack", "C0456EFGH", "wendlebury"], capsys)[0] == 0
    code, _, err = run(["council", "bind", "slack", "C0456EFGH", "ledbury"], capsys)
    assert code == 2 and "already bound to wendlebury" in err and "--remove slack C0456EFGH wendlebury" in err
    assert not profile_file(home, "ledbury").exists()


def test_a_member_added_and_linked_from_the_command_line_is_known_in_chat(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["member", "add", "wendlebury", "newbie", "Cllr Nia Pryce", "--role", "councillor"], capsys)
    assert code == 0 and "Cllr Nia Pryce (councillor) of wendlebury" in out
    entry = next(e for e in load_profile("wendlebury", home).roster if e.name == "Cllr Nia Pryce")
    assert entry.roles == ("councillor",) and entry.handles == {"terminal": "newbie"}
    assert "You are Cllr Nia Pryce (councillor) of wendlebury" in chat("newbie", "/whoami")

    code, out, _ = run(["member", "link", "wendlebury", "newbie", "telegram", "123456789"], capsys)
    assert code == 0 and "now Cllr Nia Pryce's" in out
    assert yaml.safe_load(profile_file(home, "wendlebury").read_text())["roster"][-1]["handles"] == {
        "terminal": "newbie", "telegram": "123456789"}
    assert in_database("member", "telegram", "123456789") == "Cllr Nia Pryce (councillor) of wendlebury"


def test_member_add_gives_someone_on_the_roster_another_role_and_keeps_the_old_file(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["member", "add", "wendlebury", "okafor", "Cllr Ruth Okafor", "--role", "committee chair",
            "--committee", "Planning"]
    code, out, _ = run(argv, capsys)
    assert code == 0 and "Cllr Ruth Okafor (councillor, committee chair (Planning)) of wendlebury" in out
    assert "In effect now" in out
    entry = next(e for e in load_profile("wendlebury", home).roster if e.name == "Cllr Ruth Okafor")
    assert entry.roles == ("councillor", "committee chair") and entry.committee == "Planning"
    assert run(argv, capsys)[1].startswith("Cllr Ruth Okafor already has the role committee chair")
    run(["council", "bind", "slack", "C0456EFGH", "wendlebury"], capsys)
    previous = profile_file(home, "wendlebury").with_name("profile.yaml.bak")
    assert "committee chair" in previous.read_text() and "C0456EFGH" not in previous.read_text()


@pytest.mark.parametrize(("argv", "said"), [
    (["add", "narnia", "x", "X", "--role", "councillor"], "Unknown council 'narnia'"),
    (["add", "wendlebury", "okafor", "Cllr Someone Else", "--role", "councillor"], "is Cllr Ruth Okafor's"),
    (["add", "wendlebury", "p", "P", "--role", "committee chair"], "needs --committee"),
    (["link", "wendlebury", "okafor", "telegram", "@ruth"], "not the @username"),
    (["link", "wendlebury", "okafor", "whatsapp", "447700900000"], "Unknown platform 'whatsapp'"),
    (["link", "wendlebury", "stranger", "slack", "U0789IJKL"], "Nobody on wendlebury's roster has the terminal"),
])
def test_a_member_change_that_cannot_be_made_is_refused_and_changes_nothing(
        home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    code, _, err = run(["member", *argv], capsys)
    assert code == 2 and said in err and "Traceback" not in err
    assert not profile_file(home, "wendlebury").exists()


def test_a_change_to_who_receives_reports_about_the_clerk_waits_for_the_chair(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Cllr Whitcombe chairs Staffing, which hears concerns about the Clerk: a second Staffing chair would hear them
    code, out, _ = run(["member", "add", "wendlebury", "ally", "Cllr Ally Clerkfriend", "--role", "committee chair",
                        "--committee", "Staffing"], capsys)
    assert code == 0 and "Not all of it is in effect" in out and "the Chair (Cllr Priya Nandakumar)" in out
    assert "change 1: give Cllr Ally Clerkfriend the role committee chair (Staffing)" in out
    assert in_database("member", "terminal", "ally") == "Cllr Ally Clerkfriend () of wendlebury", "no role yet"

    code, out, _ = run(["member", "link", "wendlebury", "whitcombe", "slack", "U0WHITCOMB"], capsys)
    assert code == 0 and "change 2: link a Slack account to Cllr Alan Whitcombe" in out and "not linked yet" in out
    assert in_database("member", "slack", "U0WHITCOMB") is None

    said = chat("chair", "/role pending", "/role confirm 1", "/role confirm 2")
    assert ("1. give Cllr Ally Clerkfriend the role committee chair (Staffing), asked by the council's roster file"
            in said)
    assert "2. link a Slack account to Cllr Alan Whitcombe" in said
    assert "Confirmed change 1" in said and "Confirmed change 2" in said
    assert in_database("member", "terminal", "ally") == (
        "Cllr Ally Clerkfriend (committee chair (Staffing)) of wendlebury")
    assert in_database("member", "slack", "U0WHITCOMB") == (
        "Cllr Alan Whitcombe (councillor, committee chair (Staffing)) of wendlebury")
