"""Slack mrkdwn in and out.

Out: everything we render is escaped (``&``, ``<``, ``>``), so ``<!channel>``, ``<!here>``, ``<@U123>`` or a
link a person typed comes back as inert text and never pings anyone. Our own replies use no Slack markup
except what ``blocks.py`` adds after escaping. A person's words shown back (``Typed``: report text) go out as
``plain_text``, which Slack neither formats nor links; where they must be mrkdwn (the notification fallback)
``neutralise`` replaces the formatting characters too.

In: Slack sends message text with those three characters escaped and mentions or links in angle brackets.
The dialogue wants what the person typed, so entities are undone; mentions stay as Slack wrote them
(``/role add <@U123|bob> councillor`` is read by the roster command), and links keep their label.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"<((?:https?|mailto):[^>|]*)(?:\|([^>]*))?>")


def escape(text: str) -> str:
    """Make any string safe to place in mrkdwn: nothing in it can mention, link or break the markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_FORMATTING = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
"""Slack has no escape for its formatting characters: ``*bold*``, ``_italic_``, ``~struck~`` and ```code``` are
replaced by look-alikes (asterisk operator, modifier low macron, tilde operator, modifier grave) that format
nothing."""


def neutralise(text: str) -> str:
    """``escape`` and no formatting either: for a person's words where only mrkdwn can carry them."""
    return escape(text).translate(_FORMATTING)


def from_slack(text: str, *, bot_user_id: str | None = None) -> str:
    """A message as the person typed it: the bot's own mention removed, links as their label, entities undone."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.strip()
