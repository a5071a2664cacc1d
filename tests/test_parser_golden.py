"""The five seed protocols parse to the reviewed golden clauses, and the tricky spots hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.documents import BUNDLED_DIR, CouncilSource
from knowledge.errors import ProtocolFileError
from knowledge.parsing import parse_clauses

GOLDEN = Path(__file__).parent / "golden"
SEEDS = ["wendlebury", "blaby", "cheshire", "ledbury", "honiton"]


def parsed(slug: str) -> dict[str, dict[str, object]]:
    doc = CouncilSource(slug, BUNDLED_DIR / slug).parse()
    return {c.clause_id: {"number": c.number, "heading_path": list(c.heading_path), "title": c.title,
                          "para": c.para, "offset": c.offset, "text": c.text} for c in doc.clauses}


@pytest.mark.parametrize("slug", SEEDS)
def test_matches_reviewed_golden(slug: str) -> None:
    golden = json.loads((GOLDEN / f"{slug}.json").read_text(encoding="utf-8"))
    expected = {c.pop("clause_id"): c for c in golden["clauses"]}
    assert parsed(slug) == expected


@pytest.mark.parametrize("slug", SEEDS)
def test_offsets_point_at_the_clause_in_the_source(slug: str) -> None:
    source = (BUNDLED_DIR / slug / "protocol.txt").read_text(encoding="utf-8")
    for clause in parsed(slug).values():
        first_words = str(clause["text"]).split()[0].lstrip("“\"'(")
        window = source[int(clause["offset"]) : int(clause["offset"]) + 200]  # type: ignore[call-overload]
        assert first_words in window


def test_wendlebury_footer_is_not_a_clause_and_item_h_stays_in_3_2() -> None:
    clauses = parsed("wendlebury")
    assert not any("Date agreed" in str(c["text"]) for c in clauses.values())
    assert "h That Councillors will at all times comply with the Council's Code of Conduct." in str(
        clauses["wendlebury:3.2"]["text"])
    assert str(clauses["wendlebury:3.1"]["text"]).count("\n") == 14  # lead-in + items a-n


def test_ledbury_keeps_both_clauses_printed_2_3_5() -> None:
    clauses = parsed("ledbury")
    assert clauses["ledbury:2.3.5"]["number"] == clauses["ledbury:2.3.5~2"]["number"] == "2.3.5"
    assert "agenda item" in str(clauses["ledbury:2.3.5"]["text"])
    assert "must not seek to instruct employees" in str(clauses["ledbury:2.3.5~2"]["text"])
    assert not any("Appendix 10" in str(c["text"]) for c in clauses.values())


def test_honiton_sentence_broken_by_running_header_is_rejoined() -> None:
    text = str(parsed("honiton")["honiton:2.3"]["text"])
    assert "must not ask them to undertake any work of a party political nature" in text
    assert not any("Signed" in str(c["text"]) or "HONITON" in str(c["text"]) for c in parsed("honiton").values())


def test_cheshire_contents_are_not_clauses_and_headings_cite() -> None:
    clauses = parsed("cheshire")
    assert not any("\t" in str(c["text"]) for c in clauses.values())
    procedure = clauses["cheshire:if-things-go-wrong/procedure-for-councillors:p1"]
    assert procedure["heading_path"] == ["If things go wrong", "Procedure for councillors"]


def test_blaby_lead_in_keeps_its_list() -> None:
    clauses = parsed("blaby")
    must = next(c for c in clauses.values() if str(c["text"]).startswith("Officers must:-"))
    assert str(must["text"]).count("\n") == 6


def test_numbers_on_their_own_lines_and_employees_wording() -> None:
    text = ("Protocol\n\n8.62\nEmployees serve the council as a whole.\n\n8.63\n"
            "Members must not instruct employees.\n\n8.64\nAll must be courteous.\n")
    clauses, _, _ = parse_clauses(text, council="x")
    assert [c.number for c in clauses] == ["8.62", "8.63", "8.64"]
    assert clauses[1].text == "Members must not instruct employees."


def test_unnumbered_plain_text_gets_paragraph_citations() -> None:
    text = "Our protocol\n\nIntroduction\n\nFirst paragraph here.\n\nSecond paragraph,\nwrapped.\n"
    clauses, _, _ = parse_clauses(text, council="x")
    assert [(c.heading_path, c.para, c.text) for c in clauses] == [
        (("Introduction",), 1, "First paragraph here."), (("Introduction",), 2, "Second paragraph, wrapped.")]


@pytest.mark.parametrize("text,problem", [("", "is empty"), ("   \n\n", "is empty"), ("\x00\x01bin", "binary")])
def test_malformed_text_names_the_file(text: str, problem: str) -> None:
    with pytest.raises(ProtocolFileError, match=f"bad.txt.*{problem}"):
        parse_clauses(text, council="x", source_name="bad.txt")
