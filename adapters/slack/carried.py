"""An ephemeral answer carries itself in its rating buttons, so any worker can keep it on screen when it is rated.

Slack sends nothing of an ephemeral message with a press on it, yet rating must replace its buttons with the rating
while the answer stays (``response_url`` with ``replace_original`` replaces the whole message). Keeping the blocks
in one worker's memory lost them on the other workers and at every restart: the rating then left the answer with
its buttons, as if nothing had happened. So the answer's own blocks travel in the Helpful / Not helpful buttons'
values, compressed (a typical answer is 600-900 characters this way; Slack allows 2,000 per value), and come back
with the press. An answer too long for that keeps only the worker's memory, as before.

Only answers are carried: their buttons are the rating's, and their text is the bot's own (quotes of the protocol,
never the question, so never anything a person typed in a report). Whatever comes back is rebuilt from plain
(kind, text) pairs into sections and context blocks, with decompression bounded, so a value that is not ours gives
nothing rather than anything Slack would render differently.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import replace
from typing import Any

from adapters.slack.blocks import MAX_BLOCKS, MAX_VALUE, Block, SlackMessage
from bot import feedback

SEPARATOR = "~"
"""Between the dialogue's value (an answer id and a verdict: no ``~``) and the carried answer (base64url: none)."""
MAX_EXPANDED = 64_000
_KINDS = {"section": "s", "context": "c"}


def _compact(blocks: list[Block]) -> list[list[str]] | None:
    """``[["s", text], ["c", text]]``; ``None`` for blocks that are not an answer's (a person's words in
    ``plain_text``, anything but mrkdwn sections and context lines)."""
    out: list[list[str]] = []
    for block in blocks:
        kind = _KINDS.get(str(block.get("type")))
        text = block.get("text") if kind == "s" else (block.get("elements") or [{}])[0]
        if kind is None or not isinstance(text, dict) or text.get("type") != "mrkdwn" or "block_id" in block:
            return None
        if kind == "c" and len(block.get("elements") or []) != 1:
            return None
        out.append([kind, str(text.get("text", ""))])
    return out


def _rebuilt(items: Any) -> list[Block] | None:
    if not isinstance(items, list) or not items or len(items) > MAX_BLOCKS:
        return None
    blocks: list[Block] = []
    for item in items:
        if not (isinstance(item, list) and len(item) == 2 and item[0] in ("s", "c") and isinstance(item[1], str)):
            return None
        text = {"type": "mrkdwn", "text": item[1]}
        blocks.append({"type": "section", "text": text} if item[0] == "s" else {"type": "context", "elements": [text]})
    return blocks


def _is_rating(element: Block) -> bool:
    return str(element.get("action_id", "")).endswith(f":{feedback.ACTION}")


def carry(message: SlackMessage) -> SlackMessage:
    """``message`` with its rating buttons carrying its other blocks, when they fit; else as it was."""
    shown = [b for b in message.blocks if b.get("type") != "actions"]
    rows = [b for b in message.blocks if b.get("type") == "actions"]
    if not any(_is_rating(e) for row in rows for e in row.get("elements", [])):
        return message
    compact = _compact(shown)
    if not compact:
        return message
    packed = base64.urlsafe_b64encode(zlib.compress(json.dumps(compact, separators=(",", ":")).encode(), 9))
    payload = packed.decode("ascii")

    def loaded(element: Block) -> Block:
        value = f"{element.get('value', '')}{SEPARATOR}{payload}"
        return {**element, "value": value} if _is_rating(element) else element

    if any(len(str(e.get("value", ""))) + 1 + len(payload) > MAX_VALUE for row in rows for e in row["elements"]
           if _is_rating(e)):
        return message
    blocks = [{**b, "elements": [loaded(e) for e in b["elements"]]} if b.get("type") == "actions" else b
              for b in message.blocks]
    return replace(message, blocks=blocks)


def split(name: str, value: str) -> tuple[str, list[Block] | None]:
    """A pressed button's value as the dialogue gave it, and the answer it carried (``None``: none, or not ours)."""
    if name != feedback.ACTION or SEPARATOR not in value:
        return value, None
    original, _, payload = value.partition(SEPARATOR)
    try:
        expanding = zlib.decompressobj()
        raw = expanding.decompress(base64.urlsafe_b64decode(payload.encode("ascii")), MAX_EXPANDED)
        if expanding.unconsumed_tail:
            return original, None
        return original, _rebuilt(json.loads(raw))
    except (binascii.Error, zlib.error, ValueError, UnicodeError):
        return original, None
