"""What an admin is told while the profile's routing of reports about the Clerk waits for the Chair (issue 14).

Until the Chair confirms such an edit, the bot routes by the routing last accepted (``bot.clerk_recipients.governing``).
The commands an admin runs beside the bot must say the same: ``member add`` names who really confirms, ``route`` and
``doctor`` show who really receives and that the file's change waits, and ``publish`` (command line and chat) refuses
a version under which the rules still accepted would no longer hold, although the file's own rules do.

Each command runs in-process as the admin would run it; a command-line process is a fresh one, so what this test
process remembered from earlier commands' syncs is forgotten first (``forget``), as it would be.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.cli.main import main
from adapters.memory import MemoryAdapter
from bot.dialogue import Dialogue
from bot.messages import Attachment, Reply
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store
from config.settings import CONFIG_DIR
from knowledge.embedding import HashEmbedder
from knowledge.library import Library
from knowledge.versions import live_version
from tests.test_cli_roster import chat
from tests.test_publish_chat import wendlebury_v2

STILL = "reports still go to the chair of the Staffing committee (Cllr Alan Whitcombe)"
WAITS = "the file's change waits for the Chair's confirmation (/role pending, change 1)"
ACCEPTED_13 = ("routing rule 'councillor-about-the-clerk' as last accepted for reports about the Clerk cites clause "
               "1.3, which version 2 does not have (removed or renumbered)")


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    for name in ("PROTOCOL_BOT_DATABASE_URL", "PROTOCOL_BOT_CASE_KEY", "PROTOCOL_BOT_CASE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def forget(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Forget the accepted routings this process learnt: the next command starts as a process of its own."""
    def forgetting() -> None:
        monkeypatch.setattr("bot.clerk_recipients._accepted", {})

    return forgetting


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def profile_path(home: Path) -> Path:
    return home / "councils" / "wendlebury" / "profile.yaml"


def change_profile(home: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit the home's Wendlebury profile by hand, as the Clerk may (the bundled one copied in first)."""
    path = profile_path(home)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((CONFIG_DIR / "councils" / "wendlebury.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def clerk_rule(data: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = data["routing"]["rules"][0]
    assert rule["id"] == "councillor-about-the-clerk"
    return rule


def cite_13_too(data: dict[str, Any]) -> None:
    clerk_rule(data)["clauses"] = ["5.2", "1.3"]  # 1.3 says nothing against it; version 2 drops it


def to_planning(data: dict[str, Any]) -> None:
    """Reports about the Clerk to the Planning chair (held for the Chair), citing 5.2 alone (no reason to hold)."""
    clerk_rule(data).update(holder={"role": "committee chair", "committee": "Planning"}, clauses=["5.2"])


def add(capsys: pytest.CaptureFixture[str], handle: str, name: str) -> str:
    """``member add`` of a councillor (touching nobody who receives reports about the Clerk): a sync."""
    code, out, err = run(["member", "add", "wendlebury", handle, name, "--role", "councillor"], capsys)
    assert code == 0, err
    return out


def planning_waits(home: Path, capsys: pytest.CaptureFixture[str], first: Callable[[dict[str, Any]], None]) -> None:
    """The profile as ``first`` leaves it synced (accepted whole: the council's first sync), then moved to the
    Planning chair and synced again: change 1 waits for the Chair."""
    change_profile(home, first)
    add(capsys, "newbie", "Cllr Nia Pryce")
    change_profile(home, to_planning)
    add(capsys, "newbie2", "Cllr Ned Pryce")


def test_member_add_names_who_confirms_under_the_accepted_routing(home: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    add(capsys, "newbie", "Cllr Nia Pryce")
    change_profile(home, lambda d: d["routing"].update(
        confirms_recipient_changes={"role": "committee chair", "committee": "Planning"}))
    code, out, _ = run(["member", "add", "wendlebury", "ally", "Cllr Ally Clerkfriend", "--role", "committee chair",
                        "--committee", "Staffing"], capsys)
    assert code == 0 and "Not all of it is in effect" in out
    assert "change 2: give Cllr Ally Clerkfriend the role committee chair (Staffing)" in out  # 1: the routing
    assert "It needs the Chair (Cllr Priya Nandakumar): /role confirm N in chat" in out, out

    # and that is who the bot lets confirm: not the file's choice
    said = chat("hollins", "/role confirm 2")
    assert "Only the Chair (Cllr Priya Nandakumar) can confirm change 2." in said
    assert "Confirmed change 2" in chat("chair", "/role confirm 2")


def test_route_shows_the_accepted_routing_and_that_the_files_waits(home: Path, capsys: pytest.CaptureFixture[str],
                                                                   forget: Callable[[], None]) -> None:
    planning_waits(home, capsys, lambda data: None)
    about_clerk = ["route", "--council", "wendlebury", "--reporter", "councillor", "--about", "clerk", "--concern",
                   "bullying"]
    forget()
    code, out, err = run(about_clerk, capsys)
    assert code == 0 and err == ""
    assert out.startswith("Raise it with the Chairman of the Staffing Committee (Cllr Alan Whitcombe).")
    assert out.rstrip().endswith(
        f"Note: Routing about the Clerk: {WAITS}; {STILL}. The file asks: reports about the Clerk would go to the "
        "chair of the Planning committee (Cllr Gareth Hollins) instead of the chair of the Staffing committee (Cllr "
        "Alan Whitcombe).")

    forget()
    code, out, _ = run([*about_clerk, "--json"], capsys)
    found = yaml.safe_load(out)
    assert code == 0 and found["person"] == "Cllr Alan Whitcombe" and WAITS in found["routing_note"]
    forget()
    code, out, _ = run(["route", "--council", "wendlebury", "--reporter", "councillor", "--about", "officer",
                        "--concern", "bullying", "--json"], capsys)
    assert code == 0 and "routing_note" not in yaml.safe_load(out)  # nothing about the Clerk: nothing to say

    assert "Confirmed change 1" in chat("chair", "/role confirm 1")
    forget()
    code, out, _ = run(about_clerk, capsys)
    assert code == 0 and out.startswith("Raise it with the Chairman of the Staffing Committee (Cllr Gareth Hollins).")
    assert "Note:" not in out


def test_doctor_says_the_files_routing_change_waits(home: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    forget: Callable[[], None]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(["chat"], capsys)[0] == 0  # the first start: database, case key, every file's routing accepted
    change_profile(home, to_planning)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(["chat"], capsys)[0] == 0  # the next start holds it for the Chair
    forget()
    code, out, _ = run(["doctor"], capsys)
    assert code == 0, out
    lines = [line for line in out.splitlines() if line.split(maxsplit=1)[1].startswith("council wendlebury:")]
    assert len(lines) == 2 and lines[0].startswith("ok") and "routing rules check against the protocol" in lines[0]
    assert lines[1] == (f"warning  council wendlebury: routing about the Clerk: {WAITS}; {STILL}. The file asks: "
                        "reports about the Clerk would go to the chair of the Planning committee (Cllr Gareth Hollins) "
                        "instead of the chair of the Staffing committee (Cllr Alan Whitcombe)")
    assert not any("routing about the Clerk" in line for line in out.splitlines() if "wendlebury" not in line)


def test_publish_is_refused_where_the_accepted_routing_would_no_longer_hold(
        home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], forget: Callable[[], None]) -> None:
    planning_waits(home, capsys, cite_13_too)  # accepted: 5.2 and 1.3; the file's (waiting): 5.2 alone
    new = tmp_path / "wendlebury-v2.txt"
    new.write_text(wendlebury_v2(), encoding="utf-8")  # 1.3 removed
    for yes in ([], ["--yes"]):
        forget()
        code, out, err = run(["publish", "--council", "wendlebury", str(new), *yes], capsys)
        assert code == 2 and "Published" not in out, err
        assert ACCEPTED_13 in err
        assert "until the Chair confirms the profile's change to them (/role pending" in err
        assert "must be updated first" not in err  # the profile's own rules hold: editing it again mends nothing
        assert live_version(home, "wendlebury") is None

    assert "Confirmed change 1" in chat("chair", "/role confirm 1")
    forget()
    code, out, err = run(["publish", "--council", "wendlebury", str(new), "--yes", "--no-broadcast"], capsys)
    assert code == 0 and "Published version 2" in out, err


@pytest.mark.usefixtures("case_key")
async def test_publish_in_chat_is_refused_where_the_accepted_routing_would_no_longer_hold(home: Path,
                                                                                         store: Store) -> None:
    change_profile(home, cite_13_too)
    qa = QaService(Library(home, HashEmbedder(), reload_every=0))

    async def start() -> MemoryAdapter:
        dialogue = Dialogue(qa, store, rate_limit=RateLimit(burst=1000))
        await dialogue.start()
        return MemoryAdapter(dialogue, platform="terminal")

    async def publish(chat: MemoryAdapter) -> list[Reply]:
        incoming = dataclasses.replace(chat.message("/publish", user="clerk"),
                                       attachment=Attachment("protocol-v2.txt", wendlebury_v2()))
        return await chat.push(incoming)

    await start()
    change_profile(home, to_planning)
    terminal = await start()
    refused = await publish(terminal)
    assert [r.kind for r in refused] == ["publish_refused"] and refused[0].buttons == ()
    assert ACCEPTED_13 in refused[0].plain() and "The live version is unchanged" in refused[0].plain()
    assert not list(home.glob("councils/wendlebury/drafts/*.json"))

    assert (await terminal.push("/role confirm 1", user="chair"))[0].plain().startswith("Confirmed change 1")
    assert [r.kind for r in await publish(terminal)] == ["publish_preview"]


def test_doctor_names_accepted_rules_that_no_longer_hold(home: Path) -> None:
    """A protocol under which the rules still accepted no longer hold (published before ``publish`` checked them):
    reporting a concern would fail, which a check of the file alone never shows."""
    from adapters.cli.checks.clerk_routing import InForce
    from adapters.cli.checks.councils import council
    from config.routing import ClerkRouting, load_routing
    from knowledge.documents import discover

    written = load_routing("wendlebury", home)[0]
    rule = written.rules[0].model_copy(update={"clauses": ("5.2", "9.9")})
    accepted = ClerkRouting.of(written).model_copy(update={"rules": (rule,)})
    library = Library(home, HashEmbedder())
    lines = [f.line() for f in council(library, "wendlebury", discover(home)["wendlebury"], HashEmbedder().name,
                                       InForce("wendlebury", written, accepted, None, ()))]
    assert [line.split()[0] for line in lines] == ["warning", "problem", "warning"]  # index not built; then ours
    assert ("routing about the Clerk: the rules last accepted, which the bot applies until the file's are accepted, "
            "no longer hold: council wendlebury: routing rule 'councillor-about-the-clerk' cites clause '9.9', which "
            "is not in the wendlebury protocol. Reporting a concern fails until they do") in lines[1]
    assert "the file's edit changes nobody who receives reports about the Clerk" in lines[2]


def test_member_add_mentions_a_routing_change_made_by_hand_that_its_sync_held(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The Clerk edits the profile's routing by hand, then an admin adds a councillor: the add is in effect, and
    the answer says the hand-made change is not, and who must confirm it (it was silent: the admin would take the
    file as what the bot applies)."""
    add(capsys, "newbie", "Cllr Nia Pryce")
    change_profile(home, to_planning)
    out = add(capsys, "newbie2", "Cllr Ned Pryce")
    assert "In effect now." in out
    assert "also holds a change made outside this command that is not in effect" in out, out
    assert "change 1:" in out and "It needs the Chair (Cllr Priya Nandakumar)" in out, out
    # and a later command does not say it again as new: it was told once, and /role pending lists it
    assert "also holds" not in add(capsys, "newbie3", "Cllr Nell Pryce")


def test_narrowing_the_clerk_rule_waits_for_the_chair(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The Clerk narrows the rule about herself to performance alone: the same role still receives, but a
    councillor's report of bullying by her would reach nobody. That was accepted without asking; it waits now, and
    the words say which reports would no longer go where they go."""
    add(capsys, "newbie", "Cllr Nia Pryce")
    change_profile(home, lambda data: clerk_rule(data).update(concern=["performance"]))
    out = add(capsys, "newbie2", "Cllr Ned Pryce")
    assert "also holds a change made outside this command that is not in effect" in out, out
    assert "a councillor's bullying" in out and "would no longer go where they go now" in out, out
    assert "a councillor's performance" not in out  # still routed as before
