"""The clause being built: its paragraphs, its list items, and which marker may carry its list on.

The assembler decides where a clause starts and ends; a ``Builder`` holds what it has gathered so far and
answers the questions asked of it: is it a list (or a lead-in waiting for one), may this letter continue
its list or a list nested in its last item, and how do its pieces read as one text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.parsing.joining import ends_lead_in, join_wrapped
from knowledge.parsing.numbering import follows_marker

_LEGAL_LEAD_IN = (" -", " –", " —")
"""'(2) Outside meetings the Chairman -': legal drafting ends a lead-in with a dash, not a colon."""


@dataclass
class Builder:
    number: str | None
    offset: int
    heading_path: tuple[str, ...]
    title: str | None = None
    titled: bool = False
    """Opened by a numbered title ('2.4 Officers'): its body paragraphs follow on later lines."""
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    item_labels: list[str | None] = field(default_factory=list)
    last_letter: str | None = None
    clause_letter: str | None = None
    """For a lettered clause ('2(c)', '1(3)'), its letter or number: the next one opens the next clause."""
    clause_section: str | None = None
    """The section a lettered clause belongs to ('2' for 2(c)): the next letter stays in it even where no
    numbered heading says so (legal style '4.(1)', then '(2)', '(3)')."""
    nested: bool = False
    """A list inside an item ('2. managing the staff, including:' then 'a.', 'b.') is open: its items are this
    clause's too, and the outer list carries on after it ('3.')."""
    hyphenated: frozenset[str] = frozenset()
    section: int = 0
    """Which stretch between headings it was printed in: a paragraph continues a clause only within one."""

    @property
    def is_list(self) -> bool:
        if self.items:
            return True
        if not self.paragraphs:
            return False
        return ends_lead_in(self.paragraphs[-1]) or self.legal_lead_in

    @property
    def legal_lead_in(self) -> bool:
        """A sub-paragraph whose words end in a dash ('(2) Outside meetings the Chairman -'): what follows,
        lettered or not ('"the Clerk" means ...'), is its list, however each item starts."""
        return (self.clause_letter is not None and bool(self.paragraphs)
                and self.paragraphs[-1].rstrip().endswith(_LEGAL_LEAD_IN))

    @property
    def last_piece(self) -> str:
        if self.items:
            return self.items[-1]
        return self.paragraphs[-1] if self.paragraphs else ""

    def join_last(self, text: str) -> None:
        if self.items:
            self.items[-1] = join_wrapped(self.items[-1], text, self.hyphenated)
        elif self.paragraphs:
            self.paragraphs[-1] = join_wrapped(self.paragraphs[-1], text, self.hyphenated)
        else:
            self.paragraphs.append(text)

    def add_item(self, text: str, *, letter: str | None = None, marker: str | None = None,
                 label: str | None = None) -> None:
        """A list item; a lettered or numbered one keeps its marker as printed ('(b) Text', '2. say ...')."""
        self.items.append(f"{marker or letter} {text}" if letter else text)
        self.item_labels.append(label)
        if letter:
            self.last_letter = letter

    @property
    def takes_nested(self) -> bool:
        return bool(self.items) and (self.nested or ends_lead_in(self.items[-1]))

    def add_nested(self, text: str) -> None:
        self.items.append(text)
        self.item_labels.append(None)
        self.nested = True

    def accepts_letter(self, letter: str) -> bool:
        return follows_marker(letter, self.last_letter)

    def follows_clause_letter(self, letter: str) -> bool:
        return self.clause_letter is not None and follows_marker(letter, self.clause_letter)

    @property
    def empty(self) -> bool:
        return not self.paragraphs and not self.items

    @property
    def text(self) -> str:
        return "\n".join([*self.paragraphs, *self.items])
