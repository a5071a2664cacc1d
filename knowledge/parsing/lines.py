"""Source lines, cleaned of markup but never of words, each remembering where it started.

Markdown emphasis, heading hashes and bullet glyphs are presentation: they are removed here so that
the rest of the parser sees only words, and flags (``md_level``, ``bullet``, ``bold_label``,
``page_start``) keep what the markup meant. How a file was saved also changes what a blank line means
(a blank after every line, or none between paragraphs); ``close_double_spacing`` and
``open_paragraph_lines`` give blank lines back their usual meaning, a paragraph's end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_HEADING_HASHES = re.compile(r"^(#{1,6})\s*")
_BULLET_GLYPHS = "-*•·▪◦●■□‣⁃➢►\uf0b7\uf0a7\uf0d8\uf076\uf0fc"
"""Bullets as typed and as PDF extraction leaves them (``\uf0b7`` and friends are Symbol/Wingdings glyphs)."""
_BULLET = re.compile(rf"^(?:[{re.escape(_BULLET_GLYPHS)}]\s+|[{re.escape(_BULLET_GLYPHS)}]$)")
_FORM_FEED = "\f"
_LINE_BOUNDARIES = "\r\n\f\v\x1c\x1d\x1e\x85\u2028\u2029"
"""What ``str.splitlines`` splits on: a form feed (a PDF page break) ends a line too."""
_ITEM_MARKER = re.compile(r"^(\([a-z]{1,4}\)|[a-z]{1,4}[.)])\s")
_DOUBLE_SPACED_MIN_LINES = 10
_DOUBLE_SPACED_TOUCHING = 0.05
_UNSPACED_BLANKS = 0.2
_LAST_LINE = 0.85
_SENTENCE_END = re.compile(r"[.?!][”’\"')]*$")
_UNWRAPPED_WIDTH = 130
"""No page is this many characters wide: full lines this long were never hard-wrapped."""
SHORT_LINE = 0.6
"""A line under this share of the document's usual width was not wrapped: it ended by itself."""
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
    page_start: bool = False
    """The first line after a form feed: PDF text extraction marks each new page so."""


def strip_emphasis(text: str) -> str:
    return _EMPHASIS.sub("", text).strip()


def split_lines(source: str) -> list[Line | None]:
    """Every source line in order: a ``Line``, or ``None`` for a blank one."""
    out: list[Line | None] = []
    offset = 0
    after_form_feed = False
    for index, raw in enumerate(source.splitlines(keepends=True)):
        body = raw.rstrip(_LINE_BOUNDARIES)
        line = _clean(body, offset, index, page_start=after_form_feed)
        out.append(line)
        if line is not None:
            after_form_feed = False
        if _FORM_FEED in raw:
            after_form_feed = True
        offset += len(raw)
    return out


def _clean(body: str, offset: int, index: int, *, page_start: bool = False) -> Line | None:
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
        page_start=page_start,
    )


def close_double_spacing(lines: list[Line | None]) -> list[Line | None]:
    """Text extracted with a blank line after every line: single blanks are line ends, wider gaps paragraphs.

    Some PDF viewers and word-processor exports put an empty line between all lines, so a blank line no
    longer marks a paragraph. When almost no two printed lines touch, one blank is taken as a line end.
    """
    present = [i for i, line in enumerate(lines) if line is not None]
    touching = sum(1 for i in present if i + 1 < len(lines) and lines[i + 1] is not None)
    if len(present) < _DOUBLE_SPACED_MIN_LINES or touching > _DOUBLE_SPACED_TOUCHING * len(present):
        return lines
    out: list[Line | None] = []
    for i, line in enumerate(lines):
        single_gap = (line is None and 0 < i < len(lines) - 1
                      and lines[i - 1] is not None and lines[i + 1] is not None)
        if not single_gap:
            out.append(line)
    return _collapse_blank_runs(out)


def open_paragraph_lines(lines: list[Line | None]) -> list[Line | None]:
    """Text with one paragraph per line and no blank lines (Word's 'Save as Plain Text'): each line is a paragraph.

    Such a text is not hard-wrapped: its full lines are far longer than any page is wide. There a line
    end is a paragraph end, so a blank is put between lines and the rest of the parser reads it like any
    other text.
    """
    present = sum(1 for line in lines if line is not None)
    blanks = sum(1 for i in range(1, len(lines)) if lines[i] is None and lines[i - 1] is not None)
    if present < _DOUBLE_SPACED_MIN_LINES or blanks > _UNSPACED_BLANKS * present:
        return lines
    width = usual_width(lines)
    out: list[Line | None] = []
    for line in lines:
        before = out[-1] if out else None
        if line is not None and before is not None and _ends_paragraph(before, line, width):
            out.append(None)
        out.append(line)
    return out


def _ends_paragraph(line: Line, nxt: Line, width: int) -> bool:
    """In unspaced text a paragraph ends at every line (unwrapped text), or at a sentence's end short of the margin.

    A hard-wrapped paragraph fills its lines to the margin; only its last line stops short, so a short line
    ending a sentence, followed by one starting afresh, closes a paragraph.
    """
    if width >= _UNWRAPPED_WIDTH:
        return True
    return (bool(_SENTENCE_END.search(line.text)) and len(line.text) < _LAST_LINE * width
            and not starts_lowercase(nxt.text))


def _collapse_blank_runs(lines: list[Line | None]) -> list[Line | None]:
    """Runs of blanks read as one: in a double-spaced text a paragraph gap is two or three blank lines."""
    out: list[Line | None] = []
    for line in lines:
        if line is None and out and out[-1] is None:
            continue
        out.append(line)
    return out


def usual_width(lines: Sequence[Line | None]) -> int:
    """The width of a full line (upper quartile of line lengths): a hard-wrapped document's margin.

    A line well short of it ended by itself (a heading, a title, a paragraph's last line); a line near it
    was probably wrapped in mid-sentence.
    """
    widths = sorted(len(x.text) for x in lines if x is not None)
    return widths[(len(widths) * 3) // 4] if widths else 0


def word_count(text: str) -> int:
    return len(text.split())


def is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def ends_sentence(text: str) -> bool:
    """Whether a line ends where a sentence or list item may end (so the next line starts afresh)."""
    return text.rstrip().endswith((".", ";", ":", "!", "?", ":-", "’", "'", '"', "”", ")"))


def starts_lowercase(text: str) -> bool:
    """Carries on a sentence: a lower-case word, not a list marker such as '(a)', 'b)' or 'iv.'."""
    if _ITEM_MARKER.match(text):
        return False
    first = text.lstrip("\"'“‘(")[:1]
    return first.isalpha() and first.islower()
