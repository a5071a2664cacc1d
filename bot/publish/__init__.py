"""The Clerk publishes a new protocol version (preview, confirm) and broadcasts it: the dialogue registers
everything here with one call each (``register`` for commands, ``register_actions`` for buttons)."""

from __future__ import annotations

from collections.abc import Callable

from bot.broadcasts import chat as broadcasts
from bot.commands import CommandTable
from bot.publish import chat as publishing


def register(table: CommandTable) -> None:
    publishing.register(table)
    broadcasts.register(table)


def register_actions(add: Callable[[str, broadcasts.ActionHandler], None]) -> None:
    publishing.register_actions(add)
    broadcasts.register_actions(add)
