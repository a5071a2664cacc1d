"""An email a protocol was pasted into: its header, covering note and disclaimer are no words of the protocol.

A clerk often circulates a protocol in the body of an email, and the saved text keeps the wrapper:
'Subject:' / 'From:' / 'Sent:' lines, a covering note from 'Dear all,' to 'Kind regards,' and a name, and
the council's email disclaimer ('This email and any attachments are confidential ...') at the end. The
header block is taken only at the top of the text, the covering note only after it (or as the very first
thing printed), so a protocol that itself mentions emails is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.parsing.lines import Line, is_all_caps, word_count

_HEADER = re.compile(r"^(subject|from|to|cc|bcc|sent|date|importance)\s*:", re.IGNORECASE)
_SALUTATION = re.compile(r"^(dear|hi|hello|good (morning|afternoon))\b[^.]{0,60},?$", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^((kind|best|warm|many)\s+(regards|wishes|thanks)|regards|thanks|thank you|yours\s+(sincerely|faithfully))"
    r"[,.!]?$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^(this|the information in this)\s+(e-?mail|message)\b.{0,80}\b(confidential|intended\s+(solely|only))",
    re.IGNORECASE,
)
_COVERING_NOTE_LINES = 15
_SIGNATURE_LINES = 2
_SIGNATURE_WORDS = 4


def email_wrapper(lines: Sequence[Line | None]) -> list[int]:
    """Indices of the lines that wrap the protocol as an email: header, covering note, disclaimer."""
    present = [i for i, line in enumerate(lines) if line is not None]
    out: list[int] = []
    pos = 0
    while pos < len(present) and _HEADER.match(_text(lines, present[pos])):
        out.append(present[pos])
        pos += 1
    if pos < len(present) and (pos or out == []) and _SALUTATION.match(_text(lines, present[pos])):
        note = _covering_note(lines, present[pos:])
        if note or not out:
            out.extend(note)
    for i in present:
        if _DISCLAIMER.match(_text(lines, i)):
            j = i
            while j < len(lines) and lines[j] is not None:
                out.append(j)
                j += 1
            break
    return sorted(set(out)) if len(out) >= 2 or any(_DISCLAIMER.match(_text(lines, i)) for i in out) else []


def _covering_note(lines: Sequence[Line | None], present: Sequence[int]) -> list[int]:
    """From the salutation to the sign-off and the name under it (up to the next blank line)."""
    for n, i in enumerate(present[:_COVERING_NOTE_LINES]):
        if _SIGN_OFF.match(_text(lines, i)):
            note = list(present[: n + 1])
            for j in present[n + 1 : n + 1 + _SIGNATURE_LINES]:
                if not _signature(_text(lines, j)):
                    break
                note.append(j)
            return note
    return []


def _signature(text: str) -> bool:
    """'Sarah', 'Town Clerk': a name or post under the sign-off, not the protocol's capitals title."""
    return 0 < word_count(text) <= _SIGNATURE_WORDS and not is_all_caps(text) and text[:1].isalpha()


def _text(lines: Sequence[Line | None], i: int) -> str:
    line = lines[i]
    return "" if line is None else line.text.strip()
