"""A protocol written as questions and answers ('Q2. What is my role ...?'), numbered Q1, Q2 ...

Before: the parser stopped with ``ValueError: invalid literal for int() with base 10: 'Q2'`` while deciding
whether an unnumbered paragraph continued the clause before it, so the council could not be added at all.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.parsing import parse_clauses

WETHERSTOW = Path(__file__).resolve().parents[1] / "corpus" / "protocols" / "wetherstow.txt"


def test_a_question_and_answer_protocol_parses_with_its_questions_as_clause_numbers() -> None:
    clauses, _, _ = parse_clauses(WETHERSTOW.read_text(encoding="utf-8"), council="wetherstow")
    numbered = {c.number: c for c in clauses if c.number}
    assert {"Q1", "Q2", "Q3"} <= set(numbered)
    assert numbered["Q2"].text.startswith("What is my role as an individual councillor?")
    assert "represent the whole parish" in numbered["Q2"].text


def test_a_note_between_q1_and_q2_does_not_stop_the_parse() -> None:
    text = ("Q1. Who is this for?\nEveryone on the council.\n\nA note on terms.\n\nQ2. Who decides?\n"
            "The council as a whole.\n\nQ3. What about staff?\nThe Clerk manages them.\n")
    clauses, _, _ = parse_clauses(text, council="x")
    assert [c.number for c in clauses if c.number] == ["Q1", "Q2", "Q3"]
