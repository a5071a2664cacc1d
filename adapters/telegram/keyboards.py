"""Buttons as inline keyboards: an ``Action`` travels as callback data ``name|value`` (Telegram: <= 64 bytes).

The data is all the bot gets back when a button is pressed, so it must carry the whole action; nothing is
kept in memory between the message and the press (a restart or another worker may take the press).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Action, Button

log = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 64
SEPARATOR = "|"
PER_ROW = 3
SHORT_LABEL = 16
"""Labels longer than this get a row of their own, so Telegram does not truncate them."""


class CallbackTooLong(ValueError):
    """An action does not fit Telegram's 64 bytes of callback data."""


def encode(action: Action) -> str:
    data = f"{action.name}{SEPARATOR}{action.value}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES or SEPARATOR in action.name:
        raise CallbackTooLong(f"button action {action.name!r} does not fit Telegram's callback data")
    return data


def decode(data: str | None) -> Action | None:
    """The pressed action, or ``None`` for data this bot did not write (an old or foreign keyboard)."""
    if not data or SEPARATOR not in data:
        return None
    name, _, value = data.partition(SEPARATOR)
    return Action(name, value) if name else None


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Short labels share rows of three; a button whose action cannot be encoded is left out and logged."""
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    for button in buttons:
        try:
            made = InlineKeyboardButton(button.label, callback_data=encode(button.action))
        except CallbackTooLong:
            log.warning("left out a %s button: its action is over %d bytes", button.action.name, MAX_CALLBACK_BYTES)
            continue
        if len(button.label) > SHORT_LABEL:
            if row:
                rows.append(row)
                row = []
            rows.append([made])
            continue
        row.append(made)
        if len(row) == PER_ROW:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


def link_button(label: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]])
