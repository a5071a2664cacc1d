"""python-telegram-bot handlers over ``Dialogue.handle``: translate, ask the dialogue, deliver. Nothing else.

A pressed button is always answered (``answerCallbackQuery``, or the client shows a spinner for a
minute) and its keyboard removed, so a choice cannot be made twice. A short reply only the presser may
see (a feedback "thank you") becomes the callback answer itself, Telegram's nearest thing to ephemeral.
A document in a private chat is read only when captioned ``/publish``, or, from someone who may publish, with no
command at all (kept for a ``/publish`` that follows; ``bot.publish.uploads``): downloaded, checked for size and
UTF-8, and handed to the dialogue as the message's attachment; anything else gets a polite note.
Errors reach the application's error handler, which logs the error's type and where it happened (never
what anyone wrote) and tells the person politely.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from telegram import BotCommand, CallbackQuery, Message, ReplyParameters, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from adapters.telegram.delivery import Delivery, Origin
from adapters.telegram.documents import ONLY_PUBLISH, Refused, fetch
from adapters.telegram.keyboards import decode
from adapters.telegram.retry import with_retries
from adapters.telegram.translate import PLATFORM, from_document, from_message, from_press, publish_caption
from bot.dialogue import SORRY, Dialogue
from bot.messages import Reply, Text, Visibility, say
from bot.publish import uploads

log = logging.getLogger(__name__)

MENU = ("start", "help", "ask", "report", "grievance", "council", "cancel", "whoami", "link", "case", "cases")
"""The commands offered in Telegram's menu (``setMyCommands``), in this order."""
MENU_FALLBACK = {"report": "report a concern, in private", "grievance": "raise a grievance, in private"}
"""Descriptions for menu commands the dialogue does not (yet) register itself."""
STALE_BUTTON = "That button no longer works; please ask again."
PRESS_FAILED = "Sorry, something went wrong. Please try again."
TOAST_LIMIT = 200
ALLOWED_UPDATES = ("message", "callback_query")

Context = ContextTypes.DEFAULT_TYPE


class TelegramBridge:
    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue

    def install(self, app: Application) -> None:  # type: ignore[type-arg]
        """Register the handlers: new text messages (never edits), button presses, and the error handler."""
        chats = filters.ChatType.PRIVATE | filters.ChatType.GROUPS
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & chats, self.on_message))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.Document.ALL & filters.ChatType.PRIVATE,
                                       self.on_document))
        app.add_handler(CallbackQueryHandler(self.on_press))
        app.add_error_handler(self.on_error)

    def menu(self) -> list[BotCommand]:
        commands: list[BotCommand] = []
        for name in MENU:
            command = self.dialogue.commands.get(name)
            description = command.help if command is not None else MENU_FALLBACK.get(name, name)
            commands.append(BotCommand(name, description[:256]))
        return commands

    async def announce(self, app: Application) -> None:  # type: ignore[type-arg]
        """Register the command menu with Telegram (once per start; cheap and idempotent)."""
        commands = self.menu()
        await with_retries(lambda: app.bot.set_my_commands(commands), what="setMyCommands")

    async def on_message(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None:
            return
        incoming = from_message(message, bot_username=context.bot.username, bot_id=context.bot.id)
        if incoming is None:
            return
        replies = await self.dialogue.handle(incoming)
        in_group = incoming.chat_kind != "dm"
        thread = message.message_thread_id if message.is_topic_message else None
        origin = Origin(incoming, reply_to=message.message_id if in_group else None, thread=thread)
        await Delivery(context.bot).deliver(origin, replies)

    async def on_document(self, update: Update, context: Context) -> None:
        """A private chat's document: with the caption ``/publish`` it is the Clerk's new version; without, the Clerk's
        is kept for the ``/publish`` that follows; anyone else's is not downloaded, and they get a note."""
        message = update.message
        if message is None or message.document is None or message.from_user is None:
            return
        delivery = Delivery(context.bot)
        origin_chat = message.chat.id
        text = publish_caption(message, bot_username=context.bot.username)
        if text is None and await uploads.may_upload(self.dialogue.services, PLATFORM, str(message.from_user.id)):
            text = ""  # the file alone, whatever its caption says: kept for /publish
        if text is None:
            await delivery.send(origin_chat, say(ONLY_PUBLISH, kind="document_ignored"))
            return
        try:
            attachment = await fetch(context.bot, message.document)
        except Refused as refused:
            log.info("document refused (%s bytes reported)", message.document.file_size)
            await delivery.send(origin_chat, say(refused.reply, kind="document_refused"))
            return
        incoming = from_document(message, text, attachment)
        if incoming is None:
            return
        replies = await self.dialogue.handle(incoming)
        await delivery.deliver(Origin(incoming), replies)

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        toast: str | None = None
        try:
            action = decode(query.data)
            if action is None:
                toast = STALE_BUTTON
                await _remove_keyboard(query)
                return
            incoming = from_press(query, action)
            replies = await self.dialogue.handle(incoming)
            toast, replies = _as_toast(replies, incoming.user_id)
        except Exception:
            toast = PRESS_FAILED
            raise
        finally:
            await _answer(query, toast)
        await _remove_keyboard(query)
        message = query.message
        thread = message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None
        await Delivery(context.bot).deliver(Origin(incoming, thread=thread), replies)

    async def on_error(self, update: object, context: Context) -> None:
        error = context.error
        frames = traceback.extract_tb(error.__traceback__)[-4:] if error is not None else []
        where = " -> ".join(f"{Path(f.filename).name}:{f.lineno}" for f in frames)
        log.error("telegram update failed: %s at %s", type(error).__name__, where)
        if not isinstance(update, Update) or update.callback_query is not None:
            return  # a press is answered by on_press itself
        message = update.message
        if message is None:
            return
        in_group = message.chat.type != "private"
        reply_to = ReplyParameters(message.message_id, allow_sending_without_reply=True) if in_group else None
        thread = message.message_thread_id if message.is_topic_message else None
        try:
            await context.bot.send_message(message.chat.id, SORRY, reply_parameters=reply_to, message_thread_id=thread)
        except TelegramError as failed:
            log.warning("could not send the apology either: %s", type(failed).__name__)


def _as_toast(replies: list[Reply], presser: str) -> tuple[str | None, list[Reply]]:
    """A single short note for the presser alone, with no buttons, is shown as the callback answer instead."""
    if len(replies) == 1:
        reply = replies[0]
        for_presser = reply.target is None or (reply.target.user_id == presser and reply.target.chat_id is None)
        private = reply.visibility in (Visibility.EPHEMERAL, Visibility.DIRECT_MESSAGE) and for_presser
        if private and not reply.buttons and len(reply.blocks) == 1 and isinstance(reply.blocks[0], Text) \
                and len(reply.blocks[0].text) <= TOAST_LIMIT:
            return reply.blocks[0].text, []
    return None, replies


async def _answer(query: CallbackQuery, toast: str | None) -> None:
    try:
        await with_retries(lambda: query.answer(toast), what="answerCallbackQuery")
    except BadRequest as error:  # too old (over 15 minutes) or already answered: nothing left to do
        log.info("callback query not answered: %s", type(error).__name__)


async def _remove_keyboard(query: CallbackQuery) -> None:
    if query.message is None:
        return
    try:
        await with_retries(lambda: query.edit_message_reply_markup(None), what="editMessageReplyMarkup")
    except BadRequest as error:  # already removed ("message is not modified") or too old to edit
        log.info("keyboard not removed: %s", type(error).__name__)
