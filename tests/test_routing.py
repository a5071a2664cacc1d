"""Report-a-concern routing: the dev scenarios, the rules' citations checked at load, honest fallbacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.routing import NOT_FROM_PROTOCOL, RoutingBook, load_book
from config.councils import load_profile
from config.routing import RoutingConfigError
from knowledge.embedding import HashEmbedder
from knowledge.evaluation import normalise
from knowledge.library import Library

DEV_ROUTES = Path(__file__).resolve().parent / "data" / "dev_routes.jsonl"
"""A copy of ``shared/eval/dev_routes.jsonl`` (the dev scenarios), so CI checks them wherever it clones."""
REVIEW_ROUTES = Path(__file__).resolve().parent / "data" / "review_routes.jsonl"
"""Reviewed readings of each protocol (same format, ``note`` cites the clause): the tricky combinations pinned."""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    library = Library(tmp_path_factory.mktemp("routing-home"), HashEmbedder())
    library.load_all()
    return library


def book(library: Library, council: str, home: Path | None = None) -> RoutingBook:
    home = home or library.home
    return load_book(council, library.council(council), load_profile(council, home), home)


def scenarios(path: Path = DEV_ROUTES) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.skipif(not DEV_ROUTES.exists(), reason=f"{DEV_ROUTES} not present in this checkout")
@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: str(s["id"]))
def test_dev_route_scenarios(library: Library, scenario: dict[str, object]) -> None:
    check_scenario(library, scenario)


@pytest.mark.parametrize("scenario", scenarios(REVIEW_ROUTES), ids=lambda s: str(s["id"]))
def test_reviewed_route_scenarios(library: Library, scenario: dict[str, object]) -> None:
    assert scenario["note"], "a reviewed reading cites the clause it rests on"
    check_scenario(library, scenario, every_phrase=True)


def check_scenario(library: Library, scenario: dict[str, object], every_phrase: bool = False) -> None:
    """Right recipient (contains the expected words) quoting the clause that says so; ``every_phrase``: all of
    the expected phrases are quoted, not just one."""
    route = book(library, str(scenario["council"])).route(
        str(scenario["reporter"]), str(scenario["about"]), str(scenario["concern"]))
    expected = scenario["expect_recipient"]
    if expected is None:
        assert not route.covered and route.recipient is None and not route.passages
        assert route.fallback and NOT_FROM_PROTOCOL in route.fallback
        return
    assert route.covered and route.recipient and str(expected).lower() in route.recipient.lower()
    quoted = [normalise(p.clause.text) for p in route.passages]
    found = [any(normalise(str(e)) in q for q in quoted) for e in scenario["expect"]]  # type: ignore[attr-defined]
    assert all(found) if every_phrase else any(found)


def test_every_route_quotes_real_clauses_with_citations(library: Library) -> None:
    for council in ("wendlebury", "blaby", "cheshire", "ledbury", "honiton"):
        clauses = {c.clause_id: c.text for c in library.council(council).clauses}
        rules = book(library, council)
        for reporter in ("councillor", "officer", "clerk"):
            for about in ("officer", "clerk", "councillor", "chair"):
                for concern in ("conduct", "performance", "bullying", "code_of_conduct_breach", "fraud",
                                "criminal", "confidential_information", "relationship_breakdown"):
                    route = rules.route(reporter, about, concern)
                    for passage in route.passages:
                        assert clauses[passage.clause.clause_id] == passage.clause.text
                        assert (passage.clause.number or "para") in passage.citation
                    flat = " ".join(normalise(p.clause.text) for p in route.passages)
                    assert all(normalise(step) in flat for step in route.next_steps)


def test_named_person_comes_from_the_roster(library: Library) -> None:
    route = book(library, "wendlebury").route("councillor", "clerk", "conduct")
    assert route.recipient == "the Chairman of the Staffing Committee"
    assert route.person == "Cllr Alan Whitcombe"
    assert book(library, "wendlebury").route("councillor", "officer", "performance").person == "Margaret Ashdown"


def test_a_route_to_the_person_concerned_is_flagged(library: Library) -> None:
    ledbury = book(library, "ledbury").route("councillor", "clerk", "conduct")
    assert ledbury.recipient == "the Clerk" and ledbury.recipient_is_subject
    assert not book(library, "wendlebury").route("councillor", "clerk", "conduct").recipient_is_subject


def test_a_broken_relationship_with_the_ledbury_clerk_is_raised_with_the_clerk_and_flagged(library: Library) -> None:
    route = book(library, "ledbury").route("councillor", "clerk", "relationship_breakdown")
    assert route.recipient == "the Clerk" and route.recipient_is_subject
    assert [p.clause.number for p in route.passages] == ["5.4"]


def test_blaby_whistleblowing_points_to_outside_advice(library: Library) -> None:
    outside_the_council = (("fraud", "appropriate body outside the Council"), ("criminal", "directly with the police"))
    for concern, outside in outside_the_council:
        route = book(library, "blaby").route("officer", "councillor", concern)
        assert any(outside in step for step in route.next_steps)
        assert any("Protect - Telephone 020 3117 2520" in step for step in route.next_steps)


def test_code_of_conduct_fallback_is_labelled_not_from_the_protocol(library: Library) -> None:
    route = book(library, "honiton").route("councillor", "councillor", "code_of_conduct_breach")
    assert not route.covered
    assert route.fallback == f"You could ask the Monitoring Officer of East Devon District Council {NOT_FROM_PROTOCOL}."


def test_a_concern_the_protocol_does_not_cover_about_the_clerk_is_not_pointed_back_at_the_clerk(
        library: Library) -> None:
    about_clerk = book(library, "honiton").route("councillor", "clerk", "performance")
    assert not about_clerk.covered
    assert about_clerk.fallback == f"You could ask the Mayor {NOT_FROM_PROTOCOL}."
    about_officer = book(library, "honiton").route("councillor", "officer", "performance")
    assert about_officer.fallback == f"You could ask the Town Clerk {NOT_FROM_PROTOCOL}."
    from_the_clerk = book(library, "ledbury").route("clerk", "officer", "conduct")
    assert from_the_clerk.fallback == f"You could ask the Mayor {NOT_FROM_PROTOCOL}."


@pytest.mark.parametrize("council", ["ledbury", "cheshire"])
def test_an_employee_mistreated_by_the_clerk_or_a_colleague_has_the_grievance_procedure(
        library: Library, council: str) -> None:
    """Both say the grievance procedure lets employees raise complaints "about their employment"."""
    for about in ("clerk", "officer"):
        route = book(library, council).route("officer", about, "bullying")
        assert route.covered and "grievance procedure" in (route.recipient or "")
        assert any("complaints about their employment" in p.clause.text for p in route.passages)
    assert not book(library, council).route("officer", "clerk", "fraud").covered


def write_profile(home: Path, council: str, rules: str) -> None:
    folder = home / "councils" / council
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profile.yaml").write_text(f"council: {council}\nrouting:\n  rules:\n{rules}", encoding="utf-8")


@pytest.mark.parametrize(("rules", "complaint"), [
    ('    - {id: ghost, recipient: the Clerk, clauses: ["9.9"]}\n', "cites clause '9.9', which is not in"),
    ('    - {id: wrong-person, recipient: the Mayor, clauses: ["5.4"]}\n', "recipient 'the Mayor' is not named"),
    ('    - {id: twice, recipient: the Clerk, clauses: ["2.3.5"]}\n', "printed more than once"),
    ('    - {id: made-up, recipient: the Clerk, clauses: ["5.4"], next_steps: ["Call the police."]}\n',
     "not quoted verbatim"),
    ('    - {id: bad-concern, concern: [parking], recipient: the Clerk, clauses: ["5.4"]}\n',
     "routing.rules.0.concern"),
])
def test_a_bad_rule_is_refused_naming_file_and_rule(library: Library, tmp_path: Path, rules: str,
                                                    complaint: str) -> None:
    write_profile(tmp_path, "ledbury", rules)
    with pytest.raises(RoutingConfigError) as caught:
        book(library, "ledbury", home=tmp_path)
    assert complaint in str(caught.value)
    assert str(tmp_path / "councils" / "ledbury" / "profile.yaml") in str(caught.value)


def test_route_command_reads_and_writes_json_lines(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from adapters.cli.main import main

    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    rows = [{"id": "r1", "council": "wendlebury", "reporter": "councillor", "about": "clerk", "concern": "conduct"},
            {"id": "r2", "council": "honiton", "reporter": "officer", "about": "councillor", "concern": "bullying"},
            {"id": "r3", "council": "ledbury", "reporter": "mayor", "about": "clerk", "concern": "conduct"}]
    lines = "\n".join(json.dumps(r) for r in rows).encode("utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(lines), encoding="utf-8"))
    assert main(["route", "--json", "-"]) == 1  # r3 failed: a script must notice
    first, second, third = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert set(first) == {"id", "covered", "recipient", "person", "passages", "next_steps"}
    assert first["covered"] and first["recipient"] == "the Chairman of the Staffing Committee"
    assert set(first["passages"][0]) == {"clause_id", "number", "text", "citation"}
    assert first["passages"][0]["number"] == "5.2"
    assert second["covered"] is False and second["recipient"] is None and second["passages"] == []
    assert any(o["name"] == "ACAS" and not o["from_protocol"] for o in second["outside"]), second
    assert "reporter must be one of" in third["error"]
