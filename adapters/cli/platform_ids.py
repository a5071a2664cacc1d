"""What a platform's ids look like, so a command refuses a pasted ``#general`` or ``@ruth`` before it is written.

The bot matches chats and people by the platform's own ids, never by names people can change: a binding or a
handle written as a name would simply never match, and nobody would learn why. Each refusal says where the real
id is found.
"""

from __future__ import annotations

import re

PLATFORMS = ("slack", "telegram")
"""Platforms a chat can be bound on and an account linked from (the terminal has no chats or accounts to link)."""

_SHAPES: dict[tuple[str, str], tuple[re.Pattern[str], str]] = {
    ("slack", "chat"): (re.compile(r"^[CGD][A-Z0-9]{6,}$"),
                        "a Slack channel id looks like C0456EFGH (the channel's details, at the foot)"),
    ("slack", "workspace"): (re.compile(r"^[TE][A-Z0-9]{6,}$"),
                             "a Slack workspace id looks like T0123ABCD (in the workspace's URL, or under About "
                             "this workspace)"),
    ("slack", "user"): (re.compile(r"^[UW][A-Z0-9]{6,}$"),
                        "a Slack user id looks like U0789IJKL (the person's profile -> ... -> Copy member ID)"),
    ("telegram", "chat"): (re.compile(r"^-?[0-9]{1,20}$"),
                           "a Telegram chat id is a number, like -1001234567890 for a supergroup (the chat.id "
                           "of the bot's updates)"),
    ("telegram", "user"): (re.compile(r"^[0-9]{1,20}$"),
                           "a Telegram user id is a positive number like 123456789 (not the @username, which "
                           "people can change)"),
}


def unknown_platform(platform: str) -> str | None:
    if platform in PLATFORMS:
        return None
    return f"Unknown platform {platform!r}: the platforms are {', '.join(PLATFORMS)}. Nothing was changed."


def misshapen(platform: str, kind: str, value: str) -> str | None:
    """Why ``value`` cannot be ``platform``'s ``kind`` of id (``chat``, ``workspace``, ``user``), or ``None``."""
    shape = _SHAPES.get((platform, kind))
    if shape is None:
        return f"A {platform} {kind} cannot be given here. Nothing was changed."
    pattern, hint = shape
    if pattern.match(value):
        return None
    return f"{value!r} is not a {platform} {kind} id: {hint}. Nothing was changed."
