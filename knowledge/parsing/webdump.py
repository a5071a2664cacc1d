"""Web pages saved by a text browser (``lynx -dump``, ``w3m -dump``): the page's chrome is no protocol.

A text browser prints everything on the page: the skip link, the cookie banner, the site's navigation and
breadcrumb, the search box, print and download links, the footer, and, after the page, lynx's numbered
"References" list of every link's address. Each link is shown as a number before its words ("[6]Home"),
so in a protocol's own sentence "the [23]Code of Conduct" the number is the browser's, not the council's.

These rules are only applied to a document that is clearly such a dump (several "[n]Word" markers, or a
trailing list of numbered addresses): elsewhere a "[1]" is a footnote marker and stays as printed. Chrome
is recognised by what it is made of, links and form controls with no sentence of their own, rather than by
any one council's menu.

lynx prints a page's headings at the left margin and its text indented; an accordion's heading keeps the
page's open or closed mark before it ("- 1. Introduction", "+ 2. Roles"), and a nested list's items are
marked "+" too. The marks are the browser's drawing: an accordion's heading reads as its words, a nested
item as a list item.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from knowledge.parsing.lines import LINK_MARKER, Line, unlink, word_count

_MIN_MARKERS = 5
"""Fewer '[n]Word' markers than this may be a document's own brackets: a dump of any real page has dozens."""
_REFERENCES = re.compile(r"^references:?$", re.IGNORECASE)
_REFERENCE = re.compile(r"^\d{1,4}\.\s+(?:[a-z][a-z0-9+.-]*:|www\.)\S*$", re.IGNORECASE)
"""'12. https://www.example.gov.uk/cookies/' (also 'javascript:...', 'mailto:...', 'file://...')."""
_LINK_LIST_LABEL = re.compile(r"^(visible|hidden) links:?$", re.IGNORECASE)
_CHROME_BLOCK = re.compile(
    r"^(we use ([a-z]+ ){0,2}cookies|this (web)?site uses cookies|cookies on (this|our) (web)?site|you are here\s*:"
    r"|this (web ?)?page (sets out|explains|describes|gives|shows|tells)\b|(©|\(c\)|copyright)\s*(19|20)\d\d\b)",
    re.IGNORECASE)
"""A paragraph that is chrome from its first words: a cookie banner, a breadcrumb, a note about the page
itself, a copyright footer."""
_COPYRIGHT = re.compile(r"^(©|\([cC]\)|[Cc]opyright|COPYRIGHT)\s*([A-Z][\w&'’.-]*\s+){0,8}(19|20)\d\d\b")
"""The site's copyright line ends the page's footer, whatever is printed above it ('Last updated: ...')."""
_CONTACT_LINE = re.compile(r"^(tel|telephone|phone|email|e-mail)\s*:", re.IGNORECASE)
"""'Telephone: 01632 ...', 'Email: clerk@...': a footer's contact block."""
_ACCORDION_MARK = re.compile(r"^\+\s+(?=\S)")
_FORM_CONTROL = re.compile(
    r"\[(search|go|submit|accept|accept all|reject|reject all|yes|no|ok|subscribe|sign up|close|menu)\]|_{3,}",
    re.IGNORECASE)
"""Buttons and text fields as a text browser draws them: '[Search]', '[Accept]', '____________'."""
_FORM_LINE_MAX_WORDS = 8
_HEADING_MAX_WORDS = 12
_CONTACT_LINE_MAX_WORDS = 14
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
            lines[i] = unlink(unmarked(line))


def unmarked(line: Line) -> Line:
    """An accordion's heading at the margin without its '+' or '-' mark; a nested '+' item as a list item.

    The '-' was already taken for a bullet; at the margin, where lynx prints no list, it is the accordion's.
    """
    plus = _ACCORDION_MARK.match(line.text)
    if line.indent == 0 and (plus or line.bullet) and _names_a_section(line.text[plus.end() :] if plus else line.text):
        if plus is None:
            return replace(line, bullet=False)
        return replace(line, text=line.text[plus.end() :], marked=_ACCORDION_MARK.sub("", line.marked),
                       offset=line.offset + plus.end(), bullet=False)
    if line.indent > 0 and plus is not None:
        return replace(line, text=line.text[plus.end() :], marked=_ACCORDION_MARK.sub("", line.marked),
                       offset=line.offset + plus.end(), bullet=True)
    return line


def _names_a_section(text: str) -> bool:
    return word_count(text) <= _HEADING_MAX_WORDS and not text.rstrip().endswith(_SENTENCE_END)


def web_chrome(lines: Sequence[Line | None]) -> list[int]:
    """Indices of the dump's chrome: the references list, chrome paragraphs, link-only paragraphs, form lines, and
    the footer's contact lines.

    Contact lines are chrome only in the footer: a block of them with nothing but chrome after it. Inside the page
    ('Telephone: 01632 960123' under 'Contacting the Clerk') they are the protocol's own words, and the answer to
    "what's the clerk's number?".
    """
    out: list[int] = []
    start = references_start(lines)
    if start is not None:
        out.extend(range(start, len(lines)))
    contacts: list[list[int]] = []
    last_words = -1
    for block in _blocks(lines[:start]):
        texts = [lines[i].text.strip() for i in block]  # type: ignore[union-attr]
        if _CHROME_BLOCK.match(texts[0]) or _links_only(lines, block):
            out.extend(block)
            continue
        if _contact_block(texts):
            contacts.append(block)
            continue
        copyright_at = next((k for k, text in enumerate(texts) if _COPYRIGHT.match(text)), len(texts))
        out.extend(block[copyright_at:])
        forms = [i for i, text in zip(block[:copyright_at], texts, strict=False) if _form_line(text)]
        out.extend(forms)
        if copyright_at == len(texts) and len(forms) < len(texts):  # the page's own words, not its footer
            last_words = block[-1]
    out.extend(i for block in contacts if block[0] > last_words for i in block)
    return sorted(out)


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


def _contact_block(texts: list[str]) -> bool:
    """A footer's address and contact lines: a 'Telephone:' or 'Email:' line among short lines, no sentence."""
    return (any(_CONTACT_LINE.match(text) for text in texts)
            and all(word_count(text) <= _CONTACT_LINE_MAX_WORDS and not text.endswith(".") for text in texts))


def _form_line(text: str) -> bool:
    """A search box, cookie buttons or 'Was this page helpful? [Yes] [No]': form controls and a short label."""
    label = _FORM_CONTROL.sub(" ", text)
    return label != text and word_count(label) <= _FORM_LINE_MAX_WORDS and not label.rstrip().endswith(".")
