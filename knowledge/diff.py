"""Clause-level differences between two versions of a protocol: what the Clerk previews before publishing.

Numbered clauses are matched by the number as printed, so "5.2 reworded" is one change rather than a
removal and an addition. Unnumbered paragraphs have no stable name (inserting one renumbers every
paragraph after it), so they are aligned by their text, in order, the way ``diff`` aligns lines, and a
pair that is still mostly the same words counts as changed.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from knowledge.clauses import Clause

Kind = Literal["added", "removed", "changed"]
SAME_CLAUSE_RATIO = 0.5
"""Two unnumbered paragraphs at the same place whose words overlap this much are one changed paragraph."""


@dataclass(frozen=True, slots=True)
class ClauseChange:
    kind: Kind
    old: Clause | None
    new: Clause | None

    @property
    def label(self) -> str:
        clause = self.new or self.old
        assert clause is not None
        if clause.number:
            return clause.number
        heading = " > ".join(clause.heading_path) or "(untitled)"
        return f'"{heading}", para {clause.para}' if clause.para else f'"{heading}"'


@dataclass(frozen=True, slots=True)
class ProtocolDiff:
    changes: tuple[ClauseChange, ...]
    unchanged: int

    def of_kind(self, kind: Kind) -> list[ClauseChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def changed_ids(self) -> frozenset[str]:
        """Old clause ids that were changed or removed: routing rules citing them need a look."""
        return frozenset(c.old.clause_id for c in self.changes if c.old and c.kind != "added")

    def __bool__(self) -> bool:
        return bool(self.changes)


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _similar(a: Clause, b: Clause) -> float:
    return difflib.SequenceMatcher(None, _words(a.text).split(), _words(b.text).split(), autojunk=False).ratio()


def _unique_numbers(clauses: list[Clause]) -> set[str]:
    counts = Counter(c.number for c in clauses if c.number)
    return {n for n, count in counts.items() if count == 1}


def diff_clauses(old: list[Clause], new: list[Clause]) -> ProtocolDiff:
    changes: list[ClauseChange] = []
    unchanged = 0
    numbered = _unique_numbers(old) & _unique_numbers(new)
    old_by_number = {c.number: c for c in old if c.number in numbered}
    new_by_number = {c.number: c for c in new if c.number in numbered}
    for number in (c.number for c in new if c.number in numbered):
        before, after = old_by_number[number], new_by_number[number]
        if _words(before.text) == _words(after.text):
            unchanged += 1
        else:
            changes.append(ClauseChange("changed", before, after))

    rest_old = [c for c in old if c.number not in numbered]
    rest_new = [c for c in new if c.number not in numbered]
    matcher = difflib.SequenceMatcher(None, [_words(c.text) for c in rest_old], [_words(c.text) for c in rest_new],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            unchanged += i2 - i1
            continue
        olds, news = rest_old[i1:i2], rest_new[j1:j2]
        while olds and news and _similar(olds[0], news[0]) >= SAME_CLAUSE_RATIO:
            changes.append(ClauseChange("changed", olds.pop(0), news.pop(0)))
        changes += [ClauseChange("removed", c, None) for c in olds]
        changes += [ClauseChange("added", None, c) for c in news]
    position = {id(c): i for i, c in enumerate(new)}
    old_position = {id(c): i for i, c in enumerate(old)}
    changes.sort(key=lambda c: (position[id(c.new)] if c.new else old_position[id(c.old)] - 0.5))
    return ProtocolDiff(tuple(changes), unchanged)
