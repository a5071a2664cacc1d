"""Source lines, cleaned of markup but never of words, each remembering where it started.

Markdown emphasis, heading hashes and bullet glyphs are presentation: they are removed here so that
the rest of the parser sees only words, and flags (``md_level``, ``bullet``, ``bold_label``,
``page_start``) keep what the markup meant. How a file was saved also changes what a blank line means
(a blank after every line, or none between paragraphs); ``close_double_spacing`` and
``open_paragraph_lines`` give blank lines back their usual meaning, a paragraph's end; in hard-wrapped
text without blank lines a paragraph's end is found as a reader finds it, by a line ended short of the
margin (measured on the document's own wraps) or by the next line's indent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

LABELLED_NUMBER = re.compile(r"^(?:paragraph|paragraff|para\.?|clause|cymal)\s+(\d{1,3}(?:\.\d{1,3})*)\.?$",
                             re.IGNORECASE)
"""'Paragraph 3' on a line of its own (Welsh councils' 'Paragraff 3'): the clause number, printed with a word."""
_HEADING_HASHES = re.compile(r"^(#{1,6})\s*")
_BULLET_GLYPHS = "-–*•·▪◦●■□‣⁃➢►\uf0b7\uf0a7\uf0d8\uf076\uf0fc"
"""Bullets as typed and as PDF extraction leaves them (``\uf0b7`` and friends are Symbol/Wingdings glyphs; Word
turns a typed "- " into "– ")."""
_BULLET = re.compile(rf"^(?:[{re.escape(_BULLET_GLYPHS)}]\s+|[{re.escape(_BULLET_GLYPHS)}]$)")
_DASHED_PAGE_NUMBER = re.compile(r"^-\s*\d{1,4}\s*-$")
"""'- 2 -': a page number between dashes, not a bullet."""
_UNDERLINE = re.compile(r"=={2,}|-{3,}")
_UNDERLINED_MAX_WORDS = 12
_LETTER_O_BULLET = re.compile(r"^o(?:\s+(?=[a-z“\"‘'])|\s{2,})")
"""'o  giving advice ...': a lower-case o stands in for a hollow bullet (Word's second-level list, OCR)."""
_FORM_FEED = "\f"
LINE_BOUNDARIES = "\r\n\f\v\x1c\x1d\x1e\x85\u2028\u2029"
"""What ``str.splitlines`` splits on: a form feed (a PDF page break) ends a line too."""
_ITEM_MARKER = re.compile(r"^(\([a-z]{1,4}\)|[a-z]{1,4}[.)])\s")
_DOUBLE_SPACED_MIN_LINES = 10
_DOUBLE_SPACED_TOUCHING = 0.05
_UNSPACED_BLANKS = 0.2
_LAST_LINE = 0.85
_MIN_WRAPS = 5
"""Fewer mid-sentence wraps than this measure nothing: the usual width decides what a short line is."""
_WRAP_OUTLIER = 0.85
"""Wraps shorter than this share of the median one were not the margin's doing (a page turn, an early break)."""
_INDENT_STEP = 2
"""A first line indented this much more than the line before starts a paragraph."""
SENTENCE_END = re.compile(r"[.?!][”’\"')]*$")
UNWRAPPED_WIDTH = 130
"""No page is this many characters wide: full lines this long were never hard-wrapped."""
SHORT_LINE = 0.6
"""A line under this share of the document's usual width was not wrapped: it ended by itself."""
_BOLD_ONLY = re.compile(r"^\*\*(.+?)\*\*:?$")
_BOLD_LABEL = re.compile(r"^\*\*([^*]+?)\*\*\s*\S")
MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))*\)")
"""'[constitution](https://...)': a web page saved as markdown; the reader sees the link's words."""
LINK_MARKER = re.compile(r"(?<![^\s(“\"'‘|>])\[\d{1,4}\](?=[\w“\"'‘(#])")
"""'the [23]Code of Conduct': a text browser's (lynx, w3m) number for a link, before its words. A footnote
marker follows its word ('Conduct[1]') or a space ('[1] See ...'), so it never matches."""
_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<![\w_])_(?=[^\s_])|(?<=[^\s_])_(?![\w_])")
"""Markdown emphasis: ``**bold**``, ``__bold__``, ``*italic*`` and ``_italic_`` (an underscore inside a word, as in
an address or a file name, is left alone)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One non-empty source line after markup removal."""

    text: str
    offset: int
    """Offset of the first printed character in the source."""
    index: int
    """Line number (0-based) in the source."""
    md_level: int = 0
    bullet: bool = False
    bold_only: bool = False
    bold_label: str | None = None
    """``**The policy making role:** deciding ...`` keeps ``The policy making role:`` here."""
    indent: int = 0
    marked: str = ""
    """The text before emphasis was removed, for run-in titles (``5.1. **Procedure for officers** From``)."""
    page_start: bool = False
    """The first line after a form feed: PDF text extraction marks each new page so."""


_UNDERSCORE_RULE = re.compile(r"_{3,}")


def strip_emphasis(text: str) -> str:
    return _EMPHASIS.sub("", MARKDOWN_LINK.sub(r"\1", text)).strip()


def unlink(line: Line) -> Line:
    """The line as a reader of the web page saw it: link numbers gone, the linked words kept.

    A line that began with a marker now begins at its first word, so the offset moves with it.
    """
    text = LINK_MARKER.sub("", line.text)
    if text == line.text:
        return line
    lead = LINK_MARKER.match(line.text)
    return replace(line, text=text, marked=LINK_MARKER.sub("", line.marked),
                   offset=line.offset + (lead.end() if lead else 0))


def split_lines(source: str) -> list[Line | None]:
    """Every source line in order: a ``Line``, or ``None`` for a blank one."""
    out: list[Line | None] = []
    offset = 0
    after_form_feed = False
    for index, raw in enumerate(source.splitlines(keepends=True)):
        body = raw.rstrip(LINE_BOUNDARIES)
        line = _clean(body, offset, index, page_start=after_form_feed)
        out.append(line)
        if line is not None:
            after_form_feed = False
        if _FORM_FEED in raw:
            after_form_feed = True
        offset += len(raw)
    return out


def _clean(body: str, offset: int, index: int, *, page_start: bool = False) -> Line | None:
    stripped = body.strip()
    if not stripped:
        return None
    start = offset + body.index(stripped[0])
    indent = len(body) - len(body.lstrip())
    text = stripped
    md_level = 0
    heading = _HEADING_HASHES.match(text)
    if heading:
        md_level = len(heading.group(1))
        text = text[heading.end() :]
    bullet = False
    while not _DASHED_PAGE_NUMBER.match(text):
        match = _BULLET.match(text) or _LETTER_O_BULLET.match(text)
        if not match:
            break
        bullet = True
        text = text[match.end() :].lstrip()
    bold_only = bool(_BOLD_ONLY.match(text))
    label_match = None if bold_only else _BOLD_LABEL.match(text)
    bold_label = strip_emphasis(label_match.group(1)) if label_match else None
    marked = text
    text = strip_emphasis(text)
    if _UNDERSCORE_RULE.fullmatch(marked):
        text = marked  # a rule drawn with underscores (above footnotes) is no emphasis: the furniture rules read it
    if not text:
        return None
    return Line(
        text=text,
        offset=start,
        index=index,
        md_level=md_level,
        bullet=bullet,
        bold_only=bold_only,
        bold_label=bold_label,
        indent=indent,
        marked=marked,
        page_start=page_start,
    )


def mark_underlined_headings(lines: list[Line | None]) -> list[Line | None]:
    """Setext headings: a short line with '=====' or '-----' right under it is a heading (level 1 or 2).

    The underline is markup, like a heading's hashes, and goes; a rule with a blank line above it (a page
    break) is left for the furniture rules.
    """
    out = list(lines)
    for i in range(1, len(out)):
        rule, line = out[i], out[i - 1]
        if (rule is None or line is None or not _UNDERLINE.fullmatch(rule.text) or line.bullet or line.md_level
                or word_count(line.text) > _UNDERLINED_MAX_WORDS or ends_sentence(line.text.rstrip(":"))):
            continue
        out[i - 1] = replace(line, md_level=1 if rule.text.startswith("=") else 2)
        out[i] = None
    return out


def close_double_spacing(lines: list[Line | None]) -> list[Line | None]:
    """Text extracted with a blank line after every line: single blanks are line ends, wider gaps paragraphs.

    Some PDF viewers and word-processor exports put an empty line between all lines, so a blank line no
    longer marks a paragraph. When almost no two printed lines touch, one blank is taken as a line end.
    """
    present = [i for i, line in enumerate(lines) if line is not None]
    touching = sum(1 for i in present if i + 1 < len(lines) and lines[i + 1] is not None)
    if len(present) < _DOUBLE_SPACED_MIN_LINES or touching > _DOUBLE_SPACED_TOUCHING * len(present):
        return lines
    out: list[Line | None] = []
    for i, line in enumerate(lines):
        single_gap = (line is None and 0 < i < len(lines) - 1
                      and lines[i - 1] is not None and lines[i + 1] is not None)
        if not single_gap:
            out.append(line)
    return _collapse_blank_runs(out)


def open_paragraph_lines(lines: list[Line | None]) -> list[Line | None]:
    """Text with no blank lines between paragraphs: a blank is put back wherever a paragraph ends.

    Word's 'Save as Plain Text' writes one paragraph per line, far longer than any page is wide: there
    every line end is a paragraph end. PDF text is hard-wrapped: there a paragraph ends where a line
    stops short for a reason of its own (``WrapMeasure.ends_paragraph``). The rest of the parser then
    reads it like any other text.
    """
    present = sum(1 for line in lines if line is not None)
    blanks = sum(1 for i in range(1, len(lines)) if lines[i] is None and lines[i - 1] is not None)
    if present < _DOUBLE_SPACED_MIN_LINES or blanks > _UNSPACED_BLANKS * present:
        return lines
    wrap = measure_wrap(lines)
    out: list[Line | None] = []
    for line in lines:
        before = out[-1] if out else None
        if line is not None and before is not None and wrap.ends_paragraph(before, line):
            out.append(None)
        out.append(line)
    return out


@dataclass(frozen=True, slots=True)
class WrapMeasure:
    """How full a hard-wrapped document fills its lines, measured on lines that were certainly wrapped.

    ``room`` is the shortest line-plus-next-word of the document's mid-sentence wraps (the next line starts
    in lower case): the typesetter could not fit that word, so a line with room for its next word did not
    wrap; it was ended. Fonts are proportional, so this is a range, and its low end is what counts; a few
    lines far below the usual (a sentence broken by a page turn, a list item ended early) are left out, and
    so are paragraphs' first lines, which may have been indented.
    Without enough wraps to measure, the usual width stands in for the room, and a line under ``_LAST_LINE``
    of it counts as short whatever word follows.
    """

    width: int
    room: int | None = None
    indent: int = 0
    """The usual indent of a line: a first line indented beyond it starts a paragraph. Where numbers hang in
    the margin ('8.48  This Protocol ...' above lines indented to the text) the text's indent is the usual
    one, so a wrapped line there starts nothing."""

    def ends_paragraph(self, line: Line, nxt: Line) -> bool:
        """A sentence ends at the line end and the next line starts afresh, and the line was ended, not wrapped.

        A reader sees that by the line stopping short where the next word would have fitted, or by the
        next line's first-line indent. A sentence that ends just at the margin, with the next one wrapped
        to the next line, is one paragraph: nothing on the page tells it apart, and parting it would cut
        a clause in two, which is worse than keeping two paragraphs together.
        """
        if self.width >= UNWRAPPED_WIDTH:
            return True
        if not SENTENCE_END.search(line.text) or starts_lowercase(nxt.text):
            return False
        if nxt.indent >= line.indent + _INDENT_STEP and nxt.indent > self.indent:
            return True
        reach = _extent(line) + 1 + len(nxt.text.split()[0])
        if self.room is None:
            return len(line.text) < _LAST_LINE * self.width or reach - line.indent < self.width
        return reach < self.room


def measure_wrap(lines: Sequence[Line | None]) -> WrapMeasure:
    """The document's usual width and, from its mid-sentence wraps, the room a wrapped line had left."""
    width = usual_width(lines)
    indents = Counter(line.indent for line in lines if line is not None)
    indent = max(indents, key=lambda n: (indents[n], -n)) if indents else 0
    wraps = sorted(_extent(line) + 1 + len(nxt.text.split()[0])
                   for before, line, nxt in zip(lines, lines[1:], lines[2:], strict=False)
                   if before is not None and line is not None and nxt is not None
                   and _wrapped(line, nxt) and _carries_on(before, width))
    if len(wraps) < _MIN_WRAPS:
        return WrapMeasure(width, indent=indent)
    usual = wraps[len(wraps) // 2]
    return WrapMeasure(width, room=next(w for w in wraps if w >= _WRAP_OUTLIER * usual), indent=indent)


def _wrapped(line: Line, nxt: Line) -> bool:
    """Certainly one sentence wrapped: the line ends on no punctuation or a hyphen, the next starts in lower case."""
    text = line.text.rstrip()
    return (starts_lowercase(nxt.text) and not nxt.bullet and not ends_sentence(text)
            and not text.endswith(("-", "; and", "; or")))


def _carries_on(before: Line, width: int) -> bool:
    """The line after this one is no paragraph's first: that may be indented, and extraction drops indents."""
    return not ends_sentence(before.text) and len(before.text) > SHORT_LINE * width


def _extent(line: Line) -> int:
    """How far across the page the line reaches, in characters (layout-preserving extraction keeps margins)."""
    return line.indent + len(line.text)


def _collapse_blank_runs(lines: list[Line | None]) -> list[Line | None]:
    """Runs of blanks read as one: in a double-spaced text a paragraph gap is two or three blank lines."""
    out: list[Line | None] = []
    for line in lines:
        if line is None and out and out[-1] is None:
            continue
        out.append(line)
    return out


def usual_width(lines: Sequence[Line | None]) -> int:
    """The width of a full line (upper quartile of line lengths): a hard-wrapped document's margin.

    A line well short of it ended by itself (a heading, a title, a paragraph's last line); a line near it
    was probably wrapped in mid-sentence.
    """
    widths = sorted(len(x.text) for x in lines if x is not None)
    return widths[(len(widths) * 3) // 4] if widths else 0


def word_count(text: str) -> int:
    return len(text.split())


def is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def ends_sentence(text: str) -> bool:
    """Whether a line ends where a sentence or list item may end (so the next line starts afresh)."""
    return text.rstrip().endswith((".", ";", ":", "!", "?", ":-", "’", "'", '"', "”", ")"))


def starts_lowercase(text: str) -> bool:
    """Carries on a sentence: a lower-case word, not a list marker such as '(a)', 'b)' or 'iv.'."""
    if _ITEM_MARKER.match(text):
        return False
    first = text.lstrip("\"'“‘(")[:1]
    return first.isalpha() and first.islower()
