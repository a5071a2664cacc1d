"""Protocol text -> clauses. See ``parse_document``."""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.clauses import Clause, DocumentMeta, ParsedDocument
from knowledge.errors import ProtocolFileError
from knowledge.parsing.assemble import Assembler
from knowledge.parsing.columns import merge_aligned_rows
from knowledge.parsing.drawings import read_diagrams, redrawn
from knowledge.parsing.elements import Element, Kind, classify
from knowledge.parsing.footnotes import open_listed_notes
from knowledge.parsing.frames import mark_table_rows, merge_grid_rows, unframed
from knowledge.parsing.furniture import set_aside_furniture
from knowledge.parsing.joining import hyphenated_words
from knowledge.parsing.lines import (
    close_double_spacing,
    mark_underlined_headings,
    open_paragraph_lines,
    split_lines,
)
from knowledge.parsing.paragraphs import open_unwrapped_lines
from knowledge.parsing.review import strip_review_marks
from knowledge.parsing.slides import mark_slide_titles

__all__ = ["parse_clauses", "parse_document"]

_MIN_NUMBERED_CLAUSES = 3


def parse_clauses(
    text: str, *, council: str, extra_furniture: Iterable[str] = (), source_name: str = "<text>"
) -> tuple[list[Clause], tuple[str, ...], tuple[str, ...]]:
    """Clauses, the title lines, and the lines set aside as page furniture."""
    if "\x00" in text:
        raise ProtocolFileError(source_name, "looks like a binary file, not protocol text")
    source = unframed(redrawn(text))
    lines = strip_review_marks(read_diagrams(split_lines(source), source))
    if all(line is None for line in lines):
        raise ProtocolFileError(source_name, "is empty")
    lines = open_paragraph_lines(mark_underlined_headings(mark_table_rows(
        merge_grid_rows(merge_aligned_rows(close_double_spacing(lines))))))
    lines = mark_slide_titles(open_listed_notes(open_unwrapped_lines(lines)))
    furniture = set_aside_furniture(lines, extra_patterns=extra_furniture)
    has_markdown_headings = sum(1 for x in furniture.lines if x is not None and x.md_level) >= 2
    elements = classify(furniture.lines, plain_headings=not has_markdown_headings,
                        page_breaks=furniture.page_breaks)
    numbered = sum(1 for e in elements if e.kind is Kind.CLAUSE and e.number) >= _MIN_NUMBERED_CLAUSES
    clauses = Assembler(council, numbered=numbered, hyphenated=hyphenated_words(text),
                        sections_numbered=_restarts_under_numbered_headings(elements)).run(elements)
    if not clauses:
        raise ProtocolFileError(source_name, "contains no clauses (is it the protocol text?)")
    return clauses, furniture.title_lines, furniture.set_aside


def _restarts_under_numbered_headings(elements: list[Element]) -> bool:
    """Numbered headings ('## 5. Press and social media') over lists numbered afresh ('1.', '2.') in each."""
    numbers = [e.number for e in elements if e.kind is Kind.CLAUSE and e.number and e.number.isdigit()]
    headed = any(e.kind is Kind.HEADING and e.number for e in elements)
    return headed and len(numbers) != len(set(numbers))


def parse_document(
    text: str, meta: DocumentMeta, *, extra_furniture: Iterable[str] = (), source_name: str = "<text>"
) -> ParsedDocument:
    clauses, _, set_aside = parse_clauses(
        text, council=meta.council, extra_furniture=extra_furniture, source_name=source_name
    )
    return ParsedDocument(meta=meta, clauses=tuple(clauses), set_aside=set_aside)
