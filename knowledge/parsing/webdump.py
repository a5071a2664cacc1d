"""Web pages saved by a text browser (``lynx -dump``, ``w3m -dump``): the page's chrome is no protocol.

A text browser prints everything on the page: the skip link, the cookie banner, the site's navigation and
breadcrumb, the search box, print and download links, the footer, and, after the page, lynx's numbered
"References" list of every link's address. Each link is shown as a number before its words ("[6]Home"),
so in a protocol's own sentence "the [23]Code of Conduct" the number is the browser's, not the council's.

These rules are only applied to a document that is clearly such a dump (several "[n]Word" markers, or a
trailing list of numbered addresses): elsewhere a "[1]" is a footnote marker and stays as printed. Chrome
is recognised by what it is made of, links and form controls with no sentence of their own, rather than by
any one council's menu.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from knowledge.parsing.lines import LINK_MARKER, Line, unlink, word_count

_MIN_MARKERS = 5
"""Fewer '[n]Word' markers than this may be a document's own brackets: a dump of any real page has dozens."""
_REFERENCES = re.compile(r"^references:?$", re.IGNORECASE)
_REFERENCE = re.compile(r"^\d{1,4}\.\s+(?:[a-z][a-z0-9+.-]*:|www\.)\S*$", re.IGNORECASE)
"""'12. https://www.example.gov.uk/cookies/' (also 'javascript:...', 'mailto:...', 'file://...')."""
_LINK_LIST_LABEL = re.compile(r"^(visible|hidden) links:?$", re.IGNORECASE)
_CHROME_BLOCK = re.compile(
    r"^(we use cookies|this (web)?site uses cookies|you are here\s*:|(©|\(c\)|copyright)\s*(19|20)\d\d\b)",
    re.IGNORECASE)
"""A paragraph that is chrome from its first words: a cookie banner, a breadcrumb, a copyright footer."""
_FORM_CONTROL = re.compile(
    r"\[(search|go|submit|accept|accept all|reject|reject all|yes|no|ok|subscribe|sign up|close|menu)\]|_{3,}",
    re.IGNORECASE)
"""Buttons and text fields as a text browser draws them: '[Search]', '[Accept]', '____________'."""
_FORM_LINE_MAX_WORDS = 8
_LINK_BLOCK_MAX_WORDS = 40
_SENTENCE_END = (".", ";", ":", "?", "!")


def is_text_browser_dump(lines: Sequence[Line | None]) -> bool:
    """Several link numbers before words, or lynx's closing list of link addresses."""
    markers = sum(len(LINK_MARKER.findall(line.text)) for line in lines if line is not None)
    return markers >= _MIN_MARKERS or references_start(lines) is not None


def references_start(lines: Sequence[Line | None]) -> int | None:
    """Where lynx's 'References' list begins: a 'References' line followed by nothing but numbered addresses."""
    present = [i for i, line in enumerate(lines) if line is not None]
    for pos in range(len(present) - 1, -1, -1):
        line = lines[present[pos]]
        assert line is not None
        if _REFERENCES.match(line.text.strip()):
            rest = [lines[i] for i in present[pos + 1 :]]
            addresses = [x for x in rest if x is not None and _REFERENCE.match(x.text.strip())]
            labels = [x for x in rest if x is not None and _LINK_LIST_LABEL.match(x.text.strip())]
            return present[pos] if addresses and len(addresses) + len(labels) == len(rest) else None
        if not (_REFERENCE.match(line.text.strip()) or _LINK_LIST_LABEL.match(line.text.strip())):
            return None
    return None


def set_aside_web_chrome(lines: list[Line | None], drop: Callable[[int], None]) -> None:
    """A text browser's dump: its chrome and link list go, and its link numbers leave the protocol's words.

    Chrome is found while the link numbers still show which lines are links; the numbers go after.
    """
    for i in web_chrome(lines):
        drop(i)
    for i, line in enumerate(lines):
        if line is not None:
            lines[i] = unlink(line)


def web_chrome(lines: Sequence[Line | None]) -> list[int]:
    """Indices of the dump's chrome: the references list, chrome paragraphs, link-only paragraphs, form lines."""
    out: list[int] = []
    start = references_start(lines)
    if start is not None:
        out.extend(range(start, len(lines)))
    for block in _blocks(lines[:start]):
        texts = [lines[i].text.strip() for i in block]  # type: ignore[union-attr]
        if _CHROME_BLOCK.match(texts[0]) or _links_only(lines, block):
            out.extend(block)
            continue
        out.extend(i for i, text in zip(block, texts, strict=True) if _form_line(text))
    return out


def _blocks(lines: Sequence[Line | None]) -> Iterator[list[int]]:
    """Paragraphs as the browser printed them: runs of lines without a blank between."""
    block: list[int] = []
    for i, line in enumerate(lines):
        if line is None:
            if block:
                yield block
            block = []
        else:
            block.append(i)
    if block:
        yield block


def _links_only(lines: Sequence[Line | None], block: list[int]) -> bool:
    """A menu, a footer or a 'Print this page' row: it starts with a link and says no sentence of its own.

    A list item that is a link ('* [30]Code of Conduct') is left alone: a protocol may list related documents.
    """
    first = lines[block[0]]
    assert first is not None
    text = " ".join(lines[i].text.strip() for i in block)  # type: ignore[union-attr]
    return (not first.bullet and LINK_MARKER.match(text) is not None and not text.endswith(_SENTENCE_END)
            and word_count(text) <= _LINK_BLOCK_MAX_WORDS)


def _form_line(text: str) -> bool:
    """A search box, cookie buttons or 'Was this page helpful? [Yes] [No]': form controls and a short label."""
    label = _FORM_CONTROL.sub(" ", text)
    return label != text and word_count(label) <= _FORM_LINE_MAX_WORDS and not label.rstrip().endswith(".")
