"""Where each reply goes, and the pointer a group sees instead of anything private.

Telegram has no ephemeral messages, so a reply only the asker may see (``EPHEMERAL``,
``DIRECT_MESSAGE``) goes to their private chat with the bot, and the group gets a short pointer that
carries no content. A bot may not write first to someone who never started it (403 Forbidden); the pointer
then links into the private chat with a start parameter naming the flow and the group's council
(``https://t.me/<bot>?start=report_wendlebury``, ``translate.deep_link``), so pressing Start resumes it there.

The dialogue's own notes for a group ("I've sent you a private message", "Please use this in a private chat")
are written for platforms that can show a line to one person in a channel. Here they are never sent to the
private chat (where "not here" or "I've sent you" would be nonsense): the first is replaced by this adapter's
pointer, the second goes to the group with a button that opens the private chat.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.helpers import create_deep_linked_url

from adapters.telegram.keyboards import keyboard, link_button
from adapters.telegram.render import render
from adapters.telegram.retry import with_retries
from adapters.telegram.translate import start_payload
from bot.messages import Incoming, Reply, Visibility

log = logging.getLogger(__name__)

POINTER_KINDS = frozenset({"offer_note", "flow_moved_note"})
"""Replies the dialogue writes as the group's "I've sent you a private message": this adapter writes its own
pointer (with a deep link when the private message could not be delivered), so these are never sent."""
GROUP_ONLY_KINDS = frozenset({"case_private_only"})
"""A group-only "please use this in a private chat" note: shown in the group with a button into the private
chat, never sent privately."""
SENT_PRIVATELY = "I've sent you a private message."
START_PRIVATELY = ("This is best continued in private. Please open a private chat with me and press Start: "
                   '<a href="{url}">continue privately</a>.')
OPEN_PRIVATE_CHAT = "Open the private chat"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the message being answered came from: its chat, and the message and forum topic to reply in."""

    incoming: Incoming
    reply_to: int | None = None
    thread: int | None = None

    @property
    def in_group(self) -> bool:
        return self.incoming.chat_kind != "dm"


class Delivery:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, origin: Origin, replies: list[Reply]) -> None:
        """Send every reply where it belongs; a group gets at most one pointer for the private ones."""
        pointer = False
        delivered_privately = True
        payload: str | None = None
        for reply in replies:
            if reply.kind in POINTER_KINDS:
                continue
            if reply.kind in GROUP_ONLY_KINDS:
                if origin.in_group:
                    await self._group_note(origin, reply)
                continue
            if reply.target is not None and reply.target.platform != origin.incoming.platform:
                log.warning("a %s reply addressed to %s was not sent from Telegram", reply.kind, reply.target.platform)
                continue
            private_to = self._private_recipient(origin, reply)
            if private_to is None:
                chat = self._public_chat(origin, reply)
                here = chat == origin.incoming.chat_id
                await self.send(chat, reply, reply_to=origin.reply_to if here else None,
                                thread=origin.thread if here else None)
                continue
            to_sender = private_to == origin.incoming.user_id
            if origin.in_group and to_sender:
                pointer = True
                payload = payload or start_payload(reply)
            try:
                await self.send(private_to, reply)
            except (Forbidden, BadRequest) as error:  # never started the bot, or blocked it
                log.info("private reply not delivered: %s", type(error).__name__)
                delivered_privately = delivered_privately and not to_sender
        if pointer:
            await self._pointer(origin, delivered=delivered_privately, payload=payload)

    async def send(self, chat_id: str | int, reply: Reply, *, reply_to: int | None = None,
                   thread: int | None = None) -> None:
        """One reply as one or more HTML messages; the buttons go under the last one."""
        parts = render(reply)
        markup = keyboard(reply.buttons)
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            await self._send_html(chat_id, part, reply_to=reply_to if index == 0 else None, thread=thread,
                                  markup=markup if last else None)

    async def _send_html(self, chat_id: str | int, text: str, *, reply_to: int | None, thread: int | None,
                         markup: InlineKeyboardMarkup | None = None) -> None:
        reply_parameters = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        await with_retries(lambda: self.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
            reply_parameters=reply_parameters, message_thread_id=thread,
            link_preview_options=LinkPreviewOptions(is_disabled=True)), what="sendMessage")

    async def _group_note(self, origin: Origin, reply: Reply) -> None:
        markup = link_button(OPEN_PRIVATE_CHAT, create_deep_linked_url(self.bot.username))
        for part in render(reply):
            await self._send_html(origin.incoming.chat_id, part, reply_to=origin.reply_to, thread=origin.thread,
                                  markup=markup)

    async def _pointer(self, origin: Origin, *, delivered: bool, payload: str | None) -> None:
        username = self.bot.username
        if delivered:
            text = SENT_PRIVATELY
            markup = link_button(OPEN_PRIVATE_CHAT, create_deep_linked_url(username))
        else:
            url = create_deep_linked_url(username, payload) if payload else create_deep_linked_url(username)
            text = START_PRIVATELY.format(url=html.escape(url))
            markup = link_button("Continue privately", url)
        await self._send_html(origin.incoming.chat_id, text, reply_to=origin.reply_to, thread=origin.thread,
                              markup=markup)

    @staticmethod
    def _private_recipient(origin: Origin, reply: Reply) -> str | None:
        """The user whose private chat gets this reply, or ``None`` for a reply in the chat it came from."""
        target_user = reply.target.user_id if reply.target else None
        if reply.visibility is Visibility.DIRECT_MESSAGE:
            recipient = target_user or origin.incoming.user_id
        elif reply.visibility is Visibility.EPHEMERAL and origin.in_group:
            recipient = origin.incoming.user_id
        else:
            return None
        if not origin.in_group and recipient == origin.incoming.user_id:
            return None  # already in that private chat: reply in place
        return recipient

    @staticmethod
    def _public_chat(origin: Origin, reply: Reply) -> str:
        return reply.target.chat_id if reply.target and reply.target.chat_id else origin.incoming.chat_id
