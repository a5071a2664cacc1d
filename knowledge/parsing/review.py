"""A document under review: reviewers' comments and tracked deletions are printed in it, but are not its words.

Word pastes a reviewed copy as plain text with its markup spelled out: a deletion as "[Deleted: £50]" where the
words stood, a comment as "[Comment [MT2]: Two hours agreed ...]" where it was anchored, and the comments listed
again at the end under "Comments" ("[JB1] Cllr J. Barker, 06/02/2023: ..."). Quoted as protocol, "more than
£25[Deleted: £50]" would mislead: the deleted words are gone from the protocol and a comment is someone's
question about it. So both leave the line, and the comments list is set aside with the page furniture.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from knowledge.parsing.lines import Line

_MARK = re.compile(r"\s*\[(?:(?:Deleted|Formatted):[^\]\n]*|Comment \[[A-Za-z]{1,4}\d{1,3}\]:[^\]\n]*)\]")
"""'[Deleted: £50]', '[Formatted: Font: Bold]', '[Comment [MT2]: Two hours ...]' and the space before it."""
_COMMENTS_HEADING = re.compile(r"^(reviewers?'? )?comments:?$", re.IGNORECASE)
_COMMENT_ENTRY = re.compile(r"^\[[A-Za-z]{1,4}\d{1,3}\]\s+\S")
"""'[JB1] Cllr J. Barker, 06/02/2023: Should this say ...': a comment's reference, a reviewer's initials and number."""


def without_review_marks(line: Line) -> Line | None:
    """The line as the revised protocol reads: deleted words and comments gone, the words around them kept.

    The space before a mark goes with it unless a word follows straight on ('with [Deleted: the Mayor]the Chair'
    keeps 'with the Chair'); a line that was nothing but a deletion is gone.
    """
    text = _strip(line.text)
    if text == line.text:
        return line
    if not text.strip():
        return None
    lead = _MARK.match(line.text)
    return replace(line, text=text.strip(), marked=_strip(line.marked).strip(),
                   offset=line.offset + (lead.end() if lead else 0))


def _strip(text: str) -> str:
    def replaced(match: re.Match[str]) -> str:
        following = text[match.end() : match.end() + 1]
        keeps_space = following.isalnum() or following in "“\"‘'("
        spaces = match.group(0)[: len(match.group(0)) - len(match.group(0).lstrip())]
        return spaces if keeps_space else ""

    return _MARK.sub(replaced, text)


def strip_review_marks(lines: Sequence[Line | None]) -> list[Line | None]:
    return [None if line is None else without_review_marks(line) for line in lines]


def review_comments(lines: Sequence[Line | None]) -> list[int]:
    """A 'Comments' line and the reviewers' comments listed under it ('[JB1] ...'), blank lines between allowed."""
    out: list[int] = []
    for i, line in enumerate(lines):
        if line is None or not _COMMENTS_HEADING.match(line.text.strip()):
            continue
        entries: list[int] = []
        for j in range(i + 1, len(lines)):
            nxt = lines[j]
            if nxt is None:
                continue
            if not _COMMENT_ENTRY.match(nxt.text):
                break
            entries.append(j)
        if entries:
            out.extend([i, *entries])
    return out
