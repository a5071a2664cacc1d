"""The command line contract, run in-process with the fake embedder (wiring, not quality)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str | bytes = "",
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if monkeypatch is not None:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ask_json_lines(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"id": "q1", "council": "ledbury", "role": "councillor",
             "question": "who do I raise concerns about the clerk with"},
            {"id": "q2", "council": "honiton", "role": "officer", "question": "am I protected from bullying?"}]
    code, out, _ = run(["ask", "--json", "-"], capsys, "\n".join(json.dumps(r) for r in rows), monkeypatch)
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [x["id"] for x in lines] == ["q1", "q2"]
    for line in lines:
        assert set(line) == {"id", "council", "abstained", "answer", "passages", "latency_ms", "version"}
        if not line["abstained"]:
            assert len(line["passages"]) >= 5
            assert set(line["passages"][0]) == {"clause_id", "number", "heading", "text", "citation", "score"}
            scores = [p["score"] for p in line["passages"]]
            assert scores == sorted(scores, reverse=True)


BAD_LINES = [
    (b"this is not json", "not JSON"),
    (b'{"id": "q2", "council": "ledbury"}', '"question" must be a text'),
    (b'{"id": "q3", "council": "ledbury", "question": 42}', '"question" must be a text'),
    (b'["ledbury", "can I instruct the clerk?"]', "JSON list, not an object"),
    (b'{"id": "q5", "council": "ledbury", "question": "caf\xe9 \xff"}', "not valid UTF-8"),
    (b'{"id": "q6", "council": "ledbury", "question": "a\x00b"}', "NUL"),
]


@pytest.mark.parametrize("command", ["ask", "route"])
def test_a_bad_line_gets_its_own_error_and_the_batch_goes_on(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    good = {"council": "ledbury", "question": "can I instruct the clerk?", "reporter": "councillor",
            "about": "clerk", "concern": "conduct"}
    bad = [line for line, reason in BAD_LINES if command == "ask" or "question" not in reason]
    lines = [json.dumps({"id": "first", **good}).encode(), *bad, json.dumps({"id": "last", **good}).encode()]
    argv = ["ask", "--json", "-"] if command == "ask" else ["route", "--json", "-"]
    code, out, err = run(argv, capsys, b"\n".join(lines) + b"\n", monkeypatch)
    answers = [json.loads(x) for x in out.splitlines()]
    assert len(answers) == len(lines) and "Traceback" not in err
    assert answers[0]["id"] == "first" and "error" not in answers[0]
    assert answers[-1]["id"] == "last" and "error" not in answers[-1]
    for line, answer in zip(bad, answers[1:-1], strict=True):
        expected = next(reason for raw, reason in BAD_LINES if raw == line)
        assert expected in answer["error"] and answer["line"] == lines.index(line) + 1
    assert code == 1, "a script must notice that some lines failed"


def test_unknown_council_lists_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["ask", "hello", "--council", "narnia"], capsys)
    assert code == 2 and "Valid councils: blaby, cheshire, honiton, ledbury, wendlebury" in err


def test_empty_question_is_refused_politely(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["ask", "   ", "--council", "ledbury"], capsys)
    assert code == 2 and "Please type a question" in err


def test_very_long_question_is_answered_on_a_prefix_with_notice(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["ask", "can I instruct the clerk " * 800, "--council", "ledbury"], capsys)
    assert code == 0 and "I answered on its first 2,000 characters" in out


def test_council_add_then_ask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    protocol = tmp_path / "fen.txt"
    protocol.write_text("FENWICK PARISH COUNCIL\nMember Officer Protocol\n\n1. Staff\n\n1.1 Councillors must not "
                        "instruct employees directly.\n\n1.2 Employees answer to the Clerk.\n\n1.3 Be kind.\n",
                        encoding="utf-8")
    assert run(["council", "add", "fenwick", str(protocol), "--name", "Fenwick Parish Council"], capsys)[0] == 0
    _, out, _ = run(["councils"], capsys)
    assert "fenwick      Fenwick Parish Council" in out


def test_a_source_line_saved_above_the_protocol_is_not_its_title(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 15, finding 18: "# source: https://..." became the title in every citation."""
    protocol = tmp_path / "fen.txt"
    protocol.write_text("# source: https://www.example.gov.uk/fenwick-protocol.pdf\n\n1. Staff\n1.1 Councillors must "
                        "not instruct employees directly.\n1.2 Employees answer to the Clerk.\n", encoding="utf-8")
    assert run(["council", "add", "fenwick", str(protocol), "--name", "Fenwick Parish Council"], capsys)[0] == 0
    code, out, _ = run(["ask", "can I instruct employees?", "--council", "fenwick"], capsys)
    assert code == 0 and "(Fenwick Parish Council, Member/Officer Protocol, 1.1)" in out
    assert "example.gov.uk" not in out


def test_council_add_rejects_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    code, _, err = run(["council", "add", "emptyville", str(empty), "--name", "Emptyville"], capsys)
    assert code == 2 and "empty.txt" in err and "empty" in err


FENWICK = ("FENWICK PARISH COUNCIL\nMember Officer Protocol\n\n1. Staff\n\n1.1 Councillors must not instruct "
           "employees directly.\n\n1.2 Employees answer to the Clerk.\n\n1.3 Be kind.\n")


def _add_fenwick(tmp_path: Path, capsys: pytest.CaptureFixture[str], home: Path) -> Path:
    protocol = tmp_path / "fen.txt"
    protocol.write_text(FENWICK, encoding="utf-8")
    assert run(["council", "add", "fenwick", str(protocol), "--name", "Fenwick Parish Council"], capsys)[0] == 0
    profile = home / "councils" / "fenwick" / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "roster:\n  - name: Jo Clerk\n    roles: [clerk]\n",
                       encoding="utf-8")
    return profile


def test_adding_a_slug_in_use_is_refused_and_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             home: Path) -> None:
    profile = _add_fenwick(tmp_path, capsys, home)
    kept = profile.read_text(encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text(FENWICK.replace("Be kind.", "Be brief."), encoding="utf-8")
    for slug in ("fenwick", "ledbury"):
        code, _, err = run(["council", "add", slug, str(other), "--name", "Someone Else"], capsys)
        assert code == 2 and "already exists; nothing was changed" in err and "--replace" in err
    assert profile.read_text(encoding="utf-8") == kept
    _, out, _ = run(["councils"], capsys)
    assert "fenwick      Fenwick Parish Council" in out and "ledbury      Ledbury Town Council" in out
    assert "must not instruct" in run(["ask", "can councillors instruct employees directly?", "--council",
                                       "fenwick"], capsys)[1]


def test_replacing_keeps_the_old_text_as_a_version_and_the_roster(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  home: Path) -> None:
    profile = _add_fenwick(tmp_path, capsys, home)
    kept = profile.read_text(encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text(FENWICK.replace("must not instruct", "may ask but never instruct"), encoding="utf-8")
    code, out, _ = run(["council", "add", "fenwick", str(other), "--name", "Fenwick", "--replace"], capsys)
    assert code == 0 and "Roster and routing are unchanged" in out
    assert profile.read_text(encoding="utf-8") == kept
    _, versions, _ = run(["versions", "--council", "fenwick"], capsys)
    assert "the text in use before versions" in versions and "2            live" in versions
    assert "may ask but never instruct" in run(["ask", "can councillors instruct employees directly?", "--council",
                                                "fenwick"], capsys)[1]


def test_a_huge_file_is_refused_before_anything_is_added(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         home: Path) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_text(FENWICK * 20_000, encoding="utf-8")
    code, _, err = run(["council", "add", "bigville", str(huge), "--name", "Bigville"], capsys)
    assert code == 2 and "MB" in err and "refused" in err
    assert not (home / "councils" / "bigville").exists()


def test_removing_a_council_moves_it_aside_and_bundled_ones_stay(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 home: Path) -> None:
    _add_fenwick(tmp_path, capsys, home)
    code, out, _ = run(["council", "remove", "fenwick"], capsys)
    assert code == 0 and "Run again with --yes" in out and (home / "councils" / "fenwick").exists()
    code, out, _ = run(["council", "remove", "fenwick", "--yes"], capsys)
    assert code == 0 and "fenwick" not in run(["councils"], capsys)[1]
    aside = next((home / "removed").iterdir())
    assert "Be kind." in (aside / "council" / "protocol.txt").read_text(encoding="utf-8")
    code, _, err = run(["council", "remove", "ledbury", "--yes"], capsys)
    assert code == 2 and "bundled" in err


def test_eval_on_a_missing_or_malformed_file_says_so_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["eval", str(tmp_path / "nope.jsonl")], capsys)
    assert code == 2 and "nope.jsonl: cannot be read" in err and "Traceback" not in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"council": "ledbury", "question": "hi", "kind": "off_topic"}\nnot json\n', encoding="utf-8")
    code, _, err = run(["eval", str(bad)], capsys)
    assert code == 2 and "line 2 is not JSON" in err


@pytest.mark.parametrize("argv", [["versions", "--council", "nowhere"], ["feedback", "--council", "nowhere"]])
def test_a_misspelt_council_is_refused_not_reported_empty(argv: list[str], capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2 and "nowhere" in err and "Valid councils" in err and "No " not in out


def test_every_role_the_readme_lists_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = readme.split("Roles: ", 1)[1].split(".", 1)[0].split(", ")
    assert "committee chair" in listed
    for role in listed:
        code, _, err = run(["ask", "can I instruct the clerk?", "--council", "ledbury", "--role", role], capsys)
        assert code == 0, err


def test_councils_keeps_its_columns_for_a_long_slug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    protocol = tmp_path / "fen.txt"
    protocol.write_text(FENWICK, encoding="utf-8")
    slug = "fenwick-and-district-parish"
    assert run(["council", "add", slug, str(protocol), "--name", "Fenwick"], capsys)[0] == 0
    lines = run(["councils"], capsys)[1].splitlines()
    starts = {len(line) - len(line[len(slug):].lstrip()) for line in lines}  # where each name begins
    assert len(lines) == 6 and len(starts) == 1


def test_chat_asks_for_council_once_and_answers(home: Path) -> None:
    from adapters.cli.chat import run_chat
    from adapters.cli.runtime import make_service

    inputs = iter(["narnia", "ledbury", "/help", "/bogus", "must councillors respect the impartiality of officers?",
                   "/quit"])
    said: list[str] = []
    assert run_chat(make_service(), read=lambda _p: next(inputs), write=said.append) == 0
    text = "\n".join(said)
    assert "Council: Ledbury Town Council" in text and "Unknown command /bogus. Try /help." in text
    assert "Ledbury Town Council, Protocol on Member/Officer Relations" in text


def test_db_upgrade_then_feedback_listing(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["db", "upgrade"], capsys)
    from bot.store.migrate import head

    assert code == 0 and f"protocol-bot.db: schema at revision {head()} (newest)" in out
    assert (home / "protocol-bot.db").exists()
    assert run(["feedback"], capsys)[1].strip() == "No feedback yet."
    from adapters.cli.chat import run_chat
    from adapters.cli.runtime import make_service

    inputs = iter(["must councillors respect the impartiality of officers?", "1", "/quit"])
    run_chat(make_service(), user="okafor", read=lambda _p: next(inputs), write=lambda _s: None)
    code, out, _ = run(["feedback", "--council", "wendlebury", "--json"], capsys)
    rows = json.loads(out)
    assert code == 0 and [(r["council"], r["helpful"], r["question"]) for r in rows] == [
        ("wendlebury", True, "must councillors respect the impartiality of officers?")]
    assert rows[0]["clause_ids"] and all(c.startswith("wendlebury:") for c in rows[0]["clause_ids"])
    assert run(["feedback", "--council", "ledbury"], capsys)[1].strip() == "No feedback yet for ledbury."


def test_unreachable_database_is_a_clear_error(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_DATABASE_URL", "postgresql://bot:hunter2@127.0.0.1:1/protocol")
    code, _, err = run(["db", "upgrade"], capsys)
    assert code == 2 and "Cannot open the database at postgresql+asyncpg://bot:***@127.0.0.1:1/protocol" in err
    assert "hunter2" not in err


def test_chat_walks_a_report_and_shows_nobody_else_s_notice(home: Path) -> None:
    from adapters.cli.chat import run_chat
    from adapters.cli.runtime import make_service

    inputs = iter(["/report", "1", "2", "1", "1", "The clerk was rude to me.", "1", "send", "/quit"])
    said: list[str] = []
    assert run_chat(make_service(), user="okafor", read=lambda _p: next(inputs), write=said.append) == 0
    text = "\n".join(said)
    assert "goes first to the Chairman of the Staffing Committee (Cllr Alan Whitcombe)" in text
    assert "- What happened:\n\n| The clerk was rude to me." in text  # what was typed, quoted
    assert "Your reference is WEN-" in text and "shown only this once" in text
    assert "has been sent to you through Protocol Bot" not in text  # Cllr Whitcombe's notice is not ours


def test_every_answer_records_the_version_it_quoted(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``ask --json`` (one question, and JSON Lines) and the rated answers of ``feedback --json``: ``null`` for the
    text in use before any version was published, then the published version's name."""
    from adapters.cli.chat import run_chat
    from adapters.cli.runtime import make_service
    from tests.test_publish_chat import wendlebury_v2

    monkeypatch.delenv("PROTOCOL_BOT_DATABASE_URL", raising=False)
    question = "can councillors instruct employees?"

    def ask_and_rate() -> None:
        inputs = iter([question, "1", "/quit"])
        run_chat(make_service(), user="okafor", read=lambda _p: next(inputs), write=lambda _s: None)

    def asked_versions() -> list[str | None]:
        one = json.loads(run(["ask", question, "--council", "wendlebury", "--json"], capsys)[1])
        lines = run(["ask", "--json", "-"], capsys, json.dumps({"id": "q1", "council": "wendlebury",
                                                                 "question": question}), monkeypatch)[1]
        return [one["version"], *(json.loads(line)["version"] for line in lines.splitlines())]

    assert asked_versions() == [None, None]
    ask_and_rate()
    new = tmp_path / "wendlebury-v2.txt"
    new.write_text(wendlebury_v2(), encoding="utf-8")
    code, _, _ = run(["publish", "--council", "wendlebury", str(new), "--version", "2026-11", "--yes",
                      "--no-broadcast"], capsys)
    assert code == 0 and asked_versions() == ["2026-11", "2026-11"]
    ask_and_rate()
    code, out, _ = run(["feedback", "--council", "wendlebury", "--json"], capsys)
    assert code == 0 and [r["version"] for r in json.loads(out)] == [None, "2026-11"]


def test_output_cut_short_by_the_reader_ends_quietly(home: Path) -> None:
    """``protocol-bot eval FILE | head -1``: no traceback when the pipe closes, the shell's SIGPIPE status."""
    script = ("import subprocess, sys\n"
              "p = subprocess.Popen([sys.executable, '-m', 'adapters.cli.main', 'councils'], stdout=subprocess.PIPE,"
              " stderr=subprocess.PIPE)\n"
              "p.stdout.close()\n"
              "err = p.stderr.read().decode()\n"
              "print(p.wait(), repr(err))\n")
    env = {**os.environ, "PROTOCOL_BOT_HOME": str(home), "PROTOCOL_BOT_EMBEDDER": "hash"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    code, err = done.stdout.split(" ", 1)
    assert code == "141" and "Traceback" not in err and "BrokenPipe" not in err


def test_help_describes_the_bot_not_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert "Member/Officer Protocol" in shown and "Only this entry point exits" not in shown and "``" not in shown
