"""Page furniture: what a printed page carries that is not the protocol's own words.

Running headers and footers, page numbers, page breaks, a table of contents and a signature block are
set aside (kept as metadata, never indexed) so that a sentence broken by a page turn reads whole
again and nothing but clauses can be cited.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from knowledge.parsing.lines import Line, ends_sentence, word_count

DEFAULT_FOOTER_PATTERNS: tuple[str, ...] = (
    r"^appendix\s+\w+\s*:\s",
    r"^date agreed\b",
    r"^page\s+\d+(\s+of\s+\d+)?$",
    r"^\d{1,3}$",
    r"^-\s*\d{1,3}\s*-$",
    r"^[-_=*]{3,}$",
)
_TOC_HEADING = re.compile(r"^(table of )?contents:?$", re.IGNORECASE)
_TOC_ENTRY = re.compile(r"^.{2,120}?(\t+|\.{3,}|\s{3,})\s*\d{1,3}$")
_SIGNATURE_START = re.compile(r"^(signed|dated|signature)\b\s*:?", re.IGNORECASE)
_TITLE_MAX_LINES = 3
_SHORT_WORDS = 12


@dataclass(frozen=True, slots=True)
class Furniture:
    """The outcome of setting furniture aside."""

    lines: list[Line | None]
    """Source lines with furniture replaced by ``None`` (a blank)."""
    title_lines: tuple[str, ...]
    set_aside: tuple[str, ...]


def set_aside_furniture(lines: Sequence[Line | None], *, extra_patterns: Iterable[str] = ()) -> Furniture:
    patterns = [re.compile(p, re.IGNORECASE) for p in (*DEFAULT_FOOTER_PATTERNS, *extra_patterns)]
    kept: list[Line | None] = list(lines)
    removed: list[str] = []

    def drop(i: int) -> None:
        line = kept[i]
        if line is not None:
            removed.append(line.text)
            kept[i] = None

    for i, line in enumerate(kept):
        if line is not None and any(p.search(line.text) for p in patterns):
            drop(i)
    _drop_table_of_contents(kept, drop)
    _drop_signature_block(kept, drop)
    title_indices = _title_block(kept)
    title_lines = tuple(kept[i].text for i in title_indices)  # type: ignore[union-attr]
    _drop_running_headers(kept, title_indices, drop)
    for i in title_indices:
        kept[i] = None
    return Furniture(lines=kept, title_lines=title_lines, set_aside=tuple(removed))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _drop_table_of_contents(lines: list[Line | None], drop: Callable[[int], None]) -> None:
    """A 'Contents' line and the entries after it that end in a page number."""
    for i, line in enumerate(lines):
        if line is not None and _TOC_ENTRY.match(line.text) and "\t" in line.text:
            drop(i)
    for i, line in enumerate(lines):
        if line is None or not _TOC_HEADING.match(line.text):
            continue
        j = i + 1
        entries = 0
        while j < len(lines):
            nxt = lines[j]
            if nxt is not None:
                if not _TOC_ENTRY.match(nxt.text):
                    break
                drop(j)
                entries += 1
            j += 1
        if entries or all(x is None for x in lines[i + 1 : j]):
            drop(i)


def _drop_signature_block(lines: list[Line | None], drop: Callable[[int], None]) -> None:
    """From the first 'Signed:' to the end, when all that follows is short (names, roles, dates)."""
    for i, line in enumerate(lines):
        if line is None or not _SIGNATURE_START.match(line.text) or word_count(line.text) > 8:
            continue
        rest = [x for x in lines[i:] if x is not None]
        if all(word_count(x.text) <= 8 and not x.text.endswith(".") for x in rest):
            for j in range(i, len(lines)):
                drop(j)
            return


def _is_short(line: Line) -> bool:
    return word_count(line.text) <= _SHORT_WORDS and not line.text.rstrip().endswith((".", ";", ","))


def _starts_numbered(line: Line) -> bool:
    return bool(re.match(r"^\d+(\.\d+)*\.?\s", line.text))


def _title_block(lines: list[Line | None]) -> list[int]:
    """Leading short lines that name the document (council, title) rather than head a section.

    A short line is a heading, not a title, when the next thing printed is a paragraph: so
    'INTRODUCTION' before its text is a heading, while 'LEDBURY TOWN COUNCIL' before the title is not.
    """
    present = [i for i, line in enumerate(lines) if line is not None]
    titles: list[int] = []
    for pos, i in enumerate(present[: _TITLE_MAX_LINES + 1]):
        line = lines[i]
        assert line is not None
        if _starts_numbered(line) or line.bullet or not _is_short(line) or len(titles) >= _TITLE_MAX_LINES:
            break
        nxt = lines[present[pos + 1]] if pos + 1 < len(present) else None
        if nxt is None:
            break
        if _starts_numbered(nxt) or (_is_short(nxt) and not nxt.bullet):
            titles.append(i)
            continue
        break
    return titles


def _drop_running_headers(lines: list[Line | None], title_indices: list[int], drop: Callable[[int], None]) -> None:
    """Later copies of the title lines, and short lines printed on three or more pages."""
    titles = {_norm(lines[i].text) for i in title_indices if lines[i] is not None}  # type: ignore[union-attr]
    counts = Counter(_norm(x.text) for x in lines if x is not None and not x.bullet)
    first_seen: set[str] = set()
    for i, line in enumerate(lines):
        if line is None or i in title_indices or line.bullet:
            continue
        key = _norm(line.text)
        is_header = key in titles or (
            counts[key] >= 3 and word_count(line.text) <= _SHORT_WORDS and not ends_sentence(line.text)
        )
        if is_header and (key in titles or key in first_seen):
            drop(i)
        first_seen.add(key)
