"""Someone who wants to report a concern or raise a grievance is offered that flow, privately.

A keyword pattern is enough here: a false positive costs one polite offer the person can ignore, and a
question phrased as a question ("how do I raise a grievance?") is also answered from the protocol.
"""

from __future__ import annotations

import re

from bot.context import Turn
from bot.messages import Action, Button, Reply, Visibility, say

START = "flow.start"
DISMISS = "offer.dismiss"
FLOWS = (("concern", "Report a concern"), ("grievance", "Raise a grievance"))

_WANT = re.compile(
    r"\b(?:report|raise|make|lodge|file|submit|bring|put in)\b[^.?!]{0,40}?\b(?:concerns?|complaints?|grievances?)\b"
    r"|\bcomplain(?:ing)? about\b|\bwhistle-?blow\w*|\bi(?:'m| am) being (?:bullied|harassed|intimidated)\b",
    re.IGNORECASE)
_QUESTION = re.compile(r"\?\s*$|^\s*(?:how|who|what|when|where|which|why|can|could|may|should|is|are|do|does)\b",
                       re.IGNORECASE)


def wants_to_report(text: str) -> bool:
    return bool(_WANT.search(text))


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))


def offer(turn: Turn) -> list[Reply]:
    """The offer goes to the person's DM; a group only learns that a private message was sent."""
    # The press arrives in the DM, which may have no council of its own: the button carries the group's.
    buttons = tuple(Button(title, Action(START, f"{name}:{turn.council or ''}")) for name, title in FLOWS)
    buttons += (Button("No thanks", Action(DISMISS)),)
    text = ("It sounds as if you may want to report a concern or raise a grievance. I can take you through "
            "that step by step, in private: only you and the right person will see what you write.")
    replies = [turn.privately(text, buttons=buttons, kind="offer")]
    if not turn.in_private:
        replies.append(say("I've sent you a private message.", visibility=Visibility.EPHEMERAL, kind="offer_note"))
    return replies
