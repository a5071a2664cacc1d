"""Where each reply goes, by its visibility:

- ``IN_THREAD``: back where the message came from (a mention's thread, the DM); a slash command's answer goes
  to its response URL, seen by the asker alone, since the bot need not be a member of that channel.
- ``EPHEMERAL``: ``chat.postEphemeral`` to the asker in that channel (or the response URL).
- ``DIRECT_MESSAGE``: ``conversations.open`` + ``chat.postMessage`` in the person's DM, so a flow started in a
  channel continues in private and the channel sees nothing but the dialogue's short ephemeral notice.

A failed call is logged by method and Slack's error code only, never with the message, and the remaining
replies are still sent.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import SlackMessage, choice_made, render
from adapters.slack.client import webhook_client
from adapters.slack.events import Origin, Press
from bot.messages import Reply, Visibility

log = logging.getLogger(__name__)
FAILURES = (SlackApiError, SlackClientError, ClientError, TimeoutError)


class Delivery:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def deliver(self, replies: list[Reply], origin: Origin) -> None:
        for reply in replies:
            try:
                await self._one(reply, origin)
            except FAILURES as exc:
                log.warning("slack: a %s reply was not delivered: %s", reply.kind or "text", _reason(exc))

    async def take_buttons_off(self, press: Press) -> None:
        """Replace the pressed message's buttons with the choice made, before anything else happens."""
        blocks = choice_made(press.blocks, press.block_id, press.label)
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
        messages = render(reply)
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
                for message in messages:
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

    async def _respond(self, url: str, message: SlackMessage, *, replace_original: bool = False) -> None:
        response = await webhook_client(url).send(text=message.text, blocks=message.blocks,
                                                  response_type="ephemeral", replace_original=replace_original)
        if response.status_code != 200:
            raise SlackClientError(f"response_url answered {response.status_code}")


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return f"{exc.response.api_url.rsplit('/', 1)[-1]} {exc.response.status_code} {exc.response.get('error')}"
    return type(exc).__name__
