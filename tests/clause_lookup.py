"""Finding a clause by its words in a parsed text: the parser tests ask where a sentence ended up."""

from __future__ import annotations

from knowledge.clauses import Clause
from knowledge.parsing import parse_clauses


def parsed(text: str) -> list[Clause]:
    return parse_clauses(text, council="x")[0]


def holding(clauses: list[Clause], words: str) -> Clause:
    """The one clause holding ``words`` (a failure names how many did)."""
    found = [c for c in clauses if words in c.text]
    assert len(found) == 1, f"{words!r} is in {len(found)} clauses"
    return found[0]
