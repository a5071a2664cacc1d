"""Elements to clauses: which words belong together and how each clause will be cited.

Rules, in the order a reader applies them:
- a numbered line starts a clause; in a numbered document unnumbered text after a lead-in, a list
  item or a numbered title belongs to that clause;
- a lead-in ("Officers must:-", "3.1 All Councillors can expect:") keeps its list, lettered or not;
- a line that does not end a sentence, followed by one that starts in lower case, is one sentence
  broken by a wrap or a page turn, and is rejoined; across a page turn the next page may also start
  with a capital ('... with the Monitoring | page 2 | Officer before ...'), unless a list item ended;
- a word hyphenated at a line end is mended ('indispen-' + 'sable'), keeping the hyphen where the
  document prints the word with one elsewhere ('decision-making');
- lettered paragraphs under a numbered section ('2. General Points', '(a) Both Members ...') are
  clauses of their own, numbered as people cite them: '2(a)';
- everything else is a paragraph of its own, cited by its heading path and position.

What the words themselves say (a sentence ended, a piece cut short, a hyphen the typesetter's) is
``joining``; how a clause's id is made is ``ids``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from knowledge.clauses import Clause
from knowledge.parsing.builder import Builder
from knowledge.parsing.elements import Element, Kind
from knowledge.parsing.ids import ClauseIds
from knowledge.parsing.joining import cut_short, ends_item, ends_lead_in
from knowledge.parsing.lines import ends_sentence, is_all_caps, starts_lowercase, word_count
from knowledge.parsing.numbering import DOTTED, ITEM_START, is_first_marker

_SHORT_ITEM_WORDS = 12
_CONNECTIVES = frozenset({"or", "and", "and/or"})
"""'or' on a line of its own after an item's ';' ends that item; it starts no item of its own."""


def display_heading(text: str) -> str:
    """Headings printed in capitals read better, and cite more checkably, in sentence case."""
    text = text.strip().rstrip(":-").rstrip(":").strip()
    if is_all_caps(text):
        lowered = text.lower()
        return lowered[:1].upper() + lowered[1:]
    return text



class Assembler:
    """Walks the elements once, keeping the heading path and the clause being built."""

    def __init__(self, council: str, *, numbered: bool, hyphenated: frozenset[str] = frozenset(),
                 sections_numbered: bool = False) -> None:
        self.council = council
        self.numbered = numbered
        self.sections_numbered = sections_numbered
        """The headings carry the numbering ('## 5. Press'), lists under them restart at 1: a paragraph '1.'
        there is cited 5(1), and the headings keep their numbers."""
        self.hyphenated = hyphenated
        self.headings: list[tuple[int, str, str | None]] = []
        """Open headings: level, title as displayed, number as printed (``None`` for unnumbered ones)."""
        self.current: Builder | None = None
        self.built: list[Builder] = []
        self._sections = 0
        """Headings seen so far: builders between the same two headings share this count."""
        self._ids = ClauseIds(council)
        self._page_turned = False
        """A page break stands between the previous element and this one."""

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(title for _, title, _ in self.headings)

    def run(self, elements: Sequence[Element]) -> list[Clause]:
        blank = False
        for element in elements:
            if element.kind is Kind.BREAK:
                self._page_turned = blank = True
                continue
            if element.kind is Kind.BLANK:
                blank = True
                continue
            handler = {
                Kind.HEADING: self._heading,
                Kind.CLAUSE: self._clause,
                Kind.LETTER: self._letter,
                Kind.BULLET: self._bullet,
                Kind.TEXT: self._text,
            }[element.kind]
            handler(element, blank)
            blank = self._page_turned = False
        self._flush()
        _join_continuations(self.built)
        return [self._clause_of(built) for built in self.built]

    def _push_heading(self, level: int, title: str, number: str | None = None) -> None:
        self._sections += 1
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        shown = f"{number} {display_heading(title)}" if number and self.sections_numbered else display_heading(title)
        self.headings.append((level, shown, number))

    def _builder(self, number: str | None, offset: int, *, title: str | None = None,
                 titled: bool = False) -> Builder:
        return Builder(number, offset, self.path, title=title, titled=titled, hyphenated=self.hyphenated,
                        section=self._sections)

    def _heading(self, element: Element, blank: bool) -> None:
        self._flush()
        self._push_heading(element.level, element.text, element.number)
        if element.number and element.level > 1:
            self.current = self._builder(element.number, element.offset, title=element.text, titled=True)

    def _clause(self, element: Element, blank: bool) -> None:
        if element.number and element.letter:  # legal style '4.(2)': section 4, sub-paragraph (2)
            self._lettered_clause(element.number, element)
            return
        section = self.headings[-1][2] if self.headings else None
        if self.sections_numbered and section and element.number and element.number.isdigit():
            self._lettered_clause(section, replace(element, letter=element.number))
            return
        self._flush()
        self.current = self._builder(element.number, element.offset, title=element.title)
        self.current.paragraphs.append(element.text)

    def _letter(self, element: Element, blank: bool) -> None:
        letter = element.letter
        assert letter is not None
        current = self.current
        section = self.headings[-1][2] if self.headings else None
        if current is not None and current.clause_section is not None:
            section = current.clause_section
        if current is not None and current.clause_letter is not None:
            if section is not None and current.follows_clause_letter(letter):
                self._lettered_clause(section, element)
                return
            if current.items and current.accepts_letter(letter):
                current.add_item(element.text, letter=letter, marker=element.marker)
                return
        elif current is not None and current.accepts_letter(letter):
            current.add_item(element.text, letter=letter, marker=element.marker)
            current.nested = False
            return
        elif current is not None and current.takes_nested:
            current.add_nested(f"{element.marker or letter} {element.text}")
            return
        elif current is None and section is not None and (is_first_marker(letter) or letter == "i"):
            self._lettered_clause(section, element)
            return
        self._text(Element(Kind.TEXT, f"{element.marker or letter} {element.text}", element.offset), blank)

    def _lettered_clause(self, section: str, element: Element) -> None:
        """'(b) Mutual respect ...' under '2. General Points' is clause 2(b), as a reader cites it."""
        self._flush()
        self.current = self._builder(f"{section}({element.letter})", element.offset)
        self.current.clause_letter = element.letter
        self.current.clause_section = section
        self.current.paragraphs.append(element.text)

    def _bullet(self, element: Element, blank: bool) -> None:
        current = self.current
        if current is not None and (self.numbered or current.is_list or current.titled):
            current.add_item(element.text, label=element.bold_label)
            return
        self._start_paragraph(element)
        assert self.current is not None
        self.current.paragraphs.clear()
        self.current.add_item(element.text, label=element.bold_label)

    def _text(self, element: Element, blank: bool) -> None:
        current = self.current
        text = element.text
        if current is None:
            self._start_paragraph(element)
            return
        if current.takes_nested and ITEM_START.match(text):
            current.add_nested(text)
            return
        if blank and current.legal_lead_in:
            current.add_item(text)
            return
        continues = not ends_sentence(current.last_piece) and (
            starts_lowercase(text) or (self._page_turned and self._cut_by_page_turn(current)))
        if not blank:
            if current.is_list and text.strip() not in _CONNECTIVES and (
                (current.items and ends_item(current.items[-1]))
                or (not current.items and ends_lead_in(current.last_piece))
            ):
                current.add_item(text)
            else:
                current.join_last(text)
            return
        if continues and not current.empty:
            current.join_last(text)
        elif self.numbered and current.number and current.is_list:
            current.add_item(text)
        elif self.numbered and current.titled:
            current.paragraphs.append(text)
        elif not self.numbered and current.is_list and self._belongs_to_list(current, element):
            current.add_item(text, label=element.bold_label)
        else:
            self._start_paragraph(element)

    @staticmethod
    def _cut_by_page_turn(current: Builder) -> bool:
        """Across a page turn a sentence carries on even when the next page starts with a name ('Officer').

        A list item may end without a full stop, so one is only carried on when it stops on a word no
        item ends with.
        """
        return not current.items or cut_short(current.items[-1])

    @staticmethod
    def _belongs_to_list(current: Builder, element: Element) -> bool:
        """In prose documents a lead-in may introduce unbulleted items: labelled ones, or one short line."""
        if current.items:
            return element.bold_label is not None and current.item_labels[0] is not None
        return element.bold_label is not None or word_count(element.text) <= _SHORT_ITEM_WORDS

    def _start_paragraph(self, element: Element) -> None:
        self._flush()
        self.current = self._builder(None, element.offset)
        self.current.paragraphs.append(element.text)

    def _flush(self) -> None:
        current, self.current = self.current, None
        if current is not None and not current.empty:
            self.built.append(current)

    def _clause_of(self, current: Builder) -> Clause:
        para: int | None = None
        if current.number:
            clause_id = self._ids.numbered(current.number)
        else:
            clause_id, para = self._ids.paragraph(current.heading_path)
        return Clause(
            clause_id=clause_id,
            council=self.council,
            number=current.number,
            heading_path=current.heading_path,
            text=current.text,
            offset=current.offset,
            para=para,
            title=display_heading(current.title) if current.title else None,
        )


def _join_continuations(built: list[Builder]) -> None:
    """Unnumbered paragraphs printed between two numbered clauses of one run ('1.1', a paragraph, '1.2') are 1.1's.

    A reader looking for '1.1' finds them there, after its first paragraph and before 1.2; cited on their own
    as 'Introduction, para 1' they would send the reader to 1.1's first words instead. A paragraph after a
    section's last clause is left on its own: the numbering does not say it belongs (it may be a note closing
    the document).
    """
    i = 0
    while i < len(built):
        head = built[i]
        j = i + 1
        while j < len(built) and built[j].number is None and built[j].section == head.section:
            j += 1
        if (head.number and not head.items and j > i + 1 and j < len(built)
                and built[j].section == head.section and _next_in_run(head.number, built[j].number)):
            head.paragraphs.extend(para.text for para in built[i + 1 : j])
            del built[i + 1 : j]
        i += 1


def _next_in_run(number: str, following: str | None) -> bool:
    """'1.2' after '1.1' (or a repeated '1.1'): the same list of numbers carrying on."""
    if following is None or not DOTTED.fullmatch(number) or not DOTTED.fullmatch(following):
        return False
    head, _, last = number.rpartition(".")
    next_head, _, next_last = following.rpartition(".")
    part, next_part = _PART.fullmatch(last), _PART.fullmatch(next_last)  # '2', or lettered: 'Q2', 'B3', '5B'
    if head != next_head or part is None or next_part is None:
        return False
    same_letters = (part["before"], part["after"]) == (next_part["before"], next_part["after"])
    return same_letters and int(next_part["digits"]) in (int(part["digits"]), int(part["digits"]) + 1)


_PART = re.compile(r"(?P<before>[A-Z]{0,2})(?P<digits>\d+)(?P<after>[A-Z]?)")
