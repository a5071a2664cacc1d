"""Command hints as Slack accepts them: ``/protocol whoami``, never ``/whoami``.

The dialogue names its commands as a person types them in a terminal or on Telegram (``/help``, ``/case CODE``).
Slack treats any message starting with ``/`` as a slash command of its own and refuses one it does not know, so
a hint followed to the letter fails there. Every command runs as ``/protocol NAME`` (``bot.slash``), so the bot's
own words are rewritten on the way out. Quoted protocol text and a person's own words (``QuoteBlock``,
``Typed``) are never touched; ``/publish`` is a Slack command of its own and stays as it is.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection

from bot.messages import Reply, Text

NATIVE = frozenset({"publish", "protocol"})
"""Slash commands the app manifest registers with Slack: typed as they are."""


class Hints:
    """Rewrites ``/name`` to ``/protocol name`` for the dialogue's command names."""

    def __init__(self, names: Collection[str], *, command: str = "/protocol") -> None:
        self.command = command
        wanted = sorted({n for n in names if n and n not in NATIVE}, key=len, reverse=True)
        self._pattern = (re.compile(rf"(?<![\w/<@.:\-])(?<!{re.escape(command)} )/({'|'.join(map(re.escape, wanted))})"
                                    r"(?![\w/\-])") if wanted else None)

    def text(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: f"{self.command} {m.group(1)}", text)

    def reply(self, reply: Reply) -> Reply:
        """The same reply with the bot's own text rewritten (a ``Text`` block exactly, not its subclasses)."""
        blocks = tuple(dataclasses.replace(b, text=self.text(b.text)) if type(b) is Text else b for b in reply.blocks)
        if blocks == reply.blocks:
            return reply
        return dataclasses.replace(reply, blocks=blocks)
