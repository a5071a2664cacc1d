"""Subjects a question names that this council's protocol never mentions: the typical "not covered" case.

A bi-encoder scores "how much is the councillors' allowance?" close to any clause about councillors, so
similarity alone cannot tell a near miss from an answer. Whether the protocol uses any word for the
subject asked about (``config/topics.yaml``) can: a protocol without the word "precept" does not say
who sets the precept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from weakref import WeakKeyDictionary

from config.settings import topics
from knowledge.index import CouncilIndex


def _pattern(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})s?(?![\w-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _subject_patterns() -> dict[str, re.Pattern[str]]:
    return {subject: _pattern(words) for subject, words in topics().subjects.items()}


def subjects_in(text: str) -> frozenset[str]:
    return frozenset(s for s, pattern in _subject_patterns().items() if pattern.search(text))


_covered: WeakKeyDictionary[CouncilIndex, frozenset[str]] = WeakKeyDictionary()


def subjects_covered(index: CouncilIndex) -> frozenset[str]:
    """Computed once per loaded index (a few milliseconds), not per question."""
    if index not in _covered:
        _covered[index] = subjects_in("\n".join(f"{' '.join(c.heading_path)}\n{c.text}" for c in index.clauses))
    return _covered[index]


def subjects_missing(index: CouncilIndex, question: str) -> frozenset[str]:
    return subjects_in(question) - subjects_covered(index)
