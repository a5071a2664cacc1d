"""What people type, made safe to keep and to show again.

``clean`` runs on every message before the dialogue sees it (``bot.middleware.clean_text``) and again wherever
stored words are shown (text stored before this existed): control characters go (ANSI escape sequences, NUL,
every other C0 and C1 character, DEL, the bidirectional overrides that reorder what a reader sees), and the
other ways of breaking a line become newlines, so what a terminal or a chat app shows is what was typed.
Newlines and tabs stay.

``quoted`` is how a person's words are shown back inside a message of the bot's own (a report read by its
recipient, the summary before sending): every line marked, so a line "From: Cllr X" typed in a report can
never stand at the start of a line as if it were the bot's own "From:" label.
"""

from __future__ import annotations

import re

QUOTE_MARK = "| "
_ANSI = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]")
"""CSI sequences (colours, cursor movement), OSC sequences (window titles, hyperlinks) and two-byte escapes:
removed whole, so no "[31m" is left behind."""
_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def clean(text: str) -> str:
    """``text`` without control characters; every line break a plain newline."""
    text = _ANSI.sub("", text)
    text = _BREAKS.sub("\n", text)
    return _CONTROL.sub("", text)


def quoted(text: str, *, mark: str = QUOTE_MARK) -> str:
    """Each line of ``text`` (cleaned) behind ``mark``: the person's words as a block, never the bot's labels."""
    return "\n".join(f"{mark}{line}".rstrip() for line in clean(text).split("\n"))
