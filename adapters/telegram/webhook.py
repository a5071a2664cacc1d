"""The webhook endpoint Telegram posts updates to (``serve --telegram --webhook URL``), on aiohttp.

python-telegram-bot's own webhook server answers a body that is not JSON with 500 and a traceback, and logs an
update it cannot parse with its whole content. This one checks the secret first (403, constant-time compare,
before the body is read), answers anything that is not a JSON object carrying an integer ``update_id`` with 400
and nothing logged beyond a line saying so, and accepts (200) an update from Telegram that the library cannot
parse, skipping it (``updates.parse_update``): a non-2xx answer would only make Telegram send it again. No
access log is written, so neither the secret nor any content reaches a log.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from adapters.telegram.updates import parse_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024
"""Bytes a post may carry: far more than any update."""


class WebhookServer:
    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], *, path: str, secret: str,
                 host: str, port: int) -> None:
        self.app = app
        self.path = "/" + path.strip("/")
        self.secret = secret.encode("utf-8")
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        server = web.Application(client_max_size=MAX_BODY)
        server.router.add_post(self.path, self.receive)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, self.secret):
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            log.info("webhook post refused: not a Telegram update")
            return web.Response(status=400)
        update: Update = parse_update(data, self.app.bot)
        await self.app.update_queue.put(update)
        return web.Response(status=200)
