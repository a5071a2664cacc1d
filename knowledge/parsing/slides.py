"""Slide decks exported as text: each slide opens with 'Slide 4 of 22' and its title on the next line.

A council that adopts its induction deck as the protocol prints no section headings: the slide titles are
its headings, and a reader finds a rule by the slide it is on. So the title after each slide marker is read
as a heading (the marker itself is page furniture, like 'Page 4 of 22'), and the slide's bullets and
speaker notes are cited under it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from knowledge.parsing.lines import Line

SLIDE_MARKER = r"^slide\s+\d{1,3}\s*(?:of|/)\s*\d{1,3}$"
"""'Slide 4 of 22', 'Slide 4/22': where a presentation's page turns."""
_MARKER = re.compile(SLIDE_MARKER, re.IGNORECASE)
_MIN_SLIDES = 2
"""One 'Slide 1 of 1' line could be a sentence's fragment; two or more are a deck."""


def mark_slide_titles(lines: list[Line | None]) -> list[Line | None]:
    """The first line after each slide marker becomes a heading (as if marked '#'), unless it is a bullet."""
    markers = [i for i, line in enumerate(lines) if line is not None and _MARKER.match(line.text.strip())]
    if len(markers) < _MIN_SLIDES:
        return lines
    out = list(lines)
    for i in markers:
        j = next((k for k in range(i + 1, len(out)) if out[k] is not None), None)
        title = out[j] if j is not None else None
        if title is None or title.bullet or title.md_level or _MARKER.match(title.text.strip()):
            continue
        out[j] = replace(title, md_level=1)  # type: ignore[index]
    return out
