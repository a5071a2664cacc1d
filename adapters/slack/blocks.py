"""A ``Reply`` as Block Kit: short answer and text as sections, quoted clauses as quotes with their citation
in a context block, buttons as an actions block; split so no message breaks Slack's limits.

Limits (Slack): a section's text holds 3,000 characters, a message 50 blocks, an actions block 25 elements,
a button label 75 characters and its value 2,000. Everything the reply says is escaped first (``mrkdwn``). A
person's words (``Typed``, report text) are ``plain_text`` sections, every line behind ``| ``: Slack formats,
links and mentions nothing in them, and no line of theirs can pass for one of the bot's labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.slack.mrkdwn import escape, neutralise
from bot.messages import Action, QuoteBlock, Reply, Typed
from bot.usertext import QUOTE_MARK, clean

Block = dict[str, Any]

MAX_TEXT = 3000
MAX_BLOCKS = 50
MAX_BUTTONS = 25
MAX_LABEL = 75
MAX_VALUE = 2000
MAX_FALLBACK = 3000
ACTION_PREFIX = "pb"
BUTTONS_BLOCK = "pb-buttons"
OWNER_MARK = "~"


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One Web API message: ``text`` is the notification and screen-reader fallback, ``blocks`` what is shown."""

    text: str
    blocks: list[Block]


def render(reply: Reply, *, owner: str | None = None) -> list[SlackMessage]:
    """One reply as one message, or several when it is too long for one. ``owner``: the Slack user the reply is
    for, carried in its button rows' block ids (``owner_of``), so a press can be told apart from a bystander's."""
    blocks: list[Block] = []
    for block in reply.blocks:
        if isinstance(block, QuoteBlock):
            blocks += [_section(part) for part in _pack(block.text, quote=True)]
            blocks.append(_context(escape(block.citation)[:MAX_TEXT]))
        elif isinstance(block, Typed):
            blocks += [_plain_section(part) for part in _pack(clean(block.text), marker=QUOTE_MARK, escaper=_as_is)]
        else:
            blocks += [_section(part) for part in _pack(block.text)]
    for start in range(0, len(reply.buttons), MAX_BUTTONS):
        chunk = reply.buttons[start:start + MAX_BUTTONS]
        elements = [_button(start + i, b.label, b.action) for i, b in enumerate(chunk)]
        block_id = f"{BUTTONS_BLOCK}-{start // MAX_BUTTONS}" + (f"{OWNER_MARK}{owner}" if owner else "")
        blocks.append({"type": "actions", "block_id": block_id, "elements": elements})
    if not blocks:
        return []
    fallback = _fallback(reply) or "Protocol Bot"
    return [SlackMessage(fallback if i == 0 else "(continued)", blocks[i:i + MAX_BLOCKS])
            for i in range(0, len(blocks), MAX_BLOCKS)]


def _fallback(reply: Reply) -> str:
    """The notification text: mrkdwn, so a person's words in it are neutralised (``mrkdwn.neutralise``)."""
    if not any(isinstance(b, Typed) for b in reply.blocks):
        return escape(reply.plain()[:MAX_FALLBACK])
    parts = [(neutralise if isinstance(b, Typed) else escape)(Reply((b,)).plain()) for b in reply.blocks]
    return re.sub(r"&[a-z]*$", "", "\n\n".join(p for p in parts if p)[:MAX_FALLBACK])


def _as_is(text: str) -> str:
    return text


def owner_of(block_id: str | None) -> str | None:
    """The Slack user a button row was rendered for (``render(owner=...)``); ``None`` when it names nobody."""
    text = str(block_id or "")
    if not text.startswith(BUTTONS_BLOCK) or OWNER_MARK not in text:
        return None
    return text.rpartition(OWNER_MARK)[2] or None


def action_of(action_id: str, value: str | None) -> Action | None:
    """The dialogue's action behind a button we rendered; ``None`` for anything else."""
    prefix, _, rest = action_id.partition(":")
    _index, _, name = rest.partition(":")
    if prefix != ACTION_PREFIX or not name:
        return None
    return Action(name, value or "")


def choice_made(blocks: list[Block], block_id: str | None, label: str) -> list[Block]:
    """The clicked message with its buttons replaced by the choice, so it cannot be clicked twice."""
    note = _context(f"\u2713 {escape(label)}")
    out: list[Block] = []
    replaced = False
    for block in blocks:
        if block.get("type") == "actions" and str(block.get("block_id", "")).startswith(BUTTONS_BLOCK):
            if not replaced and (block_id is None or block.get("block_id") == block_id):
                out.append({**note, "block_id": f"{block['block_id']}-chosen"})  # Slack: a new id per edit
                replaced = True
            continue  # other button rows of the same message go too: one choice per message
        out.append(block)
    return out if replaced else [*out, note]


def _button(index: int, label: str, action: Action) -> Block:
    if len(action.value) > MAX_VALUE:
        raise ValueError(f"button value for {action.name!r} is longer than Slack's {MAX_VALUE} characters")
    return {"type": "button", "text": {"type": "plain_text", "text": label[:MAX_LABEL] or "?", "emoji": True},
            "action_id": f"{ACTION_PREFIX}:{index}:{action.name}", "value": action.value}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _plain_section(text: str) -> Block:
    """Shown exactly as given: Slack applies no formatting, links or mentions to ``plain_text``."""
    return {"type": "section", "text": {"type": "plain_text", "text": text, "emoji": False}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _pack(text: str, *, quote: bool = False, marker: str = "", escaper: Callable[[str], str] = escape) -> list[str]:
    """Escaped (and for quotes ``>``-marked, or behind ``marker``) lines packed into pieces of at most ``MAX_TEXT``
    characters. Every piece of a line too long for one is marked, not just its first."""
    marker = "> " if quote else marker
    lines = [marker + piece for line in text.split("\n") for piece in _fit(line, MAX_TEXT - len(marker), escaper)]
    pieces: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > MAX_TEXT:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current.strip():
        pieces.append(current)
    return pieces


def _fit(line: str, limit: int, escaper: Callable[[str], str] = escape) -> list[str]:
    """One line escaped, broken at spaces (or, for a run with none, anywhere) into pieces within ``limit``."""
    if len(escaper(line)) <= limit:
        return [escaper(line)]
    pieces: list[str] = []
    current = ""
    for token in re.split(r"(?<=\s)", line):
        while len(escaper(token)) > limit:  # escaping at most quintuples a character ("&" -> "&amp;")
            head, token = token[:limit // 5], token[limit // 5:]
            if current:
                pieces.append(escaper(current))
                current = ""
            pieces.append(escaper(head))
        if len(escaper(current + token)) > limit:
            pieces.append(escaper(current))
            current = token
        else:
            current += token
    if current:
        pieces.append(escaper(current))
    return pieces
