"""Clause numbers and list markers as councils print them, and how one follows another.

The classifier asks two kinds of question of a line: is this a clause number, a lettered or bracketed
marker, a bare section number ('1.1 Text', '3.Members', '4) Text', '(1) Text', 'a) Text', a number alone
on its line), and what number or letter would come next ('1.3' after '1.2', 'b' after 'a'). Both are
about the document's numbering rather than about any one line's place in it, and the assembler asks
the second one too, so they live here apart from the classification itself.
"""

from __future__ import annotations

import re

_FIRST = r"(?:[A-Z]{1,2}\d{1,3}|\d{1,3}[A-Z]?)"
"""The first part of a clause number: '3', and as constitutions print them, 'B3' (section B3) or '5B' (part 5B)."""
NUMBERED = re.compile(rf"^({_FIRST}(?:\.\d{{1,3}})*)(?:(\.?)\s+|(\.)(?=[A-Z“\"‘]))(\S.*)$")
"""'1.1 Text', '2. Title', 'B1.1 Text', '5B.4 Text', and '3.Members should ...' with the space lost in conversion."""
_OCR_NUMBER = re.compile(r"^\d{1,3}(?:\.(?:\d{1,2}l?|l\d?))+(?=\.?(?:\s|$))")
"""'3.l The Clerk ...': OCR reads a 1 as an l; inside a clause number at a line's start it can only be a 1."""
NUMBER_ONLY = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}\.)$")
SUBSECTION = re.compile(rf"^({_FIRST})\.\d{{1,3}}")
DOTTED = re.compile(rf"{_FIRST}(?:\.\d+)*")
LETTERED = re.compile(r"^(\(?([a-z]|[ivx]{2,4})[.)]?)\s+(?=[A-Z“\"‘'])(.*)$")
LETTER_SECTION = re.compile(r"^([A-Z])[.)]\s+(\S.*)$")
"""'B.   THE ROLE OF THE CLERK': a section lettered A, B, C ..."""
BRACKETED_ITEM = re.compile(r"^(\(([a-z]|[ivx]{1,4})\)|([a-z]|[ivx]{1,4})\))\s+(?=[a-z])(.*)$")
"""'(a) give instructions ...', 'ii) ask ...': a bracketed marker before a lower-case word can only be a list item."""
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
CLOSE_NUMBERED = re.compile(r"^((\d{1,2})\))\s+(\S.*)$")
"""'4) The role of the Clerk is:': a paragraph numbered with a closing bracket."""
PAREN_NUMBERED = re.compile(r"^(\((\d{1,2})\))\s*(?=[A-Z“\"‘'])(.*)$")
"""'(1) Members are elected', '(2)Officers ...': sub-paragraphs numbered in brackets, as web pages print them."""
LEGAL_NUMBERED = re.compile(r"^((\d{1,3})\.?\((\d{1,3})\))\s*(?=[A-Z“\"‘'])(.*)$")
"""'4.(2) Outside meetings ...': legal style, paragraph 4's sub-paragraph (2), its later ones printed '(3)' alone."""
PARA_NUMBERED = re.compile(r"^(?:para|paragraph|paragraff)\.?\s+(\d{1,3})\.\s+(?=[A-Z“\"‘'])(.*)$", re.IGNORECASE)
"""'Para 12. Members must ...': the number printed with a word and a full stop, the clause's words after it."""
SECTION_LETTERED = re.compile(r"^[A-Z]\d{1,3}$")
"""'B2', 'C14': a paragraph numbered within a lettered section, printed without a full stop."""
ITEM_START = re.compile(r"^(\(?[a-z]{1,4}[.)]|\(?\d{1,2}[.)])\s+")
SECTION_TITLE = re.compile(r"^(\d{1,2})\s+(\S.*)$")


def next_marker(marker: str) -> str:
    """The marker after this one: 'b' after 'a', '3' after '2', 'iii' after 'ii'."""
    if marker.isdigit():
        return str(int(marker) + 1)
    if len(marker) > 1:
        return _ROMAN[_ROMAN.index(marker) + 1] if marker in _ROMAN[:-1] else ""
    return chr(ord(marker) + 1)


def follows_marker(marker: str, previous: str | None) -> bool:
    """Does this marker carry a list on: 'b' after 'a', '3' after '2', 'ii' after 'i' ('i' may also follow 'h')."""
    if previous is None:
        return is_first_marker(marker) or marker == "i"
    return marker == next_marker(previous) or (previous == "i" and marker == "ii")


def is_first_marker(marker: str) -> bool:
    return marker in ("a", "1")


def successor(number: str) -> str:
    """The clause number after this one at the same depth: '1.3' after '1.2', '4' after '3'."""
    head, _, last = number.rpartition(".")
    return f"{head}.{int(last) + 1}" if head else str(int(last) + 1)


def mend_ocr_number(text: str) -> str:
    """'3.l The Clerk' read as '3.1 The Clerk'; text without such a number is returned unchanged."""
    ocr = _OCR_NUMBER.match(text)
    if ocr is None or "l" not in ocr.group():
        return text
    return ocr.group().replace("l", "1") + text[ocr.end() :]


def squash(text: str) -> str:
    """Tabs and runs of spaces (Word and HTML exports pad numbers with them) read as one space."""
    return " ".join(text.split())
