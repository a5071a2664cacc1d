"""Text printed inside rules: a notice boxed in characters, and a table's rows.

A box drawn with one character down each side ('*  IF THINGS GO WRONG   *') is presentation: its sides are blanked
before lines are read, so its words read as any paragraph does. A table's rows are lines of their own, as list
items are, not one sentence wrapped over several lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from knowledge.parsing.lines import LINE_BOUNDARIES, Line

_FRAMED = re.compile(r"^(\s*)([*#|])(.*?)\2\s*$")
"""'*  IF THINGS GO WRONG      *': a line inside a box drawn with one character down each side."""
_FRAME_MIN_LINES = 3


def unframed(text: str) -> str:
    """The text with every box's sides blanked (``_unframed_lines``): same length, so every offset holds."""
    raws = text.splitlines(keepends=True)
    bodies = [raw.rstrip(LINE_BOUNDARIES) for raw in raws]
    return "".join(body + raw[len(body):] for raw, body in zip(raws, _unframed_lines(bodies), strict=True))


def _unframed_lines(bodies: list[str]) -> list[str]:
    """Boxed text (a notice drawn with ``*``, ``#`` or ``|`` down both sides) with its sides blanked out, so that
    its words read as any paragraph does; the box's top and bottom rules are furniture. Blanked, not cut, so
    every character keeps its offset. A table row has its column rules inside ('| a | b |'): no box."""
    framed = [m if m and m.group(2) not in m.group(3) else None for m in map(_FRAMED.match, bodies)]
    out = list(bodies)
    i = 0
    while i < len(bodies):
        first = framed[i]
        if first is None:
            i += 1
            continue
        run = [(i, first)]  # lines framed by one side character; blank lines between them (double spacing) allowed
        for j in range(i + 1, len(bodies)):
            m = framed[j]
            if m is not None and m.group(2) == first.group(2):
                run.append((j, m))
            elif bodies[j].strip():
                break
        if len(run) >= _FRAME_MIN_LINES and any(m.group(3).strip() for _, m in run):
            for k, m in run:
                left, right = m.start(2), m.end(3)
                out[k] = f"{bodies[k][:left]} {m.group(3)} {bodies[k][right + 1:]}"
        i = run[-1][0] + 1
    return out


_TAB_CELLS = re.compile(r"\S\t+\S")
_PIPE_ROW = re.compile(r"^\|.*\|.*\|$")
_PIPE_RULE = re.compile(r"^\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-{3,}:?\s*\|?$|^\|(?:\s*:?-{3,}:?\s*\|)+$")
"""'|---|:---:|': a markdown table's rule under its header row."""
_GRID_RULE = re.compile(r"^\+[-=+]{3,}\+$")
_TABLE_MIN_ROWS = 2


def merge_grid_rows(lines: Sequence[Line | None]) -> list[Line | None]:
    """A grid table ('+-----+-----+' rules, cells wrapped over several '| ... | ... |' lines) read a row at a
    time: each cell's wrapped pieces joined, the row printed on one line ('| Member enquiry on behalf of a
    constituent | Members' Enquiry Portal | ... |') as a list item, the rules dropped. Otherwise each printed
    line runs into the next and a cell's words are quoted in pieces between its neighbours'."""
    out: list[Line | None] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line is None or not _GRID_RULE.match(line.text):
            out.append(line)
            i += 1
            continue
        j = i
        rows: list[list[Line]] = []
        current: list[Line] = []
        while j < len(lines):
            piece = lines[j]
            if piece is not None and _GRID_RULE.match(piece.text):
                if current:
                    rows.append(current)
                current = []
            elif piece is not None and piece.text.startswith("|") and piece.text.endswith("|"):
                current.append(piece)
            else:
                break
            j += 1
        if current or len(rows) < 1:  # not closed by a rule, or no rows: not a grid table after all
            out.append(line)
            i += 1
            continue
        out.extend(_grid_row(row) for row in rows)
        i = j
    return out


def _grid_row(pieces: list[Line]) -> Line:
    cells: list[list[str]] = []
    for piece in pieces:
        for column, cell in enumerate(piece.text.strip("|").split("|")):
            if column == len(cells):
                cells.append([])
            if cell.strip():
                cells[column].append(" ".join(cell.split()))
    text = "| " + " | ".join(" ".join(words) for words in cells) + " |"
    return replace(pieces[0], text=text, marked=text, bullet=True)


def mark_table_rows(lines: Sequence[Line | None]) -> list[Line | None]:
    """A table's rows (cells between tabs, or between pipes on one line) each stay a line of their own, as list
    items do, instead of being read as one wrapped sentence; a header row is no heading, and a markdown table's
    '|---|' rule is markup. A grid table drawn with '+---+' is read by ``merge_grid_rows`` first.
    Rows are consecutive lines once double spacing is closed (``close_double_spacing``)."""
    out = list(lines)

    def tabbed(line: Line | None) -> bool:
        return line is not None and bool(_TAB_CELLS.search(line.text))

    def piped(line: Line | None) -> bool:
        return line is not None and bool(_PIPE_ROW.match(line.text))

    def grid_rule(k: int) -> bool:
        line = lines[k] if 0 <= k < len(lines) else None
        return line is not None and bool(_GRID_RULE.match(line.text))

    for is_row in (tabbed, piped):
        i = 0
        while i < len(lines):
            j = i
            while j < len(lines) and is_row(lines[j]):
                j += 1
            if j - i >= _TABLE_MIN_ROWS and not any(grid_rule(k) for k in (i - 1, i, j - 1, j)):
                for k in range(i, j):
                    line = lines[k]
                    assert line is not None
                    out[k] = None if _PIPE_RULE.match(line.text) else replace(line, bullet=True)
            i = max(j, i + 1)
    return out
