"""Numbering styles cited by the document's own numbers, as a reader holding the printed page checks them.

- ``corpus/protocols/brackley.txt``: legal style, "4.(1)" then "(2)", "(3)" under "SECTION 4 - ...", items
  "(a)", "(i)" after a lead-in ending in a dash, definitions listed under "1.(1) ... requires -";
- ``corpus/protocols/carrowvale.txt``: a Welsh community council's guide, sections "B. Roles (Rolau)" with
  paragraphs "B2", "C14" printed without a full stop, some titles long with their Welsh in brackets;
- ``tests/data/foreign/carnmore_code.txt``: a Northern Ireland council's code, paragraphs "Para 12. ...";
- ``tests/data/foreign/fordhambury_slides.txt``: an induction deck exported from PowerPoint and adopted as the
  protocol: "Slide 4 of 22", the slide's title, bullets, "Speaker notes:", some titles "Rule 7 – ...".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from knowledge.citation import cite
from knowledge.clauses import Clause, DocumentMeta
from knowledge.parsing import parse_clauses

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "brackley": ROOT / "corpus" / "protocols" / "brackley.txt",
    "carrowvale": ROOT / "corpus" / "protocols" / "carrowvale.txt",
    "carnmore": ROOT / "tests" / "data" / "foreign" / "carnmore_code.txt",
    "fordhambury": ROOT / "tests" / "data" / "foreign" / "fordhambury_slides.txt",
}
META = DocumentMeta(council="x", council_name="Council", title="Protocol")


@cache
def clauses(name: str) -> tuple[Clause, ...]:
    text = FILES[name].read_bytes().decode("utf-8-sig")
    return tuple(parse_clauses(text, council=name)[0])


def holding(name: str, sentence: str) -> Clause:
    found = [c for c in clauses(name) if sentence in c.text]
    assert len(found) == 1, f"{sentence!r} is in {len(found)} clauses of {name}"
    return found[0]


@pytest.mark.parametrize(("sentence", "number"), [
    ("In this Protocol, unless the context otherwise requires", "1(1)"),
    ("Where the Clerk also holds the office of RFO", "1(2)"),
    ("Outside meetings the Chairman", "4(2)"),
    ("is the civic representative of the Council;", "4(2)"),
    ("The Chairman has no greater right than any other Member", "4(3)"),
    ("keep it securely and not share it with any third party", "12(2)"),
    ("This Protocol shall be reviewed by the Council every two years", "17(1)"),
])
def test_legal_style_paragraphs_are_cited_section_then_bracket(sentence: str, number: str) -> None:
    clause = holding("brackley", sentence)
    assert clause.number == number
    assert cite(clause, META) == f"Council, Protocol, {number}"


def test_legal_style_lead_in_keeps_its_items_and_definitions() -> None:
    outside = holding("brackley", "Outside meetings the Chairman")
    assert outside.text.splitlines()[1].startswith("(a) is the civic representative")
    definitions = holding("brackley", '"the Clerk" means the person appointed')
    assert definitions.number == "1(1)"
    assert '"normal office hours" means' in definitions.text


def test_legal_style_first_section_is_a_heading_not_the_title() -> None:
    assert holding("brackley", "In this Protocol, unless").heading_path == ("Section 1 - interpretation",)


@pytest.mark.parametrize(("sentence", "number", "heading"), [
    ("The Chair presides at meetings of the Council", "B2", "Roles (Rolau)"),
    ("The Council office is staffed from 9.30am to 2.30pm", "D1", "Contact with staff (Cysylltu â staff)"),
    ("has no right to see information simply out of curiosity", "E2",
     "Information and requests for work (Gwybodaeth a cheisiadau am waith)"),
    ("The Staffing Panel will acknowledge a complaint", "O5", "Complaints and concerns (Cwynion a phryderon)"),
])
def test_lettered_paragraphs_are_cited_by_their_letter_and_number(sentence: str, number: str,
                                                                     heading: str) -> None:
    clause = holding("carrowvale", sentence)
    assert clause.number == number
    assert clause.heading_path == (heading,)
    assert cite(clause, META) == f"Council, Protocol, {number}"


def test_lettered_paragraph_keeps_its_items() -> None:
    clause = holding("carrowvale", "Staff member concerned about a councillor:")
    assert clause.number == "O3"
    assert "(ii) the Clerk, if concerned" in clause.text


@pytest.mark.parametrize(("sentence", "number", "heading"), [
    ("The Council can only serve the people of the district well", "2", "Introduction and Purpose"),
    ("An Elected Member who wants work carried out should raise it", "12", "Instructions to Staff"),
    ("This Code will be reviewed every two years", "60", "Breaches of this Code"),
])
def test_para_numbered_paragraphs_are_cited_by_their_number(sentence: str, number: str, heading: str) -> None:
    clause = holding("carnmore", sentence)
    assert clause.number == number
    assert clause.heading_path == (heading,)
    assert not clause.text.startswith("Para")
    assert cite(clause, META) == f"Council, Protocol, {number}"


@pytest.mark.parametrize(("sentence", "title"), [
    ("Declare any close relationship between a councillor", "Rule 7 – Close personal relationships"),
    ("There is one out-of-hours contact", "Out of hours and emergencies"),
    ("Councillors decide policy and set the budget", "The role of councillors"),
])
def test_slide_title_heads_its_bullets(sentence: str, title: str) -> None:
    clause = holding("fordhambury", sentence)
    assert clause.heading_path == (title,)
    assert cite(clause, META) == f'Council, Protocol, "{title}", para 1'


def test_speaker_notes_stay_under_their_slide() -> None:
    clause = holding("fordhambury", "Fordham Bury is a small town and people know each other")
    assert clause.heading_path == ("Rule 7 – Close personal relationships",)
    assert cite(clause, META) == 'Council, Protocol, "Rule 7 – Close personal relationships", para 2'


def test_slide_markers_and_titles_are_not_clause_text() -> None:
    texts = [c.text for c in clauses("fordhambury")]
    assert not any("Slide 15 of 22" in t or "Slide 1 of 22" in t for t in texts)
    assert not any(t.startswith("Rule 7 – Close personal relationships") for t in texts)
