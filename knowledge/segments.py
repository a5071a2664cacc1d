"""Sentences and list items inside a clause: what is scored and what is quoted.

Each segment is a verbatim slice of the clause text, so a trimmed quote is still the protocol's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z“\"‘(])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "cf.", "no.", "mr.", "mrs.", "dr.", "cllr.")
_LETTER_ITEM = re.compile(
    r"^(?:\((?P<bracketed>[a-z]|[ivx]{1,4})\)\s+"  # (a) to determine ... / (ii) ...
    r"|(?P<marked>[a-z]|[ivx]{1,4}|\d{1,2})[.)]\s+"  # a) ... / b. ... / ii. ... / 2. ...
    r"|(?P<bare>[a-z]) (?=[A-Z“\"‘']))"  # a Councillors ... (markers lost, as in Wendlebury 3.1)
)


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    text: str
    line: int
    """Which line of the clause (0 = lead-in or first paragraph)."""
    item: str | None = None
    """The printed letter of a lettered list item."""


def split_segments(text: str) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for line_no, line in enumerate(text.split("\n")):
        item_match = _LETTER_ITEM.match(line) if line_no else None
        item = next((g for g in item_match.groups() if g), None) if item_match else None
        start = 0
        for match in _SENTENCE_END.finditer(line):
            candidate = line[start : match.start()].strip()
            if candidate.lower().endswith(_ABBREVIATIONS) or not candidate:
                continue
            out.append(_segment(line, start, match.start(), pos, line_no, item))
            start = match.end()
        if line[start:].strip():
            out.append(_segment(line, start, len(line), pos, line_no, item))
        pos += len(line) + 1
    return out


def _segment(line: str, start: int, end: int, pos: int, line_no: int, item: str | None) -> Segment:
    piece = line[start:end]
    lead = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    return Segment(pos + start + lead, pos + start + lead + len(piece), piece, line_no, item)
