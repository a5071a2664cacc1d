"""Where each reply goes, by its visibility:

- ``IN_THREAD``: back where the message came from (a mention's thread, the DM); a slash command's answer goes
  to its response URL, seen by the asker alone, since the bot need not be a member of that channel.
- ``EPHEMERAL``: ``chat.postEphemeral`` to the asker in that channel (or the response URL).
- ``DIRECT_MESSAGE``: ``conversations.open`` + ``chat.postMessage`` in the person's DM, so a flow started in a
  channel continues in private and the channel sees nothing but the dialogue's short ephemeral notice.

A failed call is logged by method and Slack's error code only, never with the message; the reply is handed to
the outbox (``handover.py``) and the remaining replies are still sent.

Command hints are rewritten for Slack on the way out (``hints.py``). Button rows carry whom the reply is for
(``blocks.render(owner=...)``). Slack sends nothing of an ephemeral message with a press on it, and replacing its
buttons with the choice made must not replace the answer the person was reading: an answer carries itself in its
rating buttons (``carried.py``), so any worker, after any restart, can keep it on screen; other ephemeral messages
with buttons are kept for a while in this worker (``KEPT``), keyed by their buttons.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import SlackMessage, choice_made, render
from adapters.slack.carried import carry
from adapters.slack.client import webhook_client
from adapters.slack.events import Origin, Press, button_key
from adapters.slack.handover import Handover
from adapters.slack.hints import Hints
from bot.messages import Reply, Visibility

log = logging.getLogger(__name__)
FAILURES = (SlackApiError, SlackClientError, ClientError, TimeoutError)
KEPT = 1024
"""Ephemeral messages whose blocks are kept for their buttons (per worker; an older one keeps its buttons)."""


class Delivery:
    def __init__(self, client: AsyncWebClient, *, handover: Handover | None = None,
                 hints: Hints | None = None) -> None:
        self.client = client
        self.handover = handover
        self.hints = hints
        self._ephemeral: OrderedDict[str, SlackMessage] = OrderedDict()

    async def deliver(self, replies: list[Reply], origin: Origin) -> None:
        for reply in replies:
            if self.hints is not None:
                reply = self.hints.reply(reply)
            try:
                await self._one(reply, origin)
            except FAILURES as exc:
                log.warning("slack: a %s reply was not delivered: %s", reply.kind or "text", _reason(exc))
                person = _person(reply, origin)
                if self.handover is not None and person:
                    await self.handover.later(reply, person)

    async def take_buttons_off(self, press: Press) -> None:
        """Replace the pressed message's buttons with the choice made, before anything else happens. A press on
        an ephemeral message whose blocks are no longer known leaves it as it is rather than blank it."""
        shown = press.blocks or press.carried or (
            self._ephemeral[press.key].blocks if press.key in self._ephemeral else [])
        if not shown:
            return
        blocks = choice_made(shown, press.block_id, press.label)
        try:
            if press.origin.ephemeral_source or not press.message_ts:
                if press.origin.response_url:
                    await self._respond(press.origin.response_url, SlackMessage(press.text or press.label, blocks),
                                        replace_original=True)
                return
            await self.client.chat_update(channel=str(press.origin.channel), ts=press.message_ts,
                                          text=press.text or press.label, blocks=blocks)
        except FAILURES as exc:
            log.warning("slack: buttons could not be replaced: %s", _reason(exc))

    async def _one(self, reply: Reply, origin: Origin) -> None:
        target = reply.target
        if target is not None and target.platform != "slack":
            log.info("slack: a %s reply addressed to %s is not sent from Slack", reply.kind, target.platform)
            return
        messages = render(reply, owner=_person(reply, origin) if reply.buttons else None)
        if reply.visibility is Visibility.DIRECT_MESSAGE:
            user = (target.user_id if target else None) or origin.user
            dm = target.chat_id if target and target.chat_id else await self._open_dm(user)
            await self._post(messages, dm, target.thread if target else None)
        elif reply.visibility is Visibility.EPHEMERAL:
            channel = (target.chat_id if target else None) or origin.channel
            if origin.response_url and (origin.from_command or origin.ephemeral_source or not channel):
                for message in messages:
                    await self._respond(origin.response_url, message)
            elif channel:
                for message in map(carry, messages):
                    self._keep(message)
                    await self.client.chat_postEphemeral(channel=channel, user=origin.user, text=message.text,
                                                         blocks=message.blocks, thread_ts=origin.thread_ts)
            else:
                await self._post(messages, await self._open_dm(origin.user), None)
        elif target and target.chat_id:
            await self._post(messages, target.chat_id, target.thread)
        elif origin.from_command and origin.response_url:
            for message in messages:
                await self._respond(origin.response_url, message)
        else:
            await self._post(messages, origin.channel or await self._open_dm(origin.user), origin.thread_ts)

    async def _open_dm(self, user: str) -> str:
        opened = await self.client.conversations_open(users=user)
        channel: Any = (opened.get("channel") or {}).get("id")
        return str(channel)

    async def _post(self, messages: list[SlackMessage], channel: str, thread_ts: str | None) -> None:
        for message in messages:
            await self.client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks,
                                               thread_ts=thread_ts)

    def _keep(self, message: SlackMessage) -> None:
        for block in message.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                self._ephemeral[button_key(str(element.get("action_id")), element.get("value"))] = message
        while len(self._ephemeral) > KEPT:
            self._ephemeral.popitem(last=False)

    async def _respond(self, url: str, message: SlackMessage, *, replace_original: bool = False) -> None:
        message = carry(message)
        self._keep(message)
        response = await webhook_client(url).send(text=message.text, blocks=message.blocks,
                                                  response_type="ephemeral", replace_original=replace_original)
        if response.status_code != 200:
            raise SlackClientError(f"response_url answered {response.status_code}")


def _person(reply: Reply, origin: Origin) -> str | None:
    """The Slack user a reply is for: its target's, else whoever sent the message it answers; ``None`` for a
    reply to a whole chat."""
    if reply.target is not None and (reply.target.user_id or reply.target.chat_id):
        return reply.target.user_id
    return origin.user


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return f"{exc.response.api_url.rsplit('/', 1)[-1]} {exc.response.status_code} {exc.response.get('error')}"
    return type(exc).__name__
