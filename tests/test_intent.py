"""The report offer, measured (issue 14, finding 5): recall on ways people say they want to report, complain, raise a
grievance or blow the whistle, and false offers on ordinary protocol questions.

Both lists were written before the pattern in ``bot/intent.py`` was read (the lines at the end of each, after a
comment, were written later as a check and kept). The numbers are printed with every run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.intent import wants_to_report

DATA = Path(__file__).parent / "data"
RECALL = 0.95
FALSE_OFFERS = 0.02


def lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_offer_catches_people_who_want_to_report_and_spares_ordinary_questions(
        capsys: pytest.CaptureFixture[str]) -> None:
    wanting = lines("report_offer_phrasings.txt")
    ordinary = lines("ordinary_questions.txt")
    assert len(wanting) >= 100 and len(ordinary) >= 100
    assert not set(wanting) & set(ordinary)
    missed = [p for p in wanting if not wants_to_report(p)]
    offered = [q for q in ordinary if wants_to_report(q)]
    recall = 1 - len(missed) / len(wanting)
    false_offers = len(offered) / len(ordinary)
    with capsys.disabled():
        print(f"\nreport offer: recall {recall:.3f} on {len(wanting)} phrasings, false offers {false_offers:.3f} "
              f"on {len(ordinary)} ordinary questions")
    assert recall >= RECALL, f"recall {recall:.3f}; missed: {missed}"
    assert false_offers <= FALSE_OFFERS, f"false offers {false_offers:.3f}: {offered}"


@pytest.mark.parametrize("text", ["who does the clerk report to?", "what reports does the RFO give to council?",
                                  "how do I report my absence from a meeting?", "what is a conflict of interest?",
                                  "can the RFO make payments without approval?"])
def test_report_as_a_noun_or_line_management_is_not_an_offer(text: str) -> None:
    assert not wants_to_report(text)


@pytest.mark.parametrize("text", ["I want to report the clerk for misconduct", "the clerk is bullying me",
                                  "blow the whistle", "who do I complain to about the clerk?",
                                  "I\u2019m being picked on by the clerk", "i wanna report the clerk"])
def test_the_phrasings_the_issue_saw_missed_are_offered(text: str) -> None:
    assert wants_to_report(text)
