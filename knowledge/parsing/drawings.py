"""Text drawn with box-drawing characters (┌─┬─┐ │ ├─┼─┤ └─┴─┘): a table, a boxed notice, or a diagram.

Word, web pages and text browsers draw tables and flow charts with these characters. The lines are
presentation; the words inside the boxes are what a reader reads. Three shapes:

- a table (one frame with column or row rules inside) is the same thing as a '+---+' grid table, so it is
  redrawn in those characters and read by ``frames.merge_grid_rows`` a row at a time (and a control block
  of 'Version', 'Adopted', 'Review date' rows is set aside by ``records`` as version tables are);
- a single box with nothing ruled inside is a boxed notice: its frame is blanked, as ``frames.unframed``
  blanks a box drawn in '*', so its words read as any paragraph does;
- anything else (boxes side by side, connectors, arrows: a flow chart) is read box by box: each box's
  words as one line of its own, in reading order (top to bottom, then left to right). The connectors and
  the words on them ('Yes', 'No', 'Not resolved') are drawing: quoted on their own they would say nothing,
  and the boxes' words carry the steps. Quoting box characters would help no reader.

Redrawing and blanking keep every character's offset; a box's line keeps the offset of its first word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from knowledge.parsing.lines import LINE_BOUNDARIES, Line

_BOX_CHARS = frozenset(chr(c) for c in range(0x2500, 0x2580))
_ARROWS = frozenset("▼▲◄►▶◀↓↑←→")
_ASCII = str.maketrans({**{c: "+" for c in "┌┐└┘├┤┬┴┼╔╗╚╝╠╣╦╩╬"}, **{c: "-" for c in "─━═"},
                        **{c: "|" for c in "│┃║"}})
_TOP_LEFT, _TOP_RIGHT, _BOTTOM_LEFT, _BOTTOM_RIGHT = "┌", "┐", "└", "┘"
_TOP_EDGE = frozenset("─┬┴┼")
_LEFT_SIDE = frozenset("│├")
_RIGHT_SIDE = frozenset("│┤")
_INNER_RULES = frozenset("┬├┼┤┴")


def _drawn(body: str) -> bool:
    return any(ch in _BOX_CHARS or ch in _ARROWS for ch in body)


def _blocks(bodies: Sequence[str]) -> Iterator[list[int]]:
    """Drawings: runs of lines that each carry a drawing character, as source line indices.

    A file saved with a blank line after every line (``lines.close_double_spacing``) draws its rows a line apart:
    a run whose first two drawn lines have one blank between keeps that step throughout.
    """
    i = 0
    while i < len(bodies):
        if not _drawn(bodies[i]):
            i += 1
            continue
        spaced = i + 2 < len(bodies) and not bodies[i + 1].strip() and _drawn(bodies[i + 2])
        step = 2 if spaced else 1
        block = [i]
        j = i + step
        while j < len(bodies) and _drawn(bodies[j]) and not any(bodies[k].strip() for k in range(block[-1] + 1, j)):
            block.append(j)
            j += step
        yield block
        i = block[-1] + 1


def _single_frame(rows: Sequence[str]) -> bool:
    """The block is one frame: every line starts and ends with its edge, in the same columns, and the top edge
    runs unbroken from the first corner to the last (a row of boxes side by side also starts with '┌' and ends
    with '┐', but its top edge breaks between the boxes)."""
    stripped = [row.rstrip() for row in rows]
    starts = {len(row) - len(row.lstrip()) for row in stripped}
    if not (len(rows) >= 3 and len(starts) == 1 and len({len(row) for row in stripped}) == 1
            and stripped[0].lstrip().startswith(_TOP_LEFT) and stripped[-1].lstrip().startswith(_BOTTOM_LEFT)
            and all(row.lstrip()[0] in "┌├└│" and row[-1] in "┐┤┘│" for row in stripped)):
        return False
    left, right = starts.pop(), len(stripped[0]) - 1
    return _Box(0, left, right, len(rows) - 1) in _boxes(rows)


def redrawn(text: str) -> str:
    """Box-drawn tables in '+---+' grid characters, boxed notices with their frame blanked; same length."""
    raws = text.splitlines(keepends=True)
    bodies = [raw.rstrip(LINE_BOUNDARIES) for raw in raws]
    out = list(bodies)
    for block in _blocks(bodies):
        rows = [bodies[k] for k in block]
        if not _single_frame(rows):
            continue
        table = any(ch in _INNER_RULES for row in rows for ch in row.strip()[1:-1])
        for k, row in zip(block, rows, strict=True):
            if table:
                out[k] = row.translate(_ASCII)
            else:
                out[k] = "".join(" " if ch in _BOX_CHARS else ch for ch in row)
    return "".join(body + raw[len(body):] for raw, body in zip(raws, out, strict=True))


@dataclass(frozen=True, slots=True)
class _Box:
    top: int
    left: int
    right: int
    bottom: int


def _boxes(rows: Sequence[str]) -> list[_Box]:
    """Every closed box in the block: a top-left corner, a top edge to a top-right corner, sides down to the
    bottom corners. Connectors joined to an edge ('┬', '┴') do not break it."""

    def at(r: int, c: int) -> str:
        return rows[r][c] if 0 <= r < len(rows) and 0 <= c < len(rows[r]) else " "

    found: list[_Box] = []
    for r, row in enumerate(rows):
        for left, ch in enumerate(row):
            if ch != _TOP_LEFT:
                continue
            right = left + 1
            while at(r, right) in _TOP_EDGE:
                right += 1
            if at(r, right) != _TOP_RIGHT:
                continue
            bottom = r + 1
            while at(bottom, left) in _LEFT_SIDE and at(bottom, right) in _RIGHT_SIDE:
                bottom += 1
            if at(bottom, left) == _BOTTOM_LEFT and at(bottom, right) == _BOTTOM_RIGHT:
                found.append(_Box(r, left, right, bottom))
    return sorted(found, key=lambda box: (box.top, box.left))


def _words(piece: str) -> str:
    """A box's words on one of its lines; a rule or divider drawn inside the box is no word."""
    return " ".join("".join(" " if ch in _BOX_CHARS else ch for ch in piece).split())


def read_diagrams(lines: Sequence[Line | None], text: str) -> list[Line | None]:
    """A diagram's lines replaced by one line per box (its words), in reading order; the drawing itself goes.

    ``lines`` are ``split_lines(text)``: one entry per source line, so a block's entries are its source lines.
    The result keeps that alignment except where a diagram has more boxes than lines (later steps read the
    list in order, never by source line number).
    A box's line is a list item (``bullet``), as a table's rows are: each keeps a line of its own.
    """
    raws = text.splitlines(keepends=True)
    bodies = [raw.rstrip(LINE_BOUNDARIES) for raw in raws]
    starts = [0]
    for raw in raws:
        starts.append(starts[-1] + len(raw))
    replaced: dict[int, tuple[int, list[Line | None]]] = {}
    for block in _blocks(bodies):
        rows = [bodies[k] for k in block]
        boxes = _boxes(rows)
        if not boxes or _single_frame(rows):
            continue
        read: list[Line] = []
        for box in boxes:
            pieces = [(r, rows[r][box.left + 1 : box.right]) for r in range(box.top + 1, box.bottom)]
            words = " ".join(_words(piece) for _, piece in pieces if _words(piece))
            if not words:
                continue
            r, piece = next((r, piece) for r, piece in pieces if _words(piece))
            column = box.left + 1 + len(piece) - len(piece.lstrip())
            read.append(Line(text=words, offset=starts[block[r]] + column, index=block[r], bullet=True,
                             indent=column, marked=words))
        entries: list[Line | None] = [None] * (block[-1] + 1 - block[0])
        for k, line in zip(block, read, strict=False):
            entries[k - block[0]] = line
        # a row of boxes side by side can hold more boxes than it has lines: every box's words are kept
        replaced[block[0]] = (block[-1] + 1, [*entries, *read[len(block):]])
    out: list[Line | None] = []
    k = 0
    while k < len(lines):
        if k not in replaced:
            out.append(lines[k])
            k += 1
            continue
        k, entries = replaced[k]
        out.extend(entries)
    return out


CAPTION = re.compile(r"^(figure|fig\.|diagram|chart|flow ?chart)\s+\d{1,3}[a-z]?\s*[:.–—-]\s+[^.;]{1,120}$",
                     re.IGNORECASE)
"""'Figure 1: Handling a councillor's concern': a drawing's caption names it and says nothing of its own."""
