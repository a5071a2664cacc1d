"""A table laid out in columns of spaces, as ``pdftotext -layout`` or a typed page prints it.

    Your concern is about          First contact                  If that person is involved
    The Clerk                      Chair of Personnel Committee   Vice-Chair of Personnel Cttee

    An officer below head of    The officer's head of         The director, then the
    service level               service (reply within 15      Chief Executive
                                working days)

Read line by line, each row runs its cells into one another ("The Clerk Chair of Personnel Committee Vice-Chair")
and a wrapped cell's words land between its neighbours'. Here a row is read as a table row is elsewhere
(``frames.merge_grid_rows``): one line, '| cell | cell | cell |', each cell's wrapped pieces joined, a list item.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from knowledge.parsing.lines import Line

_GAP = re.compile(r"\S( {2,})(?=\S)")
"""Two or more spaces between words: where one column ends and the next begins."""
_SENTENCE_GAP = re.compile(r"(?<!\.)[.?!]$")
"""'... the Council.  Officers ...': two spaces after a full stop are a typist's habit, no column."""
_MARKER = re.compile(r"^(?:\(?[0-9A-Za-z]{1,5}\)|[0-9A-Z]{0,2}\d+(?:\.[0-9A-Za-z]+)*\.?|[A-Za-z]\.|[ivxlc]+\.?|"
                     r"(?:Para(?:graph)?|Article|Section|Part|Step|Q|A|C):?(?: ?[0-9A-Za-z.()]+)?|[-*•▪–o])$",
                     re.IGNORECASE)
"""'1.1', '(a)', 'B2.1', '(iv)', 'Para 12', '•': a paragraph's number or a list item's mark, then its hanging
indent, is no cell of a table."""
_RULED = re.compile(r"[|]|-{4,}|={4,}")
"""Pipes and rules: a table drawn with them is read elsewhere (``frames``)."""
_UNDERLINE = re.compile(r"^[-=]{3,}(?: +[-=]{3,})*$")
"""'-------------   ---------': the rule under a simple table's header row (pandoc, Markdown), dropped."""
_MIN_ROWS = 3
_MIN_COLUMNS = 2
_SLACK = 1
"""How far (in characters) a cell may start from its column: extraction sometimes shifts a line by one."""


@dataclass(frozen=True, slots=True)
class _Cells:
    line: Line
    starts: tuple[int, ...]
    """Each cell's first column on the printed page (its indent included)."""
    texts: tuple[str, ...]


def _cells(line: Line) -> _Cells:
    """The line's cells (one for a line of text, for a ruled line and for a numbered paragraph's first line)."""
    if _RULED.search(line.text):
        return _Cells(line, (line.indent,), (line.text,))
    starts = [line.indent]
    texts: list[str] = []
    begin = 0
    for gap in _GAP.finditer(line.text):
        before = line.text[begin:gap.start(1)]
        if _SENTENCE_GAP.search(before) or (begin == 0 and _MARKER.match(before)):
            continue
        texts.append(line.text[begin:gap.start(1)])
        begin = gap.end(1)
        starts.append(line.indent + begin)
    texts.append(line.text[begin:])
    return _Cells(line, tuple(starts), tuple(texts))


def _column(start: int, columns: Sequence[int]) -> int | None:
    return next((k for k, c in enumerate(columns) if abs(c - start) <= _SLACK), None)


def merge_aligned_rows(lines: Sequence[Line | None]) -> list[Line | None]:
    """Each space-aligned table's rows as list items (module docstring); every other line as it was.

    A table is at least three lines of two or more cells whose cells all start on the same columns. Rows are
    separated by blank lines when the table has any inside it, else each line of cells starts a row; a line with
    one cell, printed straight after, inside a column and ending before the next, is a wrapped piece of its row."""
    out: list[Line | None] = []
    i = 0
    while i < len(lines):
        table = _table_at(lines, i)
        if table is None:
            out.append(lines[i])
            i += 1
            continue
        end, rows = table
        out.extend(rows)
        if end < len(lines) and lines[end] is not None:
            out.append(None)  # the text printed straight after the last row is no piece of it
        i = end
    return out


def _table_at(lines: Sequence[Line | None], i: int) -> tuple[int, list[Line | None]] | None:
    first = lines[i]
    if first is None:
        return None
    head = _cells(first)
    if len(head.starts) < _MIN_COLUMNS:
        return None
    columns = head.starts
    members: list[tuple[int, _Cells]] = [(i, head)]
    j = i + 1
    while j < len(lines):
        line = lines[j]
        if line is None:
            after = lines[j + 1] if j + 1 < len(lines) else None
            if not _packed(members) and after is not None and len(_cells(after).starts) >= _MIN_COLUMNS:
                j += 1
                continue
            break
        if _UNDERLINE.match(line.text):
            j += 1
            continue
        cells = _cells(line)
        if any(_column(s, columns) is None for s in cells.starts):
            break
        if len(cells.starts) == 1 and not _wrapped_piece(cells, columns, _last_printed(lines, j)):
            break
        members.append((j, cells))
        j += 1
    if sum(1 for _, c in members if len(c.starts) >= _MIN_COLUMNS) < _MIN_ROWS:
        return None
    end = members[-1][0] + 1
    spaced = any(lines[k] is None for k in range(i, end))
    rows: list[list[_Cells]] = []
    previous = i - 1
    for k, cells in members:
        starts_row = (k != previous + 1) if spaced else len(cells.starts) >= _MIN_COLUMNS
        if starts_row or not rows:
            rows.append([])
        rows[-1].append(cells)
        previous = k
    return end, [_row(row, columns) for row in rows]


def _packed(members: list[tuple[int, _Cells]]) -> bool:
    """Rows printed one under another with no blank between: a blank line then ends the table."""
    many = [k for k, cells in members if len(cells.starts) >= _MIN_COLUMNS]
    return any(b == a + 1 for a, b in pairwise(many)) and all(b == a + 1 for (a, _), (b, _) in pairwise(members))


def _last_printed(lines: Sequence[Line | None], j: int) -> Line | None:
    """The line printed just before line ``j``, a header's underline passed over (None after a blank line)."""
    k = j - 1
    while k >= 0 and lines[k] is not None and _UNDERLINE.match(lines[k].text):  # type: ignore[union-attr]
        k -= 1
    return lines[k] if k >= 0 else None


def _wrapped_piece(cells: _Cells, columns: Sequence[int], before: Line | None) -> bool:
    """One cell, printed straight after a line of the table, that ends before the next column starts."""
    if before is None:
        return False
    k = _column(cells.starts[0], columns)
    assert k is not None
    return k + 1 >= len(columns) or cells.starts[0] + len(cells.texts[0]) < columns[k + 1]


def _row(pieces: list[_Cells], columns: Sequence[int]) -> Line:
    words: list[list[str]] = [[] for _ in columns]
    for piece in pieces:
        for start, text in zip(piece.starts, piece.texts, strict=True):
            k = _column(start, columns)
            assert k is not None
            words[k].append(text.strip())
    text = "| " + " | ".join(" ".join(w) for w in words) + " |"
    return replace(pieces[0].line, text=text, marked=text, bullet=True)
