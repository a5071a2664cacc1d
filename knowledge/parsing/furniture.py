"""Page furniture: what a printed page carries that is not the protocol's own words.

Running headers and footers, page numbers, page breaks, a table of contents, adoption records and a
signature block are set aside (kept as metadata, never indexed) so that a sentence broken by a page
turn reads whole again and nothing but clauses can be cited.

Councils' documents differ in everything but this: furniture repeats from page to page (often with
only the page number changing), sits at the edge of a page, and is short. The rules below look for
those properties rather than for any one council's wording.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from knowledge.parsing.correspondence import email_wrapper
from knowledge.parsing.drawings import CAPTION
from knowledge.parsing.footnotes import drop_footnotes, page_start
from knowledge.parsing.lines import LABELLED_NUMBER, Line, ends_sentence, starts_lowercase, word_count
from knowledge.parsing.numbering import LEGAL_NUMBERED, PARA_NUMBERED
from knowledge.parsing.records import RECORD_PATTERNS, control_table, record_paragraphs, version_history
from knowledge.parsing.review import review_comments
from knowledge.parsing.slides import SLIDE_MARKER
from knowledge.parsing.webdump import is_text_browser_dump, set_aside_web_chrome

_PAGE_REF = r"\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"
DEFAULT_FOOTER_PATTERNS: tuple[str, ...] = (
    r"^appendix\s+\w+\s*:\s",
    r"^date agreed\b",
    rf"^page\s+{_PAGE_REF}$",
    # "Page 3 of 14 | Issue 7 | Adopted by Council 22 May 2025": a running line that starts with its page number.
    rf"^page\s+{_PAGE_REF}\s*[|,–—-]\s*\S.{{0,120}}$",
    # "Kingsbridge Town Council – Protocol v2.1 | Page 2 of 4": a running line ending in its page number.
    rf"^\D.{{0,120}}?[\s|,–—-]page\s+{_PAGE_REF}$",
    r"^\d{1,3}$",
    r"^-\s*\d{1,3}\s*-$",
    r"^[-_=*]{3,}$",
    SLIDE_MARKER,
    # "This website uses cookies. [Accept] [Reject]": a cookie banner saved with a web page, buttons and all.
    r"\bcookies\b.{0,200}\[[^\]]{0,40}\b(?:accept|reject|allow|agree|settings)\b[^\]]{0,40}\]",
)
"""Running footers and page numbers: where one stood, the page turned (a sentence may run on across it)."""
_TOC_HEADING = re.compile(r"^(table of )?contents:?$", re.IGNORECASE)
_PAGE_NAVIGATION = re.compile(
    r"^(in this (article|section|page)|on this page|jump to|related (pages|links)|useful links):?$", re.IGNORECASE)
"""A web page's list of links to its own sections or to other pages: its entries are bullets without page numbers."""
_TOC_PAGE = r"(\d{1,3}|\d{1,3}(\.\d{1,3})*\s*[-–/]\s*\d{1,3}|[ivxlc]{1,6})"
_TOC_ENTRY = re.compile(rf"^.{{2,120}}?(\t+|\.{{3,}}|\s{{3,}})\s*{_TOC_PAGE}$", re.IGNORECASE)
_DOT_LEADER = re.compile(rf"^.{{2,120}}?(\t+|\s*\.{{4,}})\s*{_TOC_PAGE}$", re.IGNORECASE)
_SIGNATURE_START = re.compile(r"^(signed|dated|signature)\b\s*:?", re.IGNORECASE)
_ONE_LINE_SIGNATURE = re.compile(r"^(signed|signature)\b.{0,160}\bdate(d)?\s*:", re.IGNORECASE)
"""'Signed: Chair of the Council Clerk and Proper Officer Date: 14 May 2025': the block printed on one line."""
_ONE_LINE_SIGNATURE_MAX_WORDS = 30
_FILL_IN = re.compile(r"[._]{3,}")
"""Dots or underscores left for a signature or date to be written in."""
_CLAUSE_START = re.compile(r"^\(?\d{1,3}(\.\d{1,3})*\.?\)?(\s|$)")
_TITLE_MAX_LINES = 5
_SHORT_WORDS = 12
_REPEATS = 3


@dataclass(frozen=True, slots=True)
class Furniture:
    """The outcome of setting furniture aside."""

    lines: list[Line | None]
    """Source lines with furniture replaced by ``None`` (a blank)."""
    title_lines: tuple[str, ...]
    set_aside: tuple[str, ...]
    page_breaks: frozenset[int] = frozenset()
    """Indices where the page turned (a running header, footer or page number stood there, or a form feed)."""


def set_aside_furniture(lines: Sequence[Line | None], *, extra_patterns: Iterable[str] = ()) -> Furniture:
    patterns = [re.compile(p, re.IGNORECASE) for p in (*DEFAULT_FOOTER_PATTERNS, *extra_patterns)]
    kept: list[Line | None] = list(lines)
    removed: list[str] = []
    page_edges: set[int] = {i for i, line in enumerate(lines) if line is not None and line.page_start}

    def drop(i: int) -> None:
        line = kept[i]
        if line is not None:
            removed.append(line.text)
            kept[i] = None

    def drop_page_edge(i: int) -> None:
        page_edges.add(i)
        drop(i)

    if is_text_browser_dump(kept):
        set_aside_web_chrome(kept, drop)
    records = [re.compile(p, re.IGNORECASE) for p in RECORD_PATTERNS]
    record_paragraph = record_paragraphs(kept, records)  # before its lines are taken one by one
    for i, line in enumerate(kept):
        if line is not None and any(p.search(line.text) for p in patterns):
            drop_page_edge(i)
        elif line is not None and (any(p.search(part) for p in records for part in _languages(line.text))
                                   or CAPTION.match(line.text)):
            drop(i)
    for i in (*email_wrapper(kept), *version_history(kept), *control_table(kept, records),
              *record_paragraph, *review_comments(kept)):
        drop(i)
    drop_footnotes(lines, kept, page_edges, drop)
    _drop_table_of_contents(kept, drop)
    _drop_signature_block(kept, drop)
    title_indices = _title_block(kept, page_edges)
    title_lines = tuple(kept[i].text for i in title_indices)  # type: ignore[union-attr]
    _drop_running_headers(kept, title_indices, page_edges, drop_page_edge)
    for i in title_indices:
        kept[i] = None
    return Furniture(lines=kept, title_lines=title_lines, set_aside=tuple(removed),
                     page_breaks=frozenset(page_edges - set(title_indices)))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _masked(text: str) -> str:
    """A running line with its page number (or any number) blanked: 'Part 5.3 - 2' ~ 'Part 5.3 - 3'."""
    return re.sub(r"\d+", "#", _norm(text))


def _drop_table_of_contents(lines: list[Line | None], drop: Callable[[int], None]) -> None:
    """A 'Contents' line and the entries after it that end in a page number; dotted or tabbed entries anywhere."""
    for i, line in enumerate(lines):
        if line is not None and _DOT_LEADER.match(line.text):
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
    for i, line in enumerate(lines):
        if line is None or not _PAGE_NAVIGATION.match(line.text):
            continue
        drop(i)
        for j in range(i + 1, len(lines)):
            nxt = lines[j]
            if nxt is not None:
                if not nxt.bullet:
                    break
                drop(j)


def _drop_signature_block(lines: list[Line | None], drop: Callable[[int], None]) -> None:
    """From the first 'Signed:' to the end, when all that follows is short (names, roles, dates).

    A block printed on one line ('Signed: ... Date: ...') is longer than a signature line, but it is the
    text's last line and no sentence.
    """
    present = [i for i, line in enumerate(lines) if line is not None]
    if present and _is_one_line_signature(lines[present[-1]]):
        drop(present[-1])
    for i, line in enumerate(lines):
        if (line is None or not any(_SIGNATURE_START.match(part) for part in _languages(line.text))
                or word_count(line.text) > 8):
            continue
        rest = [x for x in lines[i:] if x is not None]
        if all(_is_signature_line(x.text) for x in rest):
            for j in range(i, len(lines)):
                drop(j)
            return


def _is_one_line_signature(line: Line | None) -> bool:
    text = "" if line is None else line.text.strip()
    return (any(_ONE_LINE_SIGNATURE.match(part) for part in _languages(text))
            and word_count(text) <= _ONE_LINE_SIGNATURE_MAX_WORDS and not text.endswith((".", ";")))


def _languages(text: str) -> tuple[str, ...]:
    """A bilingual line ('Llofnod / Signed: ...'), read from its start and from its second language."""
    welsh, slash, english = text.partition(" / ")
    return (text, english) if slash and word_count(welsh) <= 6 else (text,)


def _is_signature_line(text: str) -> bool:
    """A name, role or date, or a line left to be filled in: short, and not a sentence."""
    words = _FILL_IN.sub(" ", text)
    return word_count(words) <= 8 and not words.rstrip().endswith(".")


def _is_short(line: Line) -> bool:
    return word_count(line.text) <= _SHORT_WORDS and not line.text.rstrip().endswith((".", ";", ","))


def _starts_numbered(line: Line) -> bool:
    return bool(re.match(r"^(\d+(\.\d+)*\.?|[A-Z][.)])\s", line.text))  # '1. Background', 'A. PURPOSE'


def _starts_body(line: Line) -> bool:
    """A clause begins here: a number on a line of its own (PDF text) or a numbered sentence.

    A numbered *title* ('1. Background') does not count: a line before it still names the document.
    """
    text = line.text.strip()
    if re.fullmatch(r"\d{1,3}(\.\d{1,3})+\.?|\d{1,3}\.", text) or LABELLED_NUMBER.match(text):
        return True
    if LEGAL_NUMBERED.match(text) or PARA_NUMBERED.match(text):
        return True  # '1.(1) In this Protocol ...', 'Para 1. This Code ...'
    match = re.match(r"^\d{1,3}(\.\d{1,3})*\.?\s+(.*)$", text)
    return match is not None and not _is_short(line) and match.group(2).rstrip().endswith((".", ":", ";"))


def _title_block(lines: list[Line | None], page_edges: set[int]) -> list[int]:
    """Leading short lines that name the document (council, title) rather than head a section.

    The title block ends with the first page: a line after a page number is the next page's running header.

    A short line is a heading, not a title, when the next thing printed is a paragraph or a clause: so
    'INTRODUCTION' before its text is a heading, while 'LEDBURY TOWN COUNCIL' before the title is not.
    """
    present = [i for i, line in enumerate(lines) if line is not None]
    titles: list[int] = []
    for pos, i in enumerate(present[: _TITLE_MAX_LINES + 1]):
        line = lines[i]
        assert line is not None
        if _starts_numbered(line) or line.bullet or not _is_short(line) or len(titles) >= _TITLE_MAX_LINES:
            break
        if titles and any(titles[-1] < j <= i for j in page_edges):
            break
        nxt = lines[present[pos + 1]] if pos + 1 < len(present) else None
        after = lines[present[pos + 2]] if pos + 2 < len(present) else None
        if nxt is None or _starts_body(nxt) or _wraps_into(lines, present[pos + 1], after):
            break  # what follows is a clause or a wrapped line of prose: this line heads it
        if _starts_numbered(nxt) or (_is_short(nxt) and not nxt.bullet):
            titles.append(i)
            continue
        break
    return titles


def _wraps_into(lines: Sequence[Line | None], i: int, after: Line | None) -> bool:
    """Line ``i`` runs on into the next line (no gap, lower case): prose, however short the first line."""
    return after is not None and i + 1 < len(lines) and lines[i + 1] is after and starts_lowercase(after.text)


def _drop_running_headers(lines: list[Line | None], title_indices: list[int], page_edges: set[int],
                          drop: Callable[[int], None]) -> None:
    """Later copies of the title lines, and short lines printed on three or more pages.

    A page's first line that starts with a title line ('<council> Constitution   Part 5B'), or that tops two or
    more pages word for word, is a running header too.

    A line repeated word for word might still be a heading used in several sections, so its first copy
    is kept unless it stands at a page edge (beside a page number, a form feed or the end of the text).
    A line repeated with only its numbers changing ('Part 5.3 - 1', 'Part 5.3 - 2') is page numbering
    wherever it stands.
    """
    titles = {_norm(lines[i].text) for i in title_indices if lines[i] is not None}  # type: ignore[union-attr]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        if line is not None and not line.bullet and i not in title_indices and _may_be_running(line):
            groups[_masked(line.text)].append(i)
    for copies in groups.values():
        if len(copies) < _REPEATS:
            continue
        texts = {_norm(lines[i].text) for i in copies}  # type: ignore[union-attr]
        at_edge = sum(1 for i in copies if _at_page_edge(lines, i, page_edges))
        first_too = (len(texts) > 1 and _alpha_words(lines[copies[0]]) >= 2) or at_edge * 2 >= len(copies)
        for n, i in enumerate(copies):
            if first_too or n > 0:
                drop(i)
    page_tops = [i for i, line in enumerate(lines) if line is not None and _tops_page(lines, i, page_edges)
                 and i not in title_indices and not line.bullet and _may_be_running(line)]
    tops: dict[str, int] = defaultdict(int)
    for i in page_tops:
        tops[_norm(lines[i].text)] += 1  # type: ignore[union-attr]
    for i in page_tops:
        text = _norm(lines[i].text)  # type: ignore[union-attr]
        if tops[text] > 1 or any(text.startswith(f"{title} ") for title in titles):
            drop(i)  # 'Northshire County Council Constitution   Part 5B' heading each page after the first
    for i, line in enumerate(lines):
        if line is not None and i not in title_indices and not line.bullet and _norm(line.text) in titles:
            drop(i)


def _tops_page(lines: Sequence[Line | None], i: int, page_edges: set[int]) -> bool:
    """The first line of a page: after a form feed, or the first line printed after a page footer."""
    if page_start(lines[i]):
        return True
    j = i - 1
    while j >= 0 and lines[j] is None and j not in page_edges:
        j -= 1
    return j >= 0 and j in page_edges


def _may_be_running(line: Line) -> bool:
    """Short, not a sentence, not a numbered clause: what a running header or footer looks like."""
    text = line.text
    return word_count(text) <= _SHORT_WORDS and not ends_sentence(text) and not _CLAUSE_START.match(text) \
        and not LABELLED_NUMBER.match(text) \
        and _alpha_words(line) >= 1


def _alpha_words(line: Line | None) -> int:
    return 0 if line is None else sum(1 for w in line.text.split() if any(c.isalpha() for c in w))


def _at_page_edge(lines: Sequence[Line | None], i: int, page_edges: set[int]) -> bool:
    """Next to a page number, a form feed or another running line, or first or last in the text."""
    line = lines[i]
    if line is not None and line.page_start:
        return True
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(lines) and lines[j] is None and j not in page_edges:
            j += step
        if not 0 <= j < len(lines) or j in page_edges:
            return True
    return False
