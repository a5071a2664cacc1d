"""What each cleaned line is: a heading, the start of a numbered clause, a list item, or running text.

Classification looks at one line and its neighbours only; deciding which clause a line belongs to is
the assembler's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from knowledge.parsing.lines import Line, is_all_caps, starts_lowercase, word_count

_NUMBERED = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)(\.?)\s+(\S.*)$")
_NUMBER_ONLY = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}\.)$")
_LETTERED = re.compile(r"^\(?([a-z])[.)]?\s+(?=[A-Z“\"‘'])(.*)$")
_RUN_IN_TITLE = re.compile(r"^\d[\d.]*\.?\s+\*\*([^*]+?)\*\*\s+(?=[A-Z“\"‘'])")
_TITLE_MAX_WORDS = 9


class Kind(Enum):
    HEADING = "heading"
    CLAUSE = "clause"
    LETTER = "letter"
    BULLET = "bullet"
    TEXT = "text"
    BLANK = "blank"


@dataclass(frozen=True, slots=True)
class Element:
    kind: Kind
    text: str = ""
    offset: int = 0
    level: int = 0
    number: str | None = None
    letter: str | None = None
    bold_label: str | None = None
    title: str | None = None
    """A run-in title printed in bold before the clause's own words."""


BLANK = Element(Kind.BLANK)


def is_title_like(text: str) -> bool:
    """A short name rather than a sentence: 'Officers', 'General Principles', 'Reports:'."""
    text = text.strip()
    words = word_count(text)
    if not text or words > _TITLE_MAX_WORDS or text.endswith((".", ";", ",", "?", "!")):
        return False
    if text.endswith((":", ":-")) and words > 3:
        return False
    if ". " in text or starts_lowercase(text):
        return False
    return text[0].isupper() or text[0].isdigit()


def classify(lines: Sequence[Line | None], *, plain_headings: bool) -> list[Element]:
    """Turn cleaned lines into elements; ``plain_headings`` allows unmarked short lines as headings."""
    out: list[Element] = []
    pending_number: tuple[str, int] | None = None
    for i, line in enumerate(lines):
        if line is None:
            out.append(BLANK)
            continue
        text = line.text
        if _NUMBER_ONLY.match(text):
            pending_number = (text.rstrip("."), line.offset)
            continue
        if pending_number is not None:
            number, offset = pending_number
            pending_number = None
            out.append(_numbered(number, text, offset, line, has_period=True))
            continue
        numbered = _NUMBERED.match(text)
        if numbered and ("." in numbered.group(1) or (numbered.group(2) and not line.bullet) or line.md_level):
            out.append(_numbered(numbered.group(1), numbered.group(3), line.offset, line, bool(numbered.group(2))))
            continue
        lettered = _LETTERED.match(text)
        if lettered:
            out.append(Element(Kind.LETTER, lettered.group(2), line.offset, letter=lettered.group(1)))
            continue
        if line.md_level or line.bold_only:
            out.append(Element(Kind.HEADING, text.rstrip(":").strip(), line.offset, level=_heading_level(line)))
            continue
        if line.bullet:
            out.append(Element(Kind.BULLET, text, line.offset, bold_label=line.bold_label))
            continue
        if plain_headings and _is_plain_heading(lines, i):
            out.append(Element(Kind.HEADING, text.rstrip(":-").rstrip(":").strip(), line.offset,
                               level=1 if is_all_caps(text) else 2))
            continue
        out.append(Element(Kind.TEXT, text, line.offset, bold_label=line.bold_label))
    return out


def _numbered(number: str, text: str, offset: int, line: Line, has_period: bool) -> Element:
    depth = number.count(".") + 1
    titled = (depth == 1 and (has_period or line.md_level)) or (depth > 1 and is_title_like(text))
    if titled and (is_title_like(text) or line.md_level):
        return Element(Kind.HEADING, text.rstrip(":").strip(), offset, level=depth, number=number)
    run_in = _RUN_IN_TITLE.match(line.marked)
    if run_in:
        title = run_in.group(1).strip()
        if text.startswith(title):
            return Element(Kind.CLAUSE, text[len(title) :].lstrip(), offset, level=depth, number=number,
                           title=title)
    return Element(Kind.CLAUSE, text, offset, level=depth, number=number)


def _heading_level(line: Line) -> int:
    if is_all_caps(line.text):
        return 1
    return 2 if line.md_level != 1 else 1


def _neighbour(lines: Sequence[Line | None], i: int, step: int) -> Line | None:
    j = i + step
    return lines[j] if 0 <= j < len(lines) else None


def _next_present(lines: Sequence[Line | None], i: int) -> Line | None:
    for line in lines[i + 1 :]:
        if line is not None:
            return line
    return None


def _is_plain_heading(lines: Sequence[Line | None], i: int) -> bool:
    """An unmarked heading stands alone, is short, and is followed by prose rather than a list."""
    line = lines[i]
    assert line is not None
    if not is_title_like(line.text) or line.bold_label:
        return False
    if _neighbour(lines, i, -1) is not None or _neighbour(lines, i, 1) is not None:
        return False
    nxt = _next_present(lines, i)
    if nxt is None:
        return False
    if line.text.endswith((":", ":-")) and nxt.bullet:
        return False
    return not starts_lowercase(nxt.text)
