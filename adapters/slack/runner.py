"""``protocol-bot serve --slack [--port 3000] [--socket-mode|--http]``: start the Slack adapter.

Transports:
- Socket Mode (``SLACK_APP_TOKEN``, ``xapp-...``): Slack is reached over an outgoing WebSocket, so no public
  URL is needed; ``/healthz`` is still served on ``--port``. The default when ``SLACK_APP_TOKEN`` is set.
- HTTP Events (``SLACK_SIGNING_SECRET``): Slack posts to ``/slack/events``; run several workers behind a load
  balancer for many councils (state lives in the store, so any worker can take any request).

Tokens come from the environment only (``SLACK_BOT_TOKEN`` always). A missing one is named, with where to
find it, and the exit code is 2, as for any other usage error.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from adapters.cli.runtime import make_service
from adapters.cli.serve import ServeOptions
from adapters.slack.app import SlackBot
from adapters.slack.client import web_client
from adapters.slack.http import EVENTS_PATH, web_app
from bot.dialogue import Dialogue
from bot.store import Store

WHERE = "api.slack.com/apps -> your app"


@dataclass(frozen=True, slots=True)
class SlackSettings:
    bot_token: str
    app_token: str | None
    signing_secret: str

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


def settings(options: ServeOptions, environ: Mapping[str, str] | None = None) -> SlackSettings | str:
    """The tokens the chosen transport needs, or a message naming what is missing."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
    app_token = env.get("SLACK_APP_TOKEN", "").strip()
    secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    socket_mode = options.socket_mode if options.socket_mode is not None else bool(app_token)
    missing = []
    if not bot_token:
        missing.append(f"SLACK_BOT_TOKEN (xoxb-..., {WHERE} -> OAuth & Permissions -> Bot User OAuth Token)")
    if socket_mode and not app_token:
        missing.append(f"SLACK_APP_TOKEN (xapp-..., {WHERE} -> Basic Information -> App-Level Tokens, "
                       "scope connections:write)")
    if not socket_mode and not secret:
        missing.append(f"SLACK_SIGNING_SECRET ({WHERE} -> Basic Information -> Signing Secret); "
                       "or set SLACK_APP_TOKEN to use Socket Mode")
    if missing:
        mode = "Socket Mode" if socket_mode else "HTTP Events"
        return f"Slack ({mode}) needs these environment variables:\n  " + "\n  ".join(missing)
    return SlackSettings(bot_token, app_token if socket_mode else None, secret)


def run(options: ServeOptions) -> int:
    chosen = settings(options)
    if isinstance(chosen, str):
        print(chosen, file=sys.stderr)
        return 2
    asyncio.run(serve(options, chosen))
    return 0


async def serve(options: ServeOptions, chosen: SlackSettings) -> None:
    service = make_service(verbose=True)
    await asyncio.to_thread(service.library.load_all)
    store = await Store.open()
    try:
        dialogue = Dialogue(service, store)
        await dialogue.start()
        bot = SlackBot(dialogue, web_client(chosen.bot_token), signing_secret=chosen.signing_secret)
        runner = web.AppRunner(web_app(bot, events=not chosen.socket_mode))
        await runner.setup()
        await web.TCPSite(runner, options.host, options.port).start()
        try:
            await _until_stopped(bot, chosen, options)
        finally:
            await bot.settled()
            await runner.cleanup()
    finally:
        await store.close()


async def _until_stopped(bot: SlackBot, chosen: SlackSettings, options: ServeOptions) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows, nor off the main thread
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    try:
        await _transport(bot, chosen, options, stop)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


async def _transport(bot: SlackBot, chosen: SlackSettings, options: ServeOptions, stop: asyncio.Event) -> None:
    if chosen.socket_mode and chosen.app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(bot.app, chosen.app_token, web_client=bot.client)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        print(f"Protocol Bot on Slack (Socket Mode); health check on http://{options.host}:{options.port}/healthz",
              file=sys.stderr)
        try:
            await stop.wait()
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]
        return
    print(f"Protocol Bot on Slack (HTTP Events) at http://{options.host}:{options.port}{EVENTS_PATH}",
          file=sys.stderr)
    await stop.wait()
