"""Where a printed piece of text ends, and how pieces broken by a line wrap or a page turn are joined.

The assembler decides which pieces belong to one clause; these rules answer the questions it asks of the
words themselves: does this piece end a sentence, a list item or a lead-in, or was it cut short where
no sentence stops ('... with the', '... indispen-'), and how do two pieces of one sentence read as one.
"""

from __future__ import annotations

import re

from knowledge.parsing.lines import MARKDOWN_LINK, ends_sentence, word_count

_OPEN_ENDINGS = frozenset({
    "a", "an", "the", "of", "to", "and", "or", "nor", "with", "for", "in", "on", "by", "at", "from", "as", "than",
    "that", "which", "who", "whom", "whose", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had",
    "must", "should", "will", "shall", "may", "can", "could", "would", "not", "their", "his", "her", "its", "our",
    "your", "any", "all", "each", "every", "this", "these", "those", "such",
})
"""Words no sentence or list item ends on: a line ending in one was cut short by the page turn."""
_KEEP_HYPHEN_PREFIXES = frozenset({"co", "non", "self", "ex", "vice", "anti", "semi", "multi", "cross", "well"})
_LINE_END_HYPHEN = re.compile(r"([A-Za-z]+)-$")
_FIRST_WORD = re.compile(r"[A-Za-z]+")


def ends_lead_in(text: str) -> bool:
    text = text.rstrip()
    return text.endswith((":", ":-")) or (text.endswith(";") and word_count(text) <= 8)


def ends_item(text: str) -> bool:
    """A list item is over at a sentence end, or at '; and' / '; or' before the last item."""
    return ends_sentence(text) or text.rstrip().endswith(("; and", "; or"))


def cut_short(text: str) -> bool:
    """The text stops where no sentence can: on a comma or a word like 'the', 'with', 'must'."""
    text = text.rstrip()
    if text.endswith((",", "-", "–")):
        return True
    words = text.split()
    return bool(words) and words[-1].casefold() in _OPEN_ENDINGS


def join_wrapped(left: str, right: str, hyphenated: frozenset[str] = frozenset()) -> str:
    """Two pieces of one sentence; a word split by a hyphen at the line end is put back together.

    The hyphen stays where the document prints the whole word with it elsewhere, or the first part is a
    prefix English keeps hyphenated ('co-operate'): otherwise it was the typesetter's.
    """
    if "[" in left and "](" in right:  # a markdown link wrapped over two lines: its words, as on one line
        return MARKDOWN_LINK.sub(r"\1", f"{left} {right}")
    end = _LINE_END_HYPHEN.search(left)
    first = _FIRST_WORD.match(right)
    if end is None or first is None or not right[:1].islower():
        return f"{left} {right}"
    stem = end.group(1)
    if stem.casefold() in _KEEP_HYPHEN_PREFIXES or f"{stem}-{first.group()}".casefold() in hyphenated:
        return f"{left}{right}"
    return f"{left[:-1]}{right}"


def hyphenated_words(text: str) -> frozenset[str]:
    """Words the document prints with a hyphen inside a line: the hyphens it means."""
    return frozenset(w.casefold() for w in re.findall(r"(?<![\w-])[A-Za-z]+-[A-Za-z]+(?![\w-])", text))
