"""What each cleaned line is: a heading, the start of a numbered clause, a list item, or running text.

Classification looks at one line and its neighbours only; deciding which clause a line belongs to is
the assembler's job. Councils print the same structure in many ways (``1.1 Text``, a number on a line
of its own as PDF extraction leaves it, ``1<tab>Purpose`` section titles without a full stop, headings
with or without blank lines around them), so each rule asks what a reader would: is this short line
followed by a body, does this number continue the numbering the document already uses. How numbers and
markers are printed is ``numbers``; which unmarked lines are headings is ``headings``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

from knowledge.parsing.headings import (
    Context,
    heading_level,
    heading_text,
    is_indented_heading,
    is_plain_heading,
    is_section_title,
    is_tight_heading,
    is_title_like,
)
from knowledge.parsing.lines import (
    LABELLED_NUMBER,
    Line,
    is_all_caps,
    starts_lowercase,
    word_count,
)
from knowledge.parsing.numbering import (
    BRACKETED_ITEM,
    CLOSE_NUMBERED,
    ITEM_START,
    LEGAL_NUMBERED,
    LETTER_SECTION,
    LETTERED,
    NUMBER_ONLY,
    NUMBERED,
    PARA_NUMBERED,
    PAREN_NUMBERED,
    SECTION_LETTERED,
    mend_ocr_number,
    squash,
    successor,
)

_SUB_HEADING_LEVEL = 3
"""An indented sub-heading sits under the margin's headings (level 1 in capitals, else 2)."""
_RUN_IN_TITLE = re.compile(r"^\d[\d.]*\.?\s+\*\*([^*]+?)\*\*\s+(?=[A-Z“\"‘'])")


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


def classify(lines: Sequence[Line | None], *, plain_headings: bool,
             page_breaks: frozenset[int] = frozenset()) -> list[Element]:
    """Turn cleaned lines into elements; ``plain_headings`` allows unmarked short lines as headings."""
    ctx = Context(lines)
    out: list[Element] = []
    pending_number: tuple[str, int, bool] | None = None
    for i, line in enumerate(lines):
        if line is None or line.page_start:
            if i in page_breaks or (line is not None and line.page_start):
                out.append(BREAK)
            if line is None:
                out.append(BLANK)
                continue
        text = mend_ocr_number(squash(line.text))
        if NUMBER_ONLY.match(text):
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
        printed = _printed_with_word_or_brackets(text, line.offset)
        if printed is not None:
            out.append(printed)
            continue
        closing = CLOSE_NUMBERED.match(text)
        if closing:
            marker, number, body = closing.groups()
            if _numbered_item(number, out, marker[-1]):
                out.append(Element(Kind.LETTER, body, line.offset, letter=number, marker=marker))
                continue
            if _starts_afresh(body) and not any(e.kind is Kind.HEADING and e.number for e in out):
                out.append(Element(Kind.CLAUSE, body, line.offset, level=1, number=number))
                continue
        numbered = NUMBERED.match(text)
        if numbered:
            number, body = numbered.group(1), numbered.group(4)
            period = bool(numbered.group(2) or numbered.group(3))
            if period and _numbered_item(number, out, "."):
                out.append(Element(Kind.LETTER, body, line.offset, letter=number, marker=f"{number}."))
                continue
            if "." in number or (period and not line.bullet) or line.md_level:
                out.extend(_numbered(number, body, line.offset, line, period, ctx=ctx, index=i))
                continue
            if SECTION_LETTERED.match(number) and number[0] in ctx.letter_sections:
                out.extend(_numbered(number, body, line.offset, line, period, ctx=ctx, index=i))
                continue  # 'B2 The Chair presides ...' under 'B. Roles': paragraph B2, printed without a full stop
            if number in ctx.sections and is_title_like(body):
                out.append(Element(Kind.HEADING, heading_text(body), line.offset, level=1, number=number))
                continue
        section = LETTER_SECTION.match(text)
        if section and section.group(1) in ctx.letter_sections and is_section_title(section.group(2)):
            out.append(Element(Kind.HEADING, heading_text(section.group(2)), line.offset, level=1,
                               number=section.group(1)))
            continue
        lettered = LETTERED.match(text) or PAREN_NUMBERED.match(text)
        if lettered:
            out.append(Element(Kind.LETTER, lettered.group(3), line.offset, letter=lettered.group(2),
                               marker=lettered.group(1)))
            continue
        item = BRACKETED_ITEM.match(text)
        if item:
            out.append(Element(Kind.LETTER, item.group(4), line.offset, letter=item.group(2) or item.group(3),
                               marker=item.group(1)))
            continue
        if line.md_level or line.bold_only:
            out.append(Element(Kind.HEADING, text.rstrip(":").strip(), line.offset, level=heading_level(line)))
            continue
        if line.bullet:
            out.append(Element(Kind.BULLET, text, line.offset, bold_label=line.bold_label))
            continue
        if plain_headings and is_indented_heading(ctx, i):
            out.append(Element(Kind.HEADING, heading_text(text), line.offset, level=_SUB_HEADING_LEVEL))
            continue
        after_heading = bool(out) and out[-1].kind is Kind.HEADING
        if plain_headings and (is_plain_heading(ctx, i) or is_tight_heading(ctx, i, after_heading=after_heading)):
            out.append(Element(Kind.HEADING, heading_text(text), line.offset, level=1 if is_all_caps(text) else 2))
            continue
        out.append(Element(Kind.TEXT, text, line.offset, bold_label=line.bold_label))
    return out


def _printed_with_word_or_brackets(text: str, offset: int) -> Element | None:
    """'Para 12. Members ...' is clause 12; legal style '4.(2) Outside ...' is paragraph 4's sub-paragraph (2).

    The legal-style clause carries its section number and its bracketed number apart, so the sub-paragraphs
    printed '(3)', '(4)' after it carry the same section on, and all are cited as readers cite them: 4(2), 4(3).
    """
    para = PARA_NUMBERED.match(text)
    if para:
        return Element(Kind.CLAUSE, para.group(2), offset, level=1, number=para.group(1))
    legal = LEGAL_NUMBERED.match(text)
    if legal:
        _, section, sub, body = legal.groups()
        return Element(Kind.CLAUSE, body, offset, level=1, number=section, letter=sub, marker=f"({sub})")
    return None


def _starts_afresh(text: str) -> bool:
    return (not starts_lowercase(text) and text[:1].isalnum()) or text[:1] in "“\"‘'"


def _numbered_item(number: str, so_far: Sequence[Element], closer: str) -> bool:
    """'1. contact ...' after 'you should:', and '2.', '3.' after it: steps of a list, not clauses 1, 2, 3.

    A step may follow a nested list ('2. managing the staff, including:', 'a.', 'b.', then '3.').
    """
    before = next((e for e in reversed(so_far) if e.kind not in (Kind.BLANK, Kind.BREAK)), None)
    if before is None or "." in number:
        return False
    if number == "1":
        return before.kind is not Kind.HEADING and before.text.rstrip().endswith((":", ":-"))
    for earlier in reversed(so_far):  # back past a nested list ('a.', 'b.') and wrapped lines to the last step
        if earlier.kind in (Kind.BLANK, Kind.BREAK) or (
                earlier.kind is Kind.TEXT and (starts_lowercase(earlier.text) or ITEM_START.match(earlier.text))):
            continue
        if earlier.kind is not Kind.LETTER or earlier.letter is None:
            return False
        if earlier.letter.isdigit():
            return int(earlier.letter) + 1 == int(number) and (earlier.marker or "").endswith(closer)
    return False


def _numbered(number: str, text: str, offset: int, line: Line, has_period: bool, *, ctx: Context,
              index: int, alone: bool = False) -> list[Element]:
    depth = number.count(".") + 1
    titled = (depth == 1 and (has_period or line.md_level)) or (depth > 1 and is_title_like(text))
    if alone and not ctx.short(text):
        titled = False  # a number on its own line, then a full-width line: the clause's first line, wrapped
    if depth > 1 and _leads_in(text, ctx.next_present(index)):
        titled = False  # '2.2 Councillors should:' leads in to its list: the clause's own words, no heading
    if depth > 1 and _ends_mid_phrase(text) and ctx.adjacent(index, 1) is not None:
        titled = False  # '8.4 Council equipment ... provided for the' / 'Council's business only.': wrapped
    if depth > 1 and not ctx.short(line.text) and _carries_on(ctx.adjacent(index, 1)):
        titled = False  # '4.9 Where the Chief Executive, after consulting the Monitoring' / 'Officer, considers'
    if depth > 1 and not ctx.short(line.text) and _SENTENCE_COMMA.search(text) and _goes_on(ctx.adjacent(index, 1)):
        titled = False  # '8.4 Where a Member has disclosed ... information, the Monitoring' / 'Officer may ...'
    if titled and (is_title_like(text) or line.md_level) and not ctx.continues(index):
        return [Element(Kind.HEADING, text.rstrip(":").strip(), offset, level=depth, number=number)]
    run_in = _RUN_IN_TITLE.match(line.marked)
    if run_in:
        title = run_in.group(1).strip()
        if text.startswith(title):
            return [Element(Kind.CLAUSE, text[len(title) :].lstrip(), offset, level=depth, number=number,
                            title=title)]
    return _split_run_on(Element(Kind.CLAUSE, text, offset, level=depth, number=number), line)


_OPEN_ENDED = frozenset({"the", "a", "an", "of", "for", "to", "and", "or", "with", "by", "in", "on", "at", "that"})
"""Words no title ends on: a line ending so was wrapped in mid-sentence, whatever case the next line starts in."""


def _ends_mid_phrase(text: str) -> bool:
    words = text.split()
    return bool(words) and words[-1].casefold() in _OPEN_ENDED


_SENTENCE_COMMA = re.compile(r", (?:the|a|an|this|that|these|those|it|they|he|she|we|you|who|which)\s")
"""A comma that opens a new clause of a sentence ('..., the Monitoring'): lists of words in a title ('Gifts,
hospitality and interests') go on with a noun."""


def _goes_on(nxt: Line | None) -> bool:
    """A line printed straight after, that is no list item."""
    return nxt is not None and not nxt.bullet and not LETTERED.match(nxt.text)


def _carries_on(nxt: Line | None) -> bool:
    """The next line, printed without a gap, goes on with the sentence: its first word is followed by a comma
    ('Officer, considers that ...'), which no paragraph under a title starts with but one word before it."""
    if nxt is None or nxt.bullet:
        return False
    first = nxt.text.split(maxsplit=1)[0]
    return first.endswith(",") and first[:-1].isalpha()


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
    lettered = LETTERED.match(squash(nxt.text))
    return starts_lowercase(lettered.group(3) if lettered else ITEM_START.sub("", squash(nxt.text)))


def _split_run_on(element: Element, line: Line) -> list[Element]:
    """Two clauses run together on one line ('... conduct. 1.3 The Protocol must ...'), as HTML export leaves them.

    Only the very next number splits a line, so a sentence that mentions a paragraph ('see 4.2 below') is
    left alone.
    """
    assert element.number is not None
    if "." not in element.number:
        return [element]
    following = successor(element.number)
    run_on = re.compile(rf"(?<=[.;:!?”\"’])\s+({re.escape(following)})\.?\s+(?=[A-Z“\"‘'])")
    match = run_on.search(element.text)
    if match is None:
        return [element]
    in_line = run_on.search(line.text, max(0, element.offset - line.offset))
    offset = line.offset + in_line.start(1) if in_line else element.offset
    first = replace(element, text=element.text[: match.start()].rstrip())
    rest = replace(element, text=element.text[match.end() :], number=following, offset=offset)
    return [first, *_split_run_on(rest, line)]
