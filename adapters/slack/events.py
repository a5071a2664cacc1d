"""Slack payloads -> the dialogue's ``Incoming`` plus the ``Origin`` a reply goes back to.

Message ids make Slack's redeliveries harmless: the dialogue drops a second delivery of the same id, so an
event retried after a slow ack (``X-Slack-Retry-Num``), or one message arriving both as ``app_mention`` and
``message.im``, is answered once. A message is known by its channel and ``ts`` (identical in every retry and
in both event types); a slash command by its ``trigger_id``; a button press by its ``action_ts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.blocks import action_of, owner_of
from adapters.slack.carried import split
from adapters.slack.mrkdwn import from_slack
from bot.messages import Action, ChatKind, Incoming

PLATFORM = "slack"
ANSWERED_SUBTYPES = (None, "file_share", "thread_broadcast")
"""Message subtypes a person sends; edits, deletions, joins and bots' messages are not questions."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a message came from, so each reply can go back to the right place."""

    user: str
    channel: str | None
    thread_ts: str | None = None
    """Replies "in thread" go here: a mention is answered in the thread of the question."""
    response_url: str | None = None
    """Slash commands and button presses: a reply only the asker sees, even where the bot is not a member."""
    from_command: bool = False
    ephemeral_source: bool = False
    """The pressed button sat on an ephemeral message (which only its response URL can change)."""


def chat_kind(channel: str | None, *, channel_type: str | None = None) -> ChatKind:
    """Slack's ids say what a conversation is: D… a DM, G… a private channel or group DM, C… a channel."""
    if channel_type == "im" or (channel or "").startswith("D"):
        return "dm"
    if channel_type in ("mpim", "group") or (channel or "").startswith("G"):
        return "group"
    return "channel"


def is_person_message(event: Mapping[str, Any]) -> bool:
    """Also: it says where it was sent (``channel``, ``ts``); an event without them cannot be answered."""
    return (event.get("subtype") in ANSWERED_SUBTYPES and not event.get("bot_id") and bool(event.get("user"))
            and bool(event.get("channel")) and bool(event.get("ts")))


def from_message(event: Mapping[str, Any], *, team: str | None, bot_user_id: str | None) -> tuple[Incoming, Origin]:
    """``app_mention`` or ``message.im``: a mention is answered in its thread, a DM in the DM."""
    channel = str(event["channel"])
    kind = chat_kind(channel, channel_type=event.get("channel_type"))
    ts = str(event["ts"])
    thread = event.get("thread_ts")
    reply_thread = thread if kind == "dm" else (thread or ts)
    incoming = Incoming(platform=PLATFORM, user_id=str(event["user"]), chat_id=channel, chat_kind=kind,
                        text=from_slack(str(event.get("text") or ""), bot_user_id=bot_user_id),
                        workspace=team or event.get("team"), thread=thread, message_id=f"{channel}:{ts}",
                        from_bot=bool(event.get("bot_id")))
    return incoming, Origin(user=incoming.user_id, channel=channel, thread_ts=reply_thread)


def from_command(body: Mapping[str, Any], text: str) -> tuple[Incoming, Origin]:
    """``/protocol …``; ``text`` is what the dialogue should read (see ``bot.slash``)."""
    channel = str(body.get("channel_id") or "")
    kind: ChatKind = "dm" if body.get("channel_name") == "directmessage" else chat_kind(channel)
    incoming = Incoming(platform=PLATFORM, user_id=str(body["user_id"]), chat_id=channel, chat_kind=kind,
                        text=text, workspace=body.get("team_id"), message_id=f"command:{body.get('trigger_id')}")
    return incoming, Origin(user=incoming.user_id, channel=channel or None, response_url=body.get("response_url"),
                            from_command=True)


@dataclass(frozen=True, slots=True)
class Press:
    """A button press: what the dialogue hears, where replies go, and which message to take the buttons off."""

    incoming: Incoming
    origin: Origin
    label: str
    block_id: str | None
    message_ts: str | None
    blocks: list[dict[str, Any]]
    text: str
    key: str = ""
    """The pressed button (``action_id`` and value): finds an ephemeral message's blocks Slack does not send."""
    owner: str | None = None
    """Whom the message was for (``blocks.owner_of``); ``None`` for messages rendered before owners were kept."""
    carried: list[dict[str, Any]] | None = None
    """The answer a rating button carried (``carried.py``): an ephemeral message's blocks, which Slack does not send."""


def from_block_actions(body: Mapping[str, Any]) -> Press | None:
    """``None`` for presses that are not ours or have no conversation (an App Home button)."""
    pressed = (body.get("actions") or [{}])[0]
    action: Action | None = action_of(str(pressed.get("action_id", "")), pressed.get("value"))
    carried = None
    if action is not None:
        value, carried = split(action.name, action.value)
        action = Action(action.name, value)
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    if action is None or not channel:
        return None
    message = body.get("message") or {}
    user = str((body.get("user") or {}).get("id"))
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    thread = message.get("thread_ts")
    incoming = Incoming(platform=PLATFORM, user_id=user, chat_id=str(channel), chat_kind=chat_kind(str(channel)),
                        action=action, workspace=team, thread=thread,
                        message_id=f"action:{channel}:{pressed.get('action_ts') or body.get('trigger_id')}")
    ephemeral = bool(container.get("is_ephemeral")) or not message
    origin = Origin(user=user, channel=str(channel), thread_ts=thread, response_url=body.get("response_url"),
                    ephemeral_source=ephemeral)
    label = str((pressed.get("text") or {}).get("text") or action.name)
    return Press(incoming, origin, label, pressed.get("block_id"), message.get("ts") or container.get("message_ts"),
                 list(message.get("blocks") or []), str(message.get("text") or ""),
                 key=button_key(str(pressed.get("action_id", "")), pressed.get("value")),
                 owner=owner_of(pressed.get("block_id")), carried=carried)


def button_key(action_id: str, value: str | None) -> str:
    return f"{action_id}\n{value or ''}"
