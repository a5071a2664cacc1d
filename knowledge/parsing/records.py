"""Records about the document rather than its words: adoption, review and version lines, web-page chrome.

Councils print when a protocol was adopted and when it is due for review, sometimes a whole version table
('VERSION CONTROL' over rows '1.1  11/05/2021  21/038  Section G amended'); a web page saved as text keeps
its navigation. None of it is the protocol's to cite, so it is set aside with the page furniture.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.parsing.lines import Line

RECORD_PATTERNS: tuple[str, ...] = (
    # Web pages saved as text keep their navigation.
    r"^(back to top|return to top|top of page|print this page|skip to (main )?content)$",
    r"^share (this|on)\b.{0,120}$",
    r"^home\s*(>|›|»|/)\s*.{0,200}$",
    # "(c) Harrowden District Council 2024 | Accessibility | Privacy": a name and a year, no sentence ("(c) act ...").
    r"^(\(c\)|©|copyright)\s*([A-Z][\w&'’.-]*\s+){1,8}(©\s*)?(19|20)\d\d\b[^.;:]*$",
    r"^(was this (page|information|article) (helpful|useful)\??(\s+(yes|no)){0,2}|(yes|no)(\s+(yes|no))?)$",
    # Adoption and review records: when the document was agreed, not what it says.
    r"^(date\s+)?(adopted|approved|agreed|ratified|re-?adopted)\b(?!.*\b(must|should|will|shall)\b).{0,100}"
    r"\b(19|20)\d\d\b.{0,40}$",
    r"^(date\s+of\s+)?(next\s+)?review(\s+date)?\s*(:|-|–|due)\s*.{0,40}$",
    r"^last\s+(updated|reviewed|revised|amended)\b.{0,40}$",
    r"^(version|issue|revision)\s*:?\s*v?\d+(\.\d+)*\b(?!.*\b(must|should|will|shall)\b).{0,80}$",
    # Where the file came from, as a person saving it notes it ("# source: https://..."; a bare address).
    r"^(source|url|link|from|downloaded from|retrieved from|saved from|taken from)\s*:?\s*(https?://|www\.)\S+$",
    r"^(https?://|www\.)\S+$",
)
"""Lines about the document (its adoption, review, version) or about the web page it was saved from."""
_VERSION_HEADING = re.compile(
    r"^(version|document|revision|change|amendment)\s+(control|history|record|log)s?:?$", re.IGNORECASE)


def version_history(lines: Sequence[Line | None]) -> list[int]:
    """A 'Version control' heading and the table printed under it (up to the next blank line after it)."""
    out: list[int] = []
    for i, line in enumerate(lines):
        if line is None or not _VERSION_HEADING.match(line.text.strip()):
            continue
        out.append(i)
        j = i + 1
        while j < len(lines) and lines[j] is None:
            j += 1
        while j < len(lines) and lines[j] is not None:
            out.append(j)
            j += 1
    return out


_CONTROL_LABEL = re.compile(
    r"^(version|issue|revision|status|adopted|approved|agreed|ratified|(next\s+)?review(\s+date)?|reviewed"
    r"|date(\s+of)?(\s+next)?(\s+(adoption|approval|review|issue))?|minute(\s+(ref(erence)?|no\.?|number))?"
    r"|(document\s+)?(owner|author|ref(erence)?)|effective(\s+(date|from))?|last\s+(reviewed|updated|amended))"
    r"\s*:?$", re.IGNORECASE)
"""A document-control table's row labels: 'Version', 'Adopted', 'Minute ref', 'Review date'."""
_TABLE_ROW = re.compile(r"^\|(.*)\|$")
_RECORD_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z])")
_RECORD_PARAGRAPH_MAX_LINES = 4


def control_table(lines: Sequence[Line | None], records: Sequence[re.Pattern[str]]) -> list[int]:
    """A table (rows printed '| cell | cell |') whose every row is a record: a document-control block.

    A row is a record when its first cell is a control label ('Review date') or its cells read as a record line
    ('Version 2.1 - draft'). Two rows at least: one labelled row may be a protocol's own table.
    """
    out: list[int] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and (row := lines[j]) is not None and _TABLE_ROW.match(row.text.strip()):
            j += 1
        cells = [[cell.strip() for cell in _TABLE_ROW.match(x.text.strip()).group(1).split("|")]  # type: ignore[union-attr]
                 for x in lines[i:j] if x is not None]
        if len(cells) >= 2 and all(_CONTROL_LABEL.match(row[0]) or any(p.search(" ".join(row)) for p in records)
                                   for row in cells):
            out.extend(range(i, j))
        i = max(j, i + 1)
    return out


def record_paragraphs(lines: Sequence[Line | None], records: Sequence[re.Pattern[str]]) -> list[int]:
    """A short paragraph every sentence of which is a record, wrapped over lines ('Adopted by the council on 9
    September 2024 (minute 24/117). Next review' / 'due: September 2026.'): no line of it is a record alone."""
    out: list[int] = []
    i = 0
    while i < len(lines):
        if lines[i] is None:
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j] is not None:
            j += 1
        if 2 <= j - i <= _RECORD_PARAGRAPH_MAX_LINES:
            text = " ".join(x.text.strip() for x in lines[i:j] if x is not None)
            sentences = _RECORD_SENTENCE.split(text)
            if all(any(p.search(sentence) for p in records) for sentence in sentences):
                out.extend(range(i, j))
        i = j
    return out
