"""Source lines, cleaned of markup but never of words, each remembering where it started.

Markdown emphasis, heading hashes and bullet glyphs are presentation: they are removed here so that
the rest of the parser sees only words, and flags (``md_level``, ``bullet``, ``bold_label``) keep
what the markup meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING_HASHES = re.compile(r"^(#{1,6})\s*")
_BULLET = re.compile(r"^(?:[-*•·▪◦●]\s+|[-*•·▪◦●]$)")
_BOLD_ONLY = re.compile(r"^\*\*(.+?)\*\*:?$")
_BOLD_LABEL = re.compile(r"^\*\*([^*]+?)\*\*\s*\S")
_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")


@dataclass(frozen=True, slots=True)
class Line:
    """One non-empty source line after markup removal."""

    text: str
    offset: int
    """Offset of the first printed character in the source."""
    index: int
    """Line number (0-based) in the source."""
    md_level: int = 0
    bullet: bool = False
    bold_only: bool = False
    bold_label: str | None = None
    """``**The policy making role:** deciding ...`` keeps ``The policy making role:`` here."""
    indent: int = 0
    marked: str = ""
    """The text before emphasis was removed, for run-in titles (``5.1. **Procedure for officers** From``)."""


def strip_emphasis(text: str) -> str:
    return _EMPHASIS.sub("", text).strip()


def split_lines(source: str) -> list[Line | None]:
    """Every source line in order: a ``Line``, or ``None`` for a blank one."""
    out: list[Line | None] = []
    offset = 0
    for index, raw in enumerate(source.splitlines(keepends=True)):
        body = raw.rstrip("\r\n")
        out.append(_clean(body, offset, index))
        offset += len(raw)
    return out


def _clean(body: str, offset: int, index: int) -> Line | None:
    stripped = body.strip()
    if not stripped:
        return None
    start = offset + body.index(stripped[0])
    indent = len(body) - len(body.lstrip())
    text = stripped
    md_level = 0
    heading = _HEADING_HASHES.match(text)
    if heading:
        md_level = len(heading.group(1))
        text = text[heading.end() :]
    bullet = False
    while True:
        match = _BULLET.match(text)
        if not match:
            break
        bullet = True
        text = text[match.end() :].lstrip()
    bold_only = bool(_BOLD_ONLY.match(text))
    label_match = None if bold_only else _BOLD_LABEL.match(text)
    bold_label = strip_emphasis(label_match.group(1)) if label_match else None
    marked = text
    text = strip_emphasis(text)
    if not text:
        return None
    return Line(
        text=text,
        offset=start,
        index=index,
        md_level=md_level,
        bullet=bullet,
        bold_only=bold_only,
        bold_label=bold_label,
        indent=indent,
        marked=marked,
    )


def word_count(text: str) -> int:
    return len(text.split())


def is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def ends_sentence(text: str) -> bool:
    """Whether a line ends where a sentence or list item may end (so the next line starts afresh)."""
    return text.rstrip().endswith((".", ";", ":", "!", "?", ":-", "’", "'", '"', "”", ")"))


def starts_lowercase(text: str) -> bool:
    first = text.lstrip("\"'“‘(")[:1]
    return first.isalpha() and first.islower()
