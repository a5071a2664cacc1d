"""Broadcast deliveries to Telegram: ``sendMessage`` to a member's user id (their private chat with the bot),
rendered by ``adapters.telegram.render`` and ``keyboards`` like any reply (the Acknowledge button under the last
part of a long message).

python-telegram-bot's ``Bot`` is used without ``with_retries``: the outbox decides, so flood control postpones
only this delivery. Every request passes a ``SendGate`` (``bot.broadcasts.pacing``) with Telegram's limits: never
more than 30 messages in any second, one a second per chat (20 a minute per group), as the server counts them,
including between the parts of one split message. Errors become ``bot.broadcasts.sending`` errors:

- ``RetryAfter`` -> ``RetryAfter``; 5xx (``NetworkError``), ``TimedOut`` -> ``Transient``
- ``Forbidden`` (blocked the bot, or never started it: a bot may not write first) -> ``Permanent("blocked")``;
  ``BadRequest`` "chat not found" -> ``Permanent("not_found")``; a rejected token -> ``Permanent``
"""

from __future__ import annotations

import asyncio

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, TimedOut
from telegram.error import RetryAfter as TelegramRetryAfter
from telegram.request import HTTPXRequest

from adapters.telegram.app import api_url
from adapters.telegram.keyboards import keyboard
from adapters.telegram.render import render
from adapters.telegram.retry import retry_after_seconds
from bot.broadcasts.pacing import SendGate
from bot.broadcasts.sending import Permanent, RetryAfter, Transient
from bot.broadcasts.settings import DEFAULT_PACING, Pacing
from bot.messages import Reply


class TelegramSender:
    platform = "telegram"

    def __init__(self, token: str, *, base_url: str | None = None, connections: int = 32,
                 pacing: Pacing = DEFAULT_PACING["telegram"]) -> None:
        request = HTTPXRequest(connection_pool_size=connections, pool_timeout=10.0)
        self.bot = Bot(token, base_url=api_url(base_url), request=request)
        self.gate = SendGate(pacing)
        self._ready = False
        self._starting = asyncio.Lock()

    async def send(self, recipient: str, reply: Reply) -> str:
        if not self._ready:
            await self._start()
        parts = render(reply)
        markup = keyboard(reply.buttons)
        first: str | None = None
        for index, text in enumerate(parts):
            last = index == len(parts) - 1
            try:
                async with self.gate.send(recipient):
                    message = await self.bot.send_message(chat_id=recipient, text=text, parse_mode=ParseMode.HTML,
                                                          reply_markup=markup if last else None)
            except TelegramRetryAfter as error:
                raise RetryAfter(retry_after_seconds(error)) from None
            except Forbidden:
                raise Permanent("blocked") from None
            except BadRequest as error:
                raise Permanent("not_found" if "not found" in error.message.lower() else "bad_request") from None
            except (InvalidToken, ChatMigrated) as error:
                raise Permanent(type(error).__name__.lower()) from None
            except (TimedOut, NetworkError) as error:
                raise Transient("server_error" if type(error) is NetworkError else "timeout") from None
            first = first or str(message.message_id)
        return first or ""

    async def _start(self) -> None:
        async with self._starting:  # the first batch's sends arrive together: initialise once
            if not self._ready:
                await self._initialise()

    async def _initialise(self) -> None:
        try:
            await self.bot.initialize()
        except InvalidToken:
            raise Permanent("not_authorised") from None
        except (TimedOut, NetworkError) as error:
            raise Transient("network") from error
        self._ready = True

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()
