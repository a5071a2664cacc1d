"""Greetings and thanks: "hello" is not a question about the protocol.

A message that is only a greeting ("hi", "good morning", "shwmae") or thanks ("cheers", "diolch") gets a short
reply saying what the bot does, rather than "your council's protocol does not cover this" to someone who has not
asked anything yet.
"""

from __future__ import annotations

import re

from bot.messages import Reply, say

_TAIL = r"[\s!.,:)]*$"
GREETING = re.compile(
    r"^(hi|hello|hey|hiya|howdy|greetings|morning|afternoon|evening|good (morning|afternoon|evening)"
    r"|helo|shwmae|s'mae|bore da|prynhawn da|noswaith dda)([\s!.,]+(there|all|everyone|bot|protocol bot))?" + _TAIL,
    re.IGNORECASE)
THANKS = re.compile(
    r"^(thanks|thank you|thank u|thanx|thx|ta|cheers|many thanks|diolch)"
    r"([\s!.,]+(very much|so much|a lot|yn fawr|again))?" + _TAIL, re.IGNORECASE)
HELLO = ("Hello. Ask me anything about your council's Member/Officer Protocol in your own words (for example \"can I "
         "instruct the deputy clerk?\") and I will quote the clause that answers it. /help lists what else I can do.")
WELCOME = "You're welcome. Ask again any time."


def reply(text: str) -> Reply | None:
    """The reply to a bare greeting or thanks; ``None`` for anything else."""
    text = text.strip()
    if GREETING.match(text):
        return say(HELLO, kind="greeting")
    if THANKS.match(text):
        return say(WELCOME, kind="thanks")
    return None
