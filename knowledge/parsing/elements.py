"""What each cleaned line is: a heading, the start of a numbered clause, a list item, or running text.

Classification looks at one line and its neighbours only; deciding which clause a line belongs to is
the assembler's job. Councils print the same structure in many ways (``1.1 Text``, a number on a line
of its own as PDF extraction leaves it, ``1<tab>Purpose`` section titles without a full stop, headings
with or without blank lines around them), so each rule asks what a reader would: is this short line
followed by a body, does this number continue the numbering the document already uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

from knowledge.parsing.lines import (
    LABELLED_NUMBER,
    SHORT_LINE,
    Line,
    is_all_caps,
    starts_lowercase,
    usual_width,
    word_count,
)

_NUMBERED = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)(?:(\.?)\s+|(\.)(?=[A-Z“\"‘]))(\S.*)$")
"""'1.1 Text', '2. Title', and '3.Members should ...' with the space lost in conversion."""
_OCR_NUMBER = re.compile(r"^\d{1,3}(?:\.(?:\d{1,2}l?|l\d?))+(?=\.?(?:\s|$))")
"""'3.l The Clerk ...': OCR reads a 1 as an l; inside a clause number at a line's start it can only be a 1."""
_NUMBER_ONLY = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}\.)$")
_SUBSECTION = re.compile(r"^(\d{1,3})\.\d{1,3}")
_LETTERED = re.compile(r"^(\(?([a-z])[.)]?)\s+(?=[A-Z“\"‘'])(.*)$")
_CLOSE_NUMBERED = re.compile(r"^((\d{1,2})\))\s+(\S.*)$")
"""'4) The role of the Clerk is:': a paragraph numbered with a closing bracket."""
_PAREN_NUMBERED = re.compile(r"^(\((\d{1,2})\))\s*(?=[A-Z“\"‘'])(.*)$")
"""'(1) Members are elected', '(2)Officers ...': sub-paragraphs numbered in brackets, as web pages print them."""
_ITEM_START = re.compile(r"^(\(?[a-z]{1,4}[.)]|\(?\d{1,2}[.)])\s+")
_SECTION_TITLE = re.compile(r"^(\d{1,2})\s+(\S.*)$")
_RUN_IN_TITLE = re.compile(r"^\d[\d.]*\.?\s+\*\*([^*]+?)\*\*\s+(?=[A-Z“\"‘'])")
_SENTENCE_END = re.compile(r"[.?!][”’\"')]*$")
_TITLE_MAX_WORDS = 9


class Kind(Enum):
    HEADING = "heading"
    CLAUSE = "clause"
    LETTER = "letter"
    BULLET = "bullet"
    TEXT = "text"
    BLANK = "blank"
    BREAK = "break"
    """A page turn (running header, footer or page number set aside): a sentence may run on across it."""


@dataclass(frozen=True, slots=True)
class Element:
    kind: Kind
    text: str = ""
    offset: int = 0
    level: int = 0
    number: str | None = None
    letter: str | None = None
    marker: str | None = None
    """The letter as printed, '(a)', 'a)' or 'a': a lettered paragraph that is no list item is quoted with it."""
    bold_label: str | None = None
    title: str | None = None
    """A run-in title printed in bold before the clause's own words."""


BLANK = Element(Kind.BLANK)
BREAK = Element(Kind.BREAK)


def next_marker(marker: str) -> str:
    """The marker after this one: 'b' after 'a', '3' after '2'."""
    return str(int(marker) + 1) if marker.isdigit() else chr(ord(marker) + 1)


def is_first_marker(marker: str) -> bool:
    return marker in ("a", "1")


def squash(text: str) -> str:
    """Tabs and runs of spaces (Word and HTML exports pad numbers with them) read as one space."""
    return " ".join(text.split())


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


class _Context:
    """What a line's classification may look at besides the line: its neighbours and the document's habits."""

    def __init__(self, lines: Sequence[Line | None]) -> None:
        self.lines = lines
        present = [x for x in lines if x is not None]
        self.width = usual_width(lines)
        self.sections = {m.group(1) for x in present for m in [_SUBSECTION.match(x.text)] if m} | _title_run(present)
        """Section numbers a bare 'N Title' line may carry: ones the document subdivides ('3' when it prints
        3.1), or a run of such lines numbered 1, 2, 3 ... in order."""

    def adjacent(self, i: int, step: int) -> Line | None:
        j = i + step
        return self.lines[j] if 0 <= j < len(self.lines) else None

    def next_present(self, i: int) -> Line | None:
        for line in self.lines[i + 1 :]:
            if line is not None:
                return line
        return None

    def short(self, text: str) -> bool:
        return len(text) <= SHORT_LINE * self.width

    def continues(self, i: int) -> bool:
        """The next line carries on this one's sentence (no gap, starts in lower case)."""
        nxt = self.adjacent(i, 1)
        return (nxt is not None and not nxt.bullet and not _LETTERED.match(nxt.text)
                and starts_lowercase(nxt.text))


def _title_run(present: Sequence[Line]) -> set[str]:
    """'1 The Respective Roles', '2 Working Relationships', ...: numbered titles without a full stop, in order."""
    numbers = [m.group(1) for x in present for m in [_SECTION_TITLE.match(squash(x.text))]
               if m and is_title_like(m.group(2))]
    run: set[str] = set()
    expected = 1
    for number in numbers:
        if int(number) == expected:
            run.add(number)
            expected += 1
    return run if len(run) >= 2 else set()


def classify(lines: Sequence[Line | None], *, plain_headings: bool,
             page_breaks: frozenset[int] = frozenset()) -> list[Element]:
    """Turn cleaned lines into elements; ``plain_headings`` allows unmarked short lines as headings."""
    ctx = _Context(lines)
    out: list[Element] = []
    pending_number: tuple[str, int, bool] | None = None
    for i, line in enumerate(lines):
        if line is None or line.page_start:
            if i in page_breaks or (line is not None and line.page_start):
                out.append(BREAK)
            if line is None:
                out.append(BLANK)
                continue
        text = _mend_ocr_number(squash(line.text))
        if _NUMBER_ONLY.match(text):
            pending_number = (text.rstrip("."), line.offset, True)
            continue
        labelled = LABELLED_NUMBER.match(text)
        if labelled:
            pending_number = (labelled.group(1), line.offset, False)
            continue
        if pending_number is not None:
            number, offset, period = pending_number
            pending_number = None
            out.extend(_numbered(number, text, offset, line, has_period=period, ctx=ctx, index=i, alone=True))
            continue
        closing = _CLOSE_NUMBERED.match(text)
        if closing:
            marker, number, body = closing.groups()
            if _numbered_item(number, out, marker[-1]):
                out.append(Element(Kind.LETTER, body, line.offset, letter=number, marker=marker))
                continue
            if _starts_afresh(body) and not any(e.kind is Kind.HEADING and e.number for e in out):
                out.append(Element(Kind.CLAUSE, body, line.offset, level=1, number=number))
                continue
        numbered = _NUMBERED.match(text)
        if numbered:
            number, body = numbered.group(1), numbered.group(4)
            period = bool(numbered.group(2) or numbered.group(3))
            if period and _numbered_item(number, out, "."):
                out.append(Element(Kind.LETTER, body, line.offset, letter=number, marker=f"{number}."))
                continue
            if "." in number or (period and not line.bullet) or line.md_level:
                out.extend(_numbered(number, body, line.offset, line, period, ctx=ctx, index=i))
                continue
            if number in ctx.sections and is_title_like(body):
                out.append(Element(Kind.HEADING, _heading_text(body), line.offset, level=1, number=number))
                continue
        lettered = _LETTERED.match(text) or _PAREN_NUMBERED.match(text)
        if lettered:
            out.append(Element(Kind.LETTER, lettered.group(3), line.offset, letter=lettered.group(2),
                               marker=lettered.group(1)))
            continue
        if line.md_level or line.bold_only:
            out.append(Element(Kind.HEADING, text.rstrip(":").strip(), line.offset, level=_heading_level(line)))
            continue
        if line.bullet:
            out.append(Element(Kind.BULLET, text, line.offset, bold_label=line.bold_label))
            continue
        if plain_headings and (_is_plain_heading(ctx, i) or _is_tight_heading(ctx, i, out)):
            out.append(Element(Kind.HEADING, _heading_text(text), line.offset, level=1 if is_all_caps(text) else 2))
            continue
        out.append(Element(Kind.TEXT, text, line.offset, bold_label=line.bold_label))
    return out


def _starts_afresh(text: str) -> bool:
    return (not starts_lowercase(text) and text[:1].isalnum()) or text[:1] in "“\"‘'"


def _numbered_item(number: str, so_far: Sequence[Element], closer: str) -> bool:
    """'1. contact ...' after 'you should:', and '2.', '3.' after it: steps of a list, not clauses 1, 2, 3."""
    before = next((e for e in reversed(so_far) if e.kind not in (Kind.BLANK, Kind.BREAK)), None)
    if before is None or "." in number:
        return False
    if number == "1":
        return before.kind is not Kind.HEADING and before.text.rstrip().endswith((":", ":-"))
    return (before.kind is Kind.LETTER and before.letter is not None and before.letter.isdigit()
            and int(before.letter) + 1 == int(number) and (before.marker or "").endswith(closer))


def _mend_ocr_number(text: str) -> str:
    ocr = _OCR_NUMBER.match(text)
    if ocr is None or "l" not in ocr.group():
        return text
    return ocr.group().replace("l", "1") + text[ocr.end() :]


def _heading_text(text: str) -> str:
    return text.rstrip(":-").rstrip(":").strip()


def _numbered(number: str, text: str, offset: int, line: Line, has_period: bool, *, ctx: _Context,
              index: int, alone: bool = False) -> list[Element]:
    depth = number.count(".") + 1
    titled = (depth == 1 and (has_period or line.md_level)) or (depth > 1 and is_title_like(text))
    if alone and not ctx.short(text):
        titled = False  # a number on its own line, then a full-width line: the clause's first line, wrapped
    if depth > 1 and _leads_in(text, ctx.next_present(index)):
        titled = False  # '2.2 Councillors should:' leads in to its list: the clause's own words, no heading
    if titled and (is_title_like(text) or line.md_level) and not ctx.continues(index):
        return [Element(Kind.HEADING, text.rstrip(":").strip(), offset, level=depth, number=number)]
    run_in = _RUN_IN_TITLE.match(line.marked)
    if run_in:
        title = run_in.group(1).strip()
        if text.startswith(title):
            return [Element(Kind.CLAUSE, text[len(title) :].lstrip(), offset, level=depth, number=number,
                            title=title)]
    return _split_run_on(Element(Kind.CLAUSE, text, offset, level=depth, number=number), line)


def _leads_in(text: str, nxt: Line | None) -> bool:
    """'Councillors should:' starts a sentence its items finish; 'Reports:' names what follows.

    A lead-in has more than one word before its colon, or items that carry its sentence on in lower case.
    """
    text = text.rstrip()
    if not text.endswith((":", ":-")):
        return False
    if word_count(text) > 1:
        return True
    if nxt is None:
        return False
    lettered = _LETTERED.match(squash(nxt.text))
    return starts_lowercase(lettered.group(3) if lettered else _ITEM_START.sub("", squash(nxt.text)))


def _successor(number: str) -> str:
    head, _, last = number.rpartition(".")
    return f"{head}.{int(last) + 1}" if head else str(int(last) + 1)


def _split_run_on(element: Element, line: Line) -> list[Element]:
    """Two clauses run together on one line ('... conduct. 1.3 The Protocol must ...'), as HTML export leaves them.

    Only the very next number splits a line, so a sentence that mentions a paragraph ('see 4.2 below') is
    left alone.
    """
    assert element.number is not None
    if "." not in element.number:
        return [element]
    following = _successor(element.number)
    run_on = re.compile(rf"(?<=[.;:!?”\"’])\s+({re.escape(following)})\.?\s+(?=[A-Z“\"‘'])")
    match = run_on.search(element.text)
    if match is None:
        return [element]
    in_line = run_on.search(line.text, max(0, element.offset - line.offset))
    offset = line.offset + in_line.start(1) if in_line else element.offset
    first = replace(element, text=element.text[: match.start()].rstrip())
    rest = replace(element, text=element.text[match.end() :], number=following, offset=offset)
    return [first, *_split_run_on(rest, line)]


def _heading_level(line: Line) -> int:
    if is_all_caps(line.text):
        return 1
    return max(line.md_level, 2) if line.md_level != 1 else 1


def _is_plain_heading(ctx: _Context, i: int) -> bool:
    """An unmarked heading stands alone, is short, and is followed by prose rather than a list."""
    line = ctx.lines[i]
    assert line is not None
    if not is_title_like(line.text) or line.bold_label:
        return False
    if ctx.adjacent(i, -1) is not None or ctx.adjacent(i, 1) is not None:
        return False
    nxt = ctx.next_present(i)
    if nxt is None:
        return False
    if line.text.endswith((":", ":-")) and nxt.bullet:
        return False
    return not starts_lowercase(nxt.text)


def _is_tight_heading(ctx: _Context, i: int, so_far: Sequence[Element]) -> bool:
    """A heading printed without blank lines around it, as PDF text extraction leaves most headings.

    It is short, follows the end of a sentence (or another heading), does not introduce a list, and is
    followed by a clause number or by a paragraph: a line of body text, not another short line.
    """
    line = ctx.lines[i]
    assert line is not None
    text = squash(line.text)
    if not is_title_like(text) or line.bold_label or text.endswith((":", ":-")):
        return False
    caps = is_all_caps(text)
    if not caps and not ctx.short(text):
        return False
    before = ctx.adjacent(i, -1)
    after_heading = bool(so_far) and so_far[-1].kind is Kind.HEADING
    if before is not None and not after_heading and not _SENTENCE_END.search(before.text.rstrip()):
        return False
    nxt = ctx.adjacent(i, 1) or ctx.next_present(i)
    if nxt is None or nxt.bullet:
        return False
    nxt_text = squash(nxt.text)
    if _NUMBER_ONLY.match(nxt_text) or (_NUMBERED.match(nxt_text) and not is_title_like(nxt_text)):
        return True
    if starts_lowercase(nxt_text):
        return False
    return caps or (not is_title_like(nxt_text) and word_count(nxt_text) > _TITLE_MAX_WORDS // 2)

