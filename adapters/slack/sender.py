"""Broadcast deliveries to Slack: ``chat.postMessage`` to a member's user id (Slack posts it in the person's
direct messages with the app), rendered by ``adapters.slack.blocks`` like any reply.

Every request passes a ``SendGate`` (``bot.broadcasts.pacing``, as the Telegram sender's does) with Slack's limit
of about one message a second per channel (a person's DM is one) and the outbox's modest overall rate, as Slack
receives them: the parts of one long message to one channel are a second apart too, where the worker's schedule
alone reserved one slot for the whole message and let them go back to back.

The client does no retrying of its own (``retry_handlers=[]``): the outbox decides, so a 429 postpones only
this delivery for ``Retry-After`` while other members' messages carry on, and every attempt is counted.
Errors become ``bot.broadcasts.sending`` errors:

- 429 -> ``RetryAfter`` (``Retry-After`` seconds); 5xx, timeouts, dropped connections -> ``Transient``
- the person left or was deactivated, unknown user or channel, bad token -> ``Permanent`` (reported to the Clerk)
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import render
from adapters.slack.client import api_url
from bot.broadcasts.pacing import SendGate
from bot.broadcasts.sending import Permanent, RetryAfter, Transient
from bot.broadcasts.settings import DEFAULT_PACING, Pacing
from bot.messages import Reply

GONE = {"account_inactive", "user_disabled", "is_archived", "not_in_channel", "cannot_dm_bot"}
NOT_FOUND = {"channel_not_found", "user_not_found", "users_not_found"}
NOT_AUTHORISED = {"invalid_auth", "not_authed", "token_revoked", "account_inactive_token", "missing_scope"}


class SlackSender:
    platform = "slack"

    def __init__(self, token: str, *, base_url: str | None = None, connections: int = 32,
                 pacing: Pacing = DEFAULT_PACING["slack"]) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections))
        self.client = AsyncWebClient(token=token, base_url=base_url or api_url(), session=self._session,
                                     retry_handlers=[])
        self.gate = SendGate(pacing)

    async def send(self, recipient: str, reply: Reply) -> str:
        first: str | None = None
        for message in render(reply):
            try:
                async with self.gate.send(recipient):
                    response = await self.client.chat_postMessage(channel=recipient, text=message.text,
                                                                  blocks=message.blocks)
            except SlackApiError as error:
                raise classify(error) from None
            except (aiohttp.ClientError, TimeoutError) as error:
                raise Transient("network") from error
            first = first or str(response.get("ts") or "")
        return first or ""

    async def close(self) -> None:
        await self._session.close()


def classify(error: SlackApiError) -> RetryAfter | Transient | Permanent:
    status = int(getattr(error.response, "status_code", 0) or 0)
    code = str(error.response.get("error") or "") if hasattr(error.response, "get") else ""
    if status == 429 or code == "ratelimited":
        headers = getattr(error.response, "headers", {}) or {}
        raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
        try:
            seconds = float(raw)
        except ValueError:
            seconds = 1.0
        return RetryAfter(seconds)
    if status >= 500 or code in ("internal_error", "fatal_error", "service_unavailable", "request_timeout"):
        return Transient("server_error")
    if code in GONE:
        return Permanent("left")
    if code in NOT_FOUND:
        return Permanent("not_found")
    if code in NOT_AUTHORISED:
        return Permanent("not_authorised")
    return Permanent(code[:64] or f"http_{status}")
