"""The one platform-neutral vocabulary between adapters and the dialogue.

Adapters translate a platform event into an ``Incoming`` and render each ``Reply``; they never compose
answers themselves. Everything here is a small frozen value with no heavy imports, so an adapter (or a
test) can build one without touching the database or the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from bot.usertext import quoted

ChatKind = Literal["dm", "group", "channel"]


class Visibility(Enum):
    """Where a reply may be seen: a grievance offer must never land in a public channel."""

    IN_THREAD = "in_thread"
    EPHEMERAL = "ephemeral"
    """Only the asker sees it, in the same chat (Slack ephemeral; other platforms fall back to a DM)."""
    DIRECT_MESSAGE = "direct_message"


@dataclass(frozen=True, slots=True)
class Action:
    """A pressed button: ``name`` picks the handler, ``value`` is short (Telegram allows 64 bytes)."""

    name: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A text document sent with a message (the Clerk's ``/publish``); the adapter downloads and decodes it."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Incoming:
    platform: str
    user_id: str
    chat_id: str
    chat_kind: ChatKind = "dm"
    text: str = ""
    action: Action | None = None
    workspace: str | None = None
    """Slack team or similar: a whole workspace can be bound to one council."""
    thread: str | None = None
    message_id: str | None = None
    """The platform's id for this delivery; a redelivery with the same id is dropped."""
    user_name: str | None = None
    from_bot: bool = False
    attachment: Attachment | None = None


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class QuoteBlock:
    """Verbatim protocol text with the citation a reader can check."""

    text: str
    citation: str
    clause_id: str


@dataclass(frozen=True, slots=True)
class Typed:
    """Words a person typed, shown back inside a message of the bot's own (a report read by its recipient, the
    summary before sending). Every platform shows it as a quotation with each line marked, cleaned of control
    characters and with none of the platform's formatting applied, so nothing in it can pass for the bot's
    labels ("From: ...") or ping, link or format anything."""

    text: str


Block = Text | QuoteBlock | Typed


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: Action


@dataclass(frozen=True, slots=True)
class Target:
    """Who a reply goes to when it is not simply "back where the message came from"."""

    platform: str
    chat_id: str | None = None
    user_id: str | None = None
    thread: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    blocks: tuple[Block, ...]
    buttons: tuple[Button, ...] = ()
    visibility: Visibility = Visibility.IN_THREAD
    target: Target | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Facts adapters and tests may read (``kind``: answer, offer, refusal ...); never rendered."""

    @property
    def kind(self) -> str:
        return self.meta.get("kind", "")

    def plain(self) -> str:
        """Plain-text rendering for terminals and tests; platforms render blocks their own way."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, QuoteBlock):
                lines += [f"> {line}" for line in block.text.split("\n")]
                lines += [f"  - {block.citation}", ""]
            elif isinstance(block, Typed):
                lines += [quoted(block.text), ""]
            else:
                lines += [block.text, ""]
        return "\n".join(lines).rstrip()


def say(text: str, *, buttons: tuple[Button, ...] = (), visibility: Visibility = Visibility.IN_THREAD,
        target: Target | None = None, kind: str = "text") -> Reply:
    return Reply((Text(text),), buttons, visibility, target, {"kind": kind})
