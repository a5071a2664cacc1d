"""Footnotes: the notes printed at a page's foot, under a short rule, are no words of the protocol.

A PDF's text keeps them where the page printed them, between one clause and the next page's first line,
so unless they are set aside '1 See Part 5A of this Constitution.' is read as a paragraph of its own.
The markers left in the text ('Code of Conduct1') stay: they are the printed words, and harmless.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from knowledge.parsing.lines import Line

_FOOTNOTE_RULE = re.compile(r"^_{5,}$")
_FOOTNOTE = re.compile(r"^\d{1,2}\s+\S")


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
