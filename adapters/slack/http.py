"""HTTP transport: Slack posts events, commands and button presses to ``/slack/events``; ``/healthz`` answers
load balancers and orchestrators. Stateless: several workers can sit behind one URL (state is in the store).

Anyone can post to a public URL, so a request is checked before anything reads it (``checked``): the signature
over the raw bytes and a numeric timestamp within five minutes first (else 401), then that the body is UTF-8 and
the JSON or form Slack sends (else 400). Refusals are logged in one line at INFO, without a traceback or the body:
junk is expected on the internet and is not the operator's problem. Only then does Bolt see the request.

``/healthz`` is 200 only while the bot can hear Slack: ``health`` says so (Socket Mode: the WebSocket is
connected), else 503 with the reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack.app import SlackBot

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_SKEW = 60 * 5
Health = Callable[[], Awaitable[str | None]]
"""``None`` while healthy, else why not (shown in the 503's body)."""


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature_of(secret: str, stamp: str, raw: bytes) -> str:
    """Slack's ``v0`` signature over the raw bytes (slack_sdk's verifier decodes them first, so a body that is not
    UTF-8 would raise there instead of being refused)."""
    digest = hmac.new(secret.encode("utf-8"), b"v0:" + stamp.encode("ascii") + b":" + raw, hashlib.sha256)
    return f"v0={digest.hexdigest()}"


def checked(raw: bytes, headers: dict[str, str], secret: str, *, now: float | None = None) -> str:
    """The body as text, once it is Slack's and well formed; else ``Refused`` (401 or 400)."""
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not stamp.isascii() or not stamp.isdigit() or not signature:
        raise Refused(401, "no valid timestamp or signature")
    if abs((time.time() if now is None else now) - int(stamp)) > MAX_SKEW:
        raise Refused(401, "stale timestamp")
    if not hmac.compare_digest(signature.encode("utf-8", "replace"), signature_of(secret, stamp, raw).encode()):
        raise Refused(401, "bad signature")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json":
            if not isinstance(json.loads(body), dict):
                raise Refused(400, "JSON body is not an object")
        elif "payload" in (form := parse_qs(body)) and not isinstance(json.loads(form["payload"][0]), dict):
            raise Refused(400, "payload is not a JSON object")
    except ValueError:
        raise Refused(400, "malformed JSON") from None
    return body


def web_app(bot: SlackBot, *, events: bool = True, health: Health | None = None) -> web.Application:
    """``events=False`` (Socket Mode) serves the health check only."""

    async def slack_events(request: web.Request) -> web.Response:
        raw = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            body = checked(raw, headers, bot.signing_secret)
        except Refused as refused:
            log.info("slack: a request to %s was refused (%d): %s", EVENTS_PATH, refused.status, refused.reason)
            return web.json_response({"ok": False, "error": refused.reason}, status=refused.status)
        bolt_request = AsyncBoltRequest(body=body, query=request.query_string,
                                        headers=request.headers)  # type: ignore[arg-type]
        return await to_aiohttp_response(await bot.app.async_dispatch(bolt_request))

    async def healthz(_request: web.Request) -> web.Response:
        problem = await health() if health is not None else None
        if problem:
            return web.json_response({"ok": False, "problem": problem}, status=503)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get(HEALTH_PATH, healthz)
    if events:
        app.router.add_post(EVENTS_PATH, slack_events)
    return app
