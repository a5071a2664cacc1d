"""``protocol-bot publish | versions | diff`` in-process with the fake embedder: preview without --yes changes
nothing; with --yes the version goes live and its changes are queued for members; a bad file changes nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from adapters.cli.main import main
from bot.store import Store
from knowledge.documents import BUNDLED_DIR
from knowledge.versions import live_version
from tests.test_publish_versions import NEW_54, ledbury_v2


def ledbury_v2_keeping_the_rules() -> str:
    """5.4 reworded, 4.5 removed (no routing rule cites it), 5.5 added."""
    text = (BUNDLED_DIR / "ledbury" / "protocol.txt").read_text(encoding="utf-8")
    text = text.replace("must be raised with the Clerk in the first instance", NEW_54)
    start, end = text.index("4.5 If the Clerk"), text.index(" 5. If things go wrong")
    return text[:start] + text[end:] + "\n5.5 Councillors will receive a copy of this protocol when elected.\n"


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    monkeypatch.delenv("PROTOCOL_BOT_DATABASE_URL", raising=False)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_preview_then_publish_then_versions_and_diff(home: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    new = tmp_path / "ledbury-v2.txt"
    new.write_text(ledbury_v2_keeping_the_rules(), encoding="utf-8")
    code, out, _ = run(["publish", "--council", "ledbury", str(new)], capsys)
    assert code == 0 and "5.4 changed\n  was: " in out and "5.5 added" in out and "4.5 removed" in out
    assert "Nothing published" in out and live_version(home, "ledbury") is None

    code, out, _ = run(["publish", "--council", "ledbury", str(new), "--version", "2026-11", "--note", "5.4", "--yes"],
                       capsys)
    assert code == 0 and "Published version 2026-11" in out and "Queued 0 message(s)" in out
    assert live_version(home, "ledbury") == "2026-11"
    code, out, _ = run(["ask", "--council", "ledbury", "who do I raise concerns about staff with?", "--json"], capsys)
    assert code == 0

    code, out, _ = run(["versions", "--council", "ledbury", "--json"], capsys)
    assert [(v["version"], v["live"], v["note"]) for v in json.loads(out)] == [
        ("1", False, "the text in use before versions"), ("2026-11", True, "5.4")]
    code, out, _ = run(["diff", "--council", "ledbury", "1", "2026-11"], capsys)
    assert code == 0 and "3 clause(s) differ" in out and NEW_54 in out and "4.5 removed" in out

    async def broadcasts() -> int | None:
        store = await Store.open()
        try:
            found = await store.broadcasts.latest("ledbury")
            return found.id if found and found.version == "2026-11" else None
        finally:
            await store.close()

    assert asyncio.run(broadcasts()) is not None  # queued (Ledbury has no roster, so no one to send to yet)


def test_a_bad_file_changes_nothing(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "minutes.txt"
    bad.write_text("Minutes of the meeting of 3 March.", encoding="utf-8")
    code, _, err = run(["publish", "--council", "ledbury", str(bad), "--yes"], capsys)
    assert code == 2 and "is it the whole protocol?" in err and live_version(home, "ledbury") is None
    code, _, err = run(["diff", "--council", "ledbury", "1", "2"], capsys)
    assert code == 2 and "no version '1'" in err


def test_a_version_dropping_a_clause_a_routing_rule_cites_is_refused(home: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    new = tmp_path / "ledbury-v2.txt"
    new.write_text(ledbury_v2(), encoding="utf-8")  # 5.3 removed: the rule for officers' grievances cites it
    for yes in ([], ["--yes"]):
        code, out, err = run(["publish", "--council", "ledbury", str(new), *yes], capsys)
        assert code == 2 and "5.3 removed" in out  # the preview still shows what changed
        assert ("routing rule 'working-relationship-with-a-councillor' cites clause 5.3, which version 2 does not "
                "have (removed or renumbered)") in err
        assert "routing rules in the council profile (config/councils/ledbury.yaml) must be updated first" in err
        assert "Published" not in out and live_version(home, "ledbury") is None


def test_publishing_from_a_fresh_home_reaches_the_roster(home: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Chat or serve has never started here, so the roster file has never been read into the database."""
    profile = home / "councils" / "ledbury" / "profile.yaml"
    profile.parent.mkdir(parents=True)
    profile.write_text("council: ledbury\nask_instead: the Town Clerk\nroster:\n"
                       "  - {name: Ann Clerk, roles: [clerk], handles: {telegram: '101'}}\n"
                       "  - {name: Cllr Bo, roles: [councillor], handles: {telegram: '102', slack: U102}}\n",
                       encoding="utf-8")
    new = tmp_path / "ledbury-v2.txt"
    new.write_text(ledbury_v2_keeping_the_rules(), encoding="utf-8")
    code, out, err = run(["publish", "--council", "ledbury", str(new), "--yes"], capsys)
    assert code == 0, err
    assert "Queued 3 message(s)" in out, out
