"""Scoring: a person reads the first line first, so lead accuracy is judged on that line alone."""

from __future__ import annotations

from typing import Any

from knowledge.evaluation import evaluate

QUESTION = {"id": "q", "council": "wendlebury", "kind": "answerable",
            "expect": ["the matter should be raised with the Chairman of the Staffing Committee"]}
ANSWERING = "If it concerns the Clerk, the matter should be raised with the Chairman of the Staffing Committee."
OTHER = "Any complaint should be raised with the Parish Clerk."


def scores(answers: list[tuple[bool, list[str], str | None]]) -> dict[str, Any]:
    replies = iter(answers)
    overall: dict[str, Any] = evaluate([QUESTION] * len(answers), lambda q: next(replies))["overall"]
    return overall


def test_a_lead_naming_the_wrong_person_is_a_miss_even_when_the_clause_is_found() -> None:
    result = scores([(False, [f"{OTHER} {ANSWERING}"], OTHER), (False, [f"{OTHER} {ANSWERING}"], ANSWERING)])
    assert result["hit@1"] == 1.0
    assert result["lead"] == 0.5


def test_an_abstention_never_counts_as_a_right_lead() -> None:
    result = scores([(True, [ANSWERING], ANSWERING)])
    assert result["lead"] == 0.0 and result["false_abstention"] == 1.0
