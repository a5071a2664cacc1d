"""Changed words between two texts of one clause, for the side-by-side view: which words left, which came.

Clause-level changes come from ``knowledge.diff`` (the same comparison the Clerk's chat preview uses); this only
marks the words inside a changed clause, aligning word by word as ``difflib`` aligns lines.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    changed: bool


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def sides(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    """``old`` with its removed words marked, and ``new`` with its added words marked."""
    a, b = _tokens(old), _tokens(new)
    left: list[Piece] = []
    right: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(Piece("".join(a[i1:i2]), False))
            right.append(Piece("".join(b[j1:j2]), False))
            continue
        if i2 > i1:
            left.append(Piece("".join(a[i1:i2]), True))
        if j2 > j1:
            right.append(Piece("".join(b[j1:j2]), True))
    return left, right
