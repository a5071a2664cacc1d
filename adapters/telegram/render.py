"""A ``Reply`` as Telegram HTML: text escaped, quoted clauses as blockquotes with the citation beneath.

Telegram refuses a message over 4,096 characters, so a long reply becomes several messages split between
blocks (a clause is never cut in two unless it alone is too long, and then at a line or word boundary,
each part a well-formed blockquote; a label ending ":" always travels with the start of what it introduces).
Everything a person or a document supplied goes through ``html.escape``: nothing typed can open a tag, break
the formatting or forge a link. A person's words shown back (``Typed``: a report read by its recipient) are a
blockquote with every line marked, so even a notification preview, which drops the HTML, never shows a typed
"From: ..." line as the bot's own label.
"""

from __future__ import annotations

import html

from bot.messages import Block, QuoteBlock, Reply, Text, Typed
from bot.usertext import QUOTE_MARK, quoted

LIMIT = 4096
"""Telegram's limit on one message's text (counted in UTF-16 code units)."""
SEPARATOR = "\n\n"


def escape(text: str) -> str:
    """``<``, ``>`` and ``&`` are all Telegram's HTML needs escaped in text (quotes matter only in attributes)."""
    return html.escape(text, quote=False)


def length(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji is two."""
    return len(text.encode("utf-16-le")) // 2


def render_block(block: Block) -> str:
    if isinstance(block, QuoteBlock):
        return f"<blockquote>{escape(block.text)}</blockquote>\n<i>{escape(block.citation)}</i>"
    if isinstance(block, Typed):
        return f"<blockquote>{escape(quoted(block.text))}</blockquote>"
    return escape(block.text)


def render(reply: Reply, *, limit: int = LIMIT) -> list[str]:
    """The reply as one or more HTML messages, each within ``limit``, split on block boundaries."""
    pieces = _pieces(reply.blocks, limit)
    messages: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}{SEPARATOR}{piece}" if current else piece
        if length(joined) <= limit:
            current = joined
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages


def _pieces(blocks: tuple[Block, ...], limit: int) -> list[str]:
    """Rendered blocks, each within ``limit``; a label ending ":" ("Changed: 3.3. It now reads:") is one piece
    with the start of the block it introduces, so no message ends with a label whose quote is in the next."""
    pieces: list[str] = []
    at = 0
    while at < len(blocks):
        block = blocks[at]
        if _label(block) and at + 1 < len(blocks):
            label = render_block(block)
            room = limit - length(label) - length(SEPARATOR)
            if room > limit // 2:
                parts = _fit(blocks[at + 1], room)
                pieces += [f"{label}{SEPARATOR}{parts[0]}", *parts[1:]]
                at += 2
                continue
        pieces += _fit(block, limit)
        at += 1
    return pieces


def _label(block: Block) -> bool:
    return type(block) is Text and block.text.rstrip().endswith(":")


def _fit(block: Block, limit: int) -> list[str]:
    """One rendered block, or, when it alone exceeds ``limit``, the same block cut into parts that fit."""
    rendered = render_block(block)
    if length(rendered) <= limit:
        return [rendered]
    text = quoted(block.text) if isinstance(block, Typed) else block.text
    overhead = length(rendered) - length(escape(text)) + (len(QUOTE_MARK) if isinstance(block, Typed) else 0)
    budget = max(1, limit - overhead)
    parts = _split_text(text, budget)
    if isinstance(block, Typed):  # a part that starts mid-line is marked too
        return [f"<blockquote>{escape(part if part.startswith(QUOTE_MARK) else QUOTE_MARK + part)}</blockquote>"
                for part in parts]
    if isinstance(block, QuoteBlock):
        rendered_parts = [f"<blockquote>{escape(part)}</blockquote>" for part in parts]
        rendered_parts[-1] += f"\n<i>{escape(block.citation)}</i>"
        return rendered_parts
    return [escape(part) for part in parts]


def _split_text(text: str, budget: int) -> list[str]:
    """Cut raw text (before escaping, so no entity is ever cut) at newlines, else spaces, else anywhere."""
    parts: list[str] = []
    rest = text
    while length(escape(rest)) > budget:
        cut = _cut_point(rest, budget)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _cut_point(text: str, budget: int) -> int:
    """The longest prefix whose escaped form fits, pulled back to the last newline or space in it."""
    low, high = 1, len(text)
    while low < high:  # binary search on the escaped length, which only grows with the prefix
        middle = (low + high + 1) // 2
        if length(escape(text[:middle])) <= budget:
            low = middle
        else:
            high = middle - 1
    for boundary in ("\n", " "):
        at = text.rfind(boundary, 0, low)
        if at > low // 2:
            return at + 1
    return low
