"""Footnotes: the notes printed at a page's foot, under a short rule, are no words of the protocol.

A PDF's text keeps them where the page printed them, between one clause and the next page's first line,
so unless they are set aside '1 See Part 5A of this Constitution.' is read as a paragraph of its own.
A Word document pasted as text lists them at the end instead, under 'Footnotes' ('[1] The Council adopted
...'): there they interrupt no sentence and stay citable, a paragraph each (``open_listed_notes``).
The markers left in the text ('Code of Conduct1', 'Council[1]') stay: they are the printed words, and harmless.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from knowledge.parsing.lines import Line

_FOOTNOTE_RULE = re.compile(r"^_{5,}$")
_FOOTNOTE = re.compile(r"^\d{1,2}\s+\S")
_NOTES_HEADING = re.compile(r"^(foot|end)?notes:?$", re.IGNORECASE)
_LISTED_NOTE = re.compile(r"^\[(\d{1,3})\]\s+\S")


def drop_footnotes(lines: Sequence[Line | None], kept: list[Line | None], page_edges: set[int],
                    drop: Callable[[int], None]) -> None:
    """Footnotes: under a short rule ('______'), lines numbered '1 See Part 5A ...' down to the page's end.

    Only a block that runs to the foot of the page (a footer, a form feed, the end of the text) is taken.
    """
    for i, line in enumerate(lines):
        if line is None or not _FOOTNOTE_RULE.match(line.text.strip()):
            continue
        block: list[int] = []
        j = i + 1
        while j < len(lines) and j not in page_edges and not page_start(lines[j]):
            nxt = lines[j]
            if nxt is not None:
                if not block and not _FOOTNOTE.match(nxt.text.strip()):
                    break
                block.append(j)
            j += 1
        at_foot = j >= len(lines) or j in page_edges or page_start(lines[j])
        if block and at_foot:
            for k in block:
                if kept[k] is not None:
                    drop(k)


def page_start(line: Line | None) -> bool:
    return line is not None and line.page_start



def open_listed_notes(lines: Sequence[Line | None]) -> list[Line | None]:
    """Notes listed under 'Footnotes' ('[1] The Council adopted ...'), each a paragraph of its own.

    Listed after the text they interrupt nothing, and they may say what a reader asks about (which posts are
    politically restricted), so, unlike notes at a page's foot, they stay citable, as a document that prints
    them a paragraph each is read. Word pastes them a line each with no blank between: without one, the
    notes would read as one paragraph. Only a list whose every note answers a marker in the text
    ('Council[1],') is taken: that is what makes it footnotes rather than a protocol's bracketed list.
    """
    out = list(lines)
    for i, line in enumerate(lines):
        if line is None or not _NOTES_HEADING.match(line.text.strip()):
            continue
        notes: list[int] = []
        numbers: list[str] = []
        for j in range(i + 1, len(lines)):
            nxt = lines[j]
            if nxt is None:
                continue
            note = _LISTED_NOTE.match(nxt.text)
            if note is None:
                break
            notes.append(j)
            numbers.append(note.group(1))
        before = " ".join(x.text for x in lines[:i] if x is not None)
        if notes and all(re.search(rf"\S\[{n}\]", before) for n in numbers):
            for j in reversed(notes):
                if out[j - 1] is not None:
                    out.insert(j, None)
            return out
    return out
