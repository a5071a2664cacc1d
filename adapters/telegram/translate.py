"""Telegram messages and button presses -> ``Incoming``; deciding whether a group message is for us.

In a private chat every text is for the bot. In a group the bot stays quiet unless addressed: mentioned
(``@BotName``), replied to, or sent a command (``/ask@BotName ...``, or a bare ``/ask`` which Telegram
delivers to every bot in the group). Deep links resume in the private chat what was begun in a group:
``/start report`` is ``/report``; ``/start report_wendlebury`` (the link a group is given) presses the "Start"
button the group's flow would have offered, carrying the group's council into a private chat that has none.

Ids are stable across redeliveries (``chat:message`` for messages, the callback query's own id for
presses), so the dialogue's duplicate check answers an update delivered twice only once.
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, Message, MessageEntity

from bot.messages import Action, Attachment, ChatKind, Incoming, Reply

PLATFORM = "telegram"
PUBLISH = "/publish"
"""The one command a document may carry as its caption: the Clerk publishing a new protocol version."""
START_PAYLOADS = {"report": "/report", "concern": "/report", "grievance": "/grievance"}
"""Deep-link payloads (``https://t.me/<bot>?start=<payload>``) and the command each resumes."""
PAYLOAD_FLOWS = {"report": "concern", "concern": "concern", "grievance": "grievance"}
"""The flow each payload word begins (``bot/flows``: the concern flow is what ``/report`` starts)."""
FLOW_WORDS = {"concern": "report", "grievance": "grievance"}
"""The payload word a group's link uses for each flow."""
FLOW_BUTTONS = ("flow.begin", "flow.start")
"""Actions of the buttons a flow moved to the private chat (``flow.begin``) or an offer (``flow.start``) carry,
valued ``<flow>:<council>``."""
BEGIN = "flow.begin"
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""What Telegram accepts as a start parameter."""
_LEADING_PUNCTUATION = re.compile(r"^[\s,:;.!-]+")

CHAT_KINDS: dict[str, ChatKind] = {"private": "dm", "group": "group", "supergroup": "group", "channel": "channel"}


def chat_kind(chat_type: str) -> ChatKind:
    return CHAT_KINDS.get(chat_type, "group")


def message_id(message: Message) -> str:
    return f"{message.chat.id}:{message.message_id}"


def from_message(message: Message, *, bot_username: str, bot_id: int) -> Incoming | None:
    """The ``Incoming`` for a text message, or ``None`` when it is not addressed to the bot."""
    user = message.from_user
    if user is None or message.text is None:
        return None
    kind = chat_kind(message.chat.type)
    if kind == "channel":
        return None
    text = message.text
    action: Action | None = None
    if kind == "dm":
        text = _drop_own_suffix(text, bot_username)
        action = _resumed(text)
        text = "" if action is not None else _deep_link(text)
    else:
        addressed = _addressed(message, bot_username=bot_username, bot_id=bot_id)
        if addressed is None:
            return None
        text = addressed
    thread = str(message.message_thread_id) if message.is_topic_message and message.message_thread_id else None
    return Incoming(platform=PLATFORM, user_id=str(user.id), chat_id=str(message.chat.id), chat_kind=kind,
                    text=text, action=action, thread=thread, message_id=message_id(message),
                    user_name=user.username, from_bot=user.is_bot)


def start_payload(reply: Reply) -> str | None:
    """The start parameter that resumes ``reply``'s flow in the private chat: ``report_wendlebury`` for the
    concern flow a Wendlebury group began (``report`` alone when the group has no council); ``None`` when the
    reply offers no flow. An offer of several flows resumes as a report, as ``/report`` would."""
    for button in reply.buttons:
        if button.action.name not in FLOW_BUTTONS:
            continue
        flow, _, council = button.action.value.partition(":")
        word = "report" if reply.kind == "offer" else FLOW_WORDS.get(flow)
        if word is None:
            continue
        payload = f"{word}_{council}" if council else word
        return payload if _PAYLOAD.match(payload) else word
    return None


def publish_caption(message: Message, *, bot_username: str) -> str | None:
    """``/publish [VERSION] [NOTE]`` when a private chat's document is captioned with it, else ``None``."""
    caption = (message.caption or "").strip()
    if chat_kind(message.chat.type) != "dm" or message.document is None or not caption:
        return None
    text = _drop_own_suffix(caption, bot_username)
    head, _, _ = text.partition(" ")
    return text if head.split("\n", 1)[0] == PUBLISH else None


def from_document(message: Message, text: str, attachment: Attachment | None) -> Incoming | None:
    """The ``Incoming`` for a document and its caption (``text``), with the downloaded file attached (``None``:
    not downloaded, for someone who may not publish)."""
    user = message.from_user
    if user is None:
        return None
    return Incoming(platform=PLATFORM, user_id=str(user.id), chat_id=str(message.chat.id), chat_kind="dm",
                    text=text, message_id=message_id(message), user_name=user.username, from_bot=user.is_bot,
                    attachment=attachment)


def from_press(query: CallbackQuery, action: Action) -> Incoming:
    """A pressed inline button; a press on a message too old to be reachable counts as a private press."""
    message = query.message
    chat = message.chat if message is not None else None
    kind = chat_kind(chat.type) if chat is not None else "dm"
    chat_id = str(chat.id) if chat is not None else str(query.from_user.id)
    return Incoming(platform=PLATFORM, user_id=str(query.from_user.id), chat_id=chat_id, chat_kind=kind,
                    action=action, message_id=f"callback:{query.id}", user_name=query.from_user.username,
                    from_bot=query.from_user.is_bot)


def _addressed(message: Message, *, bot_username: str, bot_id: int) -> str | None:
    """The text meant for the bot in a group message, or ``None`` when the bot was not addressed."""
    text = message.text or ""
    command = _command(message)
    if command is not None:
        _, _, target = command.partition("@")
        if target and target.lower() != bot_username.lower():
            return None  # /ask@SomeOtherBot
        return _drop_own_suffix(text, bot_username)
    mentions = [(entity, value) for entity, value in message.parse_entities().items()
                if (entity.type == MessageEntity.MENTION and value.lower() == f"@{bot_username.lower()}")
                or (entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot_id)]
    if mentions:
        for _entity, value in mentions:
            text = text.replace(value, " ", 1)
        text = _LEADING_PUNCTUATION.sub("", " ".join(text.split()))
        return text or "/help"
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id \
            and not replied.forum_topic_created:
        return text
    return None


def _command(message: Message) -> str | None:
    """``ask@BotName`` for a message starting with a bot command, else ``None``."""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return (message.text or "")[1:entity.length]
    return None


def _drop_own_suffix(text: str, bot_username: str) -> str:
    """``/ask@BotName question`` -> ``/ask question``."""
    head, space, rest = text.partition(" ")
    if head.startswith("/") and head.lower().endswith(f"@{bot_username.lower()}"):
        head = head[: -len(bot_username) - 1]
    return f"{head}{space}{rest}"


def _resumed(text: str) -> Action | None:
    """``/start report_wendlebury`` -> the press of "Start" on the concern flow for Wendlebury (the button the
    group's flow sends privately, ``flow.begin``); ``None`` for any other text."""
    head, _, payload = text.strip().partition(" ")
    word, separator, council = payload.strip().partition("_")
    if head != "/start" or not separator or not council or word not in PAYLOAD_FLOWS:
        return None
    return Action(BEGIN, f"{PAYLOAD_FLOWS[word]}:{council}")


def _deep_link(text: str) -> str:
    """``/start report`` (from ``https://t.me/<bot>?start=report``) -> ``/report``; other text unchanged."""
    head, _, payload = text.strip().partition(" ")
    if head == "/start" and payload.strip() in START_PAYLOADS:
        return START_PAYLOADS[payload.strip()]
    return text
