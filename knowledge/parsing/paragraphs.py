"""Paragraph ends in a text saved a paragraph to a line that also has blank lines (between its sections).

``lines.open_paragraph_lines`` reads a text with (almost) no blank lines; Word's 'Save as Plain Text' of a document
whose headings stand between blank lines has both: paragraphs a line each, one after another, and blanks around the
headings. A line longer than any page is wide was never wrapped, so there a line that ends a sentence, followed by
one starting afresh, ended its paragraph, unless the lines are a lead-in's items or a paragraph's sub-items.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.parsing.lines import SENTENCE_END, UNWRAPPED_WIDTH, Line, starts_lowercase


def open_unwrapped_lines(lines: list[Line | None]) -> list[Line | None]:
    """A paragraph per line in a text that also has blank lines (between sections, say): a block holding a line
    longer than any page is wide was never wrapped, so in it a line that ends a sentence, with the next line
    starting afresh at its indent, ended its paragraph (Word's 'Save as Plain Text' of a document whose headings
    have blank lines around them). Markdown is left alone: there a line break inside a paragraph is no break."""
    if sum(1 for line in lines if line is not None and line.md_level) >= 2:
        return lines
    out: list[Line | None] = []
    unwrapped = False
    for i, line in enumerate(lines):
        if line is None:
            unwrapped = False
        elif not out or out[-1] is None:
            unwrapped = any(len(x.text) >= UNWRAPPED_WIDTH for x in _block(lines, i))
        before = out[-1] if out else None
        if (unwrapped and line is not None and before is not None and SENTENCE_END.search(before.text)
                and not starts_lowercase(line.text) and line.indent <= before.indent and not line.bullet
                and not _hangs_from_lead_in(out, line.indent)):
            out.append(None)
        out.append(line)
    return out


def _block(lines: Sequence[Line | None], start: int) -> list[Line]:
    """The lines from ``start`` to the next blank."""
    block: list[Line] = []
    for line in lines[start:]:
        if line is None:
            break
        block.append(line)
    return block


def _hangs_from_lead_in(lines: Sequence[Line | None], indent: int) -> bool:
    """The lines printed so far at this indent (back to a blank) are items of what stands above them: a lead-in
    ('Speaker notes:') at their indent, or a paragraph set further out (its sub-items, tab-indented once more);
    they are kept with it. Under a name set further out (a sub-heading) they are paragraphs of their own."""
    for line in reversed(lines):
        if line is None or line.indent > indent:
            return False
        if line.text.rstrip().endswith((":", ":-")):
            return True
        if line.indent < indent:
            return bool(SENTENCE_END.search(line.text))
    return False
