"""python-telegram-bot handlers over ``Dialogue.handle``: translate, ask the dialogue, deliver. Nothing else.

A pressed button is always answered (``answerCallbackQuery``, or the client shows a spinner for a
minute) and its keyboard removed, so a choice cannot be made twice; a slow one (Publish) at once, with a word
in the chat that the work has begun. A short reply only the presser may
see (a feedback "thank you") becomes the callback answer itself, Telegram's nearest thing to ephemeral.
A document in a private chat is read only from someone who may publish (``bot.publish.uploads.may_upload``, asked
before any ``getFile``): captioned ``/publish``, or with no command at all (kept for a ``/publish`` that follows):
downloaded, checked for size and UTF-8, and handed to the dialogue as the message's attachment. Anyone else's
``/publish`` reaches the dialogue without the file (and is refused there, politely and audited); any other
document gets a polite note.
Errors reach the application's error handler, which logs the error's type and where it happened (never
what anyone wrote) and tells the person politely.
"""

from __future__ import annotations

import asyncio
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
from bot.messages import Incoming, Reply, Text, Visibility, say
from bot.publish import uploads

log = logging.getLogger(__name__)

MENU = ("start", "help", "ask", "report", "grievance", "council", "cancel", "whoami", "link", "case", "cases")
"""The commands offered in Telegram's menu (``setMyCommands``), in this order."""
MENU_FALLBACK = {"report": "report a concern, in private", "grievance": "raise a grievance, in private"}
"""Descriptions for menu commands the dialogue does not (yet) register itself."""
STALE_BUTTON = "That button no longer works; please ask again."
PRESS_FAILED = "Sorry, something went wrong. Please try again."
TOAST_LIMIT = 200
ANSWER_WITHIN = 2.0
"""Seconds a press waits for its reply to become the callback answer; after that it is answered empty."""
SLOW_ACTIONS = {"publish.confirm": "Publishing... I'll tell you here when it's done."}
"""Presses answered at once, with what is said while the work goes on."""
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
        may_publish = await uploads.may_upload(self.dialogue.services, PLATFORM, str(message.from_user.id))
        if text is not None and not may_publish:  # refused by the dialogue, politely and audited; never fetched
            await self._handle_and_deliver(from_document(message, text, None), delivery)
            return
        if text is None and may_publish:
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
        await self._handle_and_deliver(from_document(message, text, attachment), delivery)

    async def _handle_and_deliver(self, incoming: Incoming | None, delivery: Delivery) -> None:
        if incoming is not None:
            await delivery.deliver(Origin(incoming), await self.dialogue.handle(incoming))

    async def on_press(self, update: Update, context: Context) -> None:
        """Answer the press (the client shows a spinner until then), do what it asks, deliver the result.

        A press whose work is known to be slow (``SLOW_ACTIONS``: publishing rebuilds the index, 13-32 s) is
        answered at once and said in the chat too, since a toast vanishes; any other press is answered when its
        reply is ready, or after ``ANSWER_WITHIN`` seconds, whichever comes first. A reply that comes later is
        always a message (the toast is gone by then)."""
        query = update.callback_query
        if query is None:
            return
        answered = False
        try:
            action = decode(query.data)
            if action is None:
                answered = await _answer(query, STALE_BUTTON)
                await _remove_keyboard(query)
                return
            incoming = from_press(query, action)
            message = query.message
            thread = message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None
            origin, delivery = Origin(incoming, thread=thread), Delivery(context.bot)
            prompt = SLOW_ACTIONS.get(action.name)
            if prompt is not None:
                answered = await _answer(query, prompt)
                await _remove_keyboard(query)
                await delivery.deliver(origin, [say(prompt, visibility=Visibility.EPHEMERAL, kind="press_working")])
            handling = asyncio.ensure_future(self.dialogue.handle(incoming))
            if not answered:
                await asyncio.wait({handling}, timeout=ANSWER_WITHIN)
            if not answered and not handling.done():
                answered = await _answer(query, None)
            replies = await handling
            if not answered:
                toast, replies = _as_toast(replies, incoming.user_id)
                answered = await _answer(query, toast)
        except Exception:
            if not answered:
                await _answer(query, PRESS_FAILED)
            raise
        if prompt is None:
            await _remove_keyboard(query)
        await delivery.deliver(origin, replies)

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


async def _answer(query: CallbackQuery, toast: str | None) -> bool:
    """Answer the press (a press is answered once); ``True`` once that has been tried."""
    try:
        await with_retries(lambda: query.answer(toast), what="answerCallbackQuery")
    except BadRequest as error:  # too old (over 15 minutes) or already answered: nothing left to do
        log.info("callback query not answered: %s", type(error).__name__)
    return True


async def _remove_keyboard(query: CallbackQuery) -> None:
    if query.message is None:
        return
    try:
        await with_retries(lambda: query.edit_message_reply_markup(None), what="editMessageReplyMarkup")
    except BadRequest as error:  # already removed ("message is not modified") or too old to edit
        log.info("keyboard not removed: %s", type(error).__name__)
