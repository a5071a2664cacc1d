"""Which lines are headings: short names rather than sentences, told apart by what surrounds them.

Markdown and bold-only lines say they are headings; plain text does not. PDF and Word text leaves
headings as short lines, often with no blank lines around them, and numbered section titles
('1<tab>Purpose') without a full stop. Whether such a line is a heading depends on its neighbours and
on the document's habits (its usual line width, the section numbers it subdivides), which ``Context``
collects for the classifier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.parsing.lines import (
    SHORT_LINE,
    Line,
    is_all_caps,
    starts_lowercase,
    usual_width,
    word_count,
)
from knowledge.parsing.numbering import (
    ITEM_START,
    LETTER_SECTION,
    LETTERED,
    NUMBER_ONLY,
    NUMBERED,
    SECTION_TITLE,
    SUBSECTION,
    squash,
)

_SENTENCE_END = re.compile(r"[.?!][”’\"')]*$")
_TITLE_MAX_WORDS = 9
_SUB_HEADING_MAX_WORDS = 12
"""An indented sub-heading is marked by its indent as well as its shortness, so it may be a little longer
('Concerns raised by staff about colleagues or the Town Clerk')."""


def is_title_like(text: str, *, max_words: int = _TITLE_MAX_WORDS) -> bool:
    """A short name rather than a sentence: 'Officers', 'General Principles', 'Reports:'."""
    text = text.strip()
    words = word_count(text)
    if not text or words > max_words or text.endswith((".", ";", ",", "?", "!")):
        return False
    if text.endswith((":", ":-")) and words > 3:
        return False
    if ". " in text or starts_lowercase(text):
        return False
    return text[0].isupper() or text[0].isdigit()


_GLOSS = re.compile(r"\s*\([^()]*\)$")
"""'Roles (Rolau)': a bilingual council prints the title's translation in brackets after it."""


def is_section_title(text: str) -> bool:
    """A lettered section's title, its translation in brackets not counted: 'Information and requests (...)'."""
    return is_title_like(_GLOSS.sub("", text) or text)


class Context:
    """What a line's classification may look at besides the line: its neighbours and the document's habits."""

    def __init__(self, lines: Sequence[Line | None]) -> None:
        self.lines = lines
        present = [x for x in lines if x is not None]
        self.width = usual_width(lines)
        self.sections = {m.group(1) for x in present for m in [SUBSECTION.match(x.text)] if m} | _title_run(present)
        """Section numbers a bare 'N Title' line may carry: ones the document subdivides ('3' when it prints
        3.1), or a run of such lines numbered 1, 2, 3 ... in order."""
        self.letter_sections = _letter_run(present)
        """Section letters: a run of 'A. Title', 'B. Title', ... lines lettered in order."""

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
        return (nxt is not None and not nxt.bullet and not LETTERED.match(nxt.text)
                and starts_lowercase(nxt.text))


def _title_run(present: Sequence[Line]) -> set[str]:
    """'1 The Respective Roles', '2 Working Relationships', ...: numbered titles without a full stop, in order."""
    numbers = [m.group(1) for x in present for m in [SECTION_TITLE.match(squash(x.text))]
               if m and is_title_like(m.group(2))]
    run: set[str] = set()
    expected = 1
    for number in numbers:
        if int(number) == expected:
            run.add(number)
            expected += 1
    return run if len(run) >= 2 else set()


def _letter_run(present: Sequence[Line]) -> set[str]:
    letters = [m.group(1) for x in present for m in [LETTER_SECTION.match(squash(x.text))]
               if m and is_section_title(m.group(2))]
    run: set[str] = set()
    expected = "A"
    for letter in letters:
        if letter == expected:
            run.add(letter)
            expected = chr(ord(expected) + 1)
    return run if len(run) >= 2 else set()


def heading_text(text: str) -> str:
    return text.rstrip(":-").rstrip(":").strip()


def heading_level(line: Line) -> int:
    if is_all_caps(line.text):
        return 1
    return max(line.md_level, 2) if line.md_level != 1 else 1


def is_plain_heading(ctx: Context, i: int) -> bool:
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
    if line.text.endswith((":", ":-")) and (nxt.bullet or ITEM_START.match(squash(nxt.text))):
        return False  # a lead-in: its list follows, even after a blank line
    return not starts_lowercase(nxt.text)


def is_tight_heading(ctx: Context, i: int, *, after_heading: bool) -> bool:
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
    if before is not None and not after_heading and not _SENTENCE_END.search(before.text.rstrip()):
        return False
    nxt = ctx.adjacent(i, 1) or ctx.next_present(i)
    if nxt is None or nxt.bullet:
        return False
    if is_indented_heading(ctx, i + 1):
        return True  # 'Complaints and concerns' over its first indented sub-heading: a section, then its part
    nxt_text = squash(nxt.text)
    if NUMBER_ONLY.match(nxt_text) or (NUMBERED.match(nxt_text) and not is_title_like(nxt_text)):
        return True
    if starts_lowercase(nxt_text):
        return False
    return caps or (not is_title_like(nxt_text) and word_count(nxt_text) > _TITLE_MAX_WORDS // 2)


def is_indented_heading(ctx: Context, i: int) -> bool:
    """A sub-heading set in by an indent: a short name at one indent level, the lines below indented deeper.

    Word text keeps a document's outline as tabs when its numbering is lost: a section heading at the margin,
    its paragraphs one tab in, and a part of the section named one tab in with its paragraphs two tabs in. The
    name is no sentence (no closing punctuation, no lead-in colon) and follows a sentence's end, the section's
    heading, or a line set further out; what is set in below it is a paragraph, not a drawing's '|' or another
    name (a box of a diagram typed in characters is no heading).
    """
    line = ctx.lines[i] if 0 <= i < len(ctx.lines) else None
    if line is None or line.indent == 0 or line.bullet or line.bold_label:
        return False
    text = squash(line.text)
    if not is_title_like(text, max_words=_SUB_HEADING_MAX_WORDS) or text.endswith((":", ":-")):
        return False
    nxt = ctx.adjacent(i, 1)
    if nxt is None or nxt.bullet or nxt.indent <= line.indent or not _is_paragraph(nxt):
        return False
    before = ctx.adjacent(i, -1)
    return before is None or before.indent < line.indent or bool(_SENTENCE_END.search(before.text.rstrip()))


def _is_paragraph(line: Line) -> bool:
    """A line of prose starting afresh: a capital or a quote, and more words than a title has."""
    text = squash(line.text)
    first = text.lstrip("\"'“‘(")[:1]
    return (first.isalpha() and first.isupper() and not is_title_like(text)
            and word_count(text) > _TITLE_MAX_WORDS // 2)
