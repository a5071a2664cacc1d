"""``protocol-bot serve --slack [--port 3000] [--socket-mode|--http]``: start the Slack adapter.

Transports:
- Socket Mode (``SLACK_APP_TOKEN``, ``xapp-...``): Slack is reached over an outgoing WebSocket, so no public
  URL is needed; ``/healthz`` is still served on ``--port``. The default when ``SLACK_APP_TOKEN`` is set.
- HTTP Events (``SLACK_SIGNING_SECRET``): Slack posts to ``/slack/events``; run several workers behind a load
  balancer for many councils (state lives in the store, so any worker can take any request).

Tokens come from the environment only (``SLACK_BOT_TOKEN`` always). A missing one is named, with where to
find it, and the exit code is 2, as for any other usage error; so is one Slack refuses (``tokens.py``: checked
with ``auth.test``, and ``apps.connections.open`` for Socket Mode, before anything else starts).

``/healthz``: 503 while Socket Mode is not connected (the WebSocket dropped and not yet back), else 200.

Broadcasts: the outbox worker (``bot.broadcasts.worker``) runs beside the app as a background task, with the
Slack sender only (Telegram's deliveries are its own process's), so ``serve --slack`` alone delivers what the
Clerk publishes. On shutdown it is asked to stop, finishes and records what is in flight (for at most
``OUTBOX_GRACE`` seconds), and only then is the store closed. With SQLite one worker serves a database: if
another holds it (``protocol-bot outbox``, a second ``serve``), this process says so, answers questions
without delivering, and takes over when the other stops. ``PROTOCOL_BOT_SLACK_OUTBOX=0`` runs no worker here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from adapters.cli.runtime import make_service
from adapters.cli.serve import ServeOptions
from adapters.slack.app import SlackBot
from adapters.slack.client import web_client
from adapters.slack.http import EVENTS_PATH, web_app
from adapters.slack.sender import SlackSender
from adapters.slack.tokens import TokenRefused, check
from bot.broadcasts.worker import OutboxBusy, OutboxWorker, WorkerOptions
from bot.dialogue import Dialogue
from bot.store import Store

log = logging.getLogger(__name__)
WHERE = "api.slack.com/apps -> your app"
OUTBOX_ENV = "PROTOCOL_BOT_SLACK_OUTBOX"
OUTBOX_GRACE = 10.0
OUTBOX_RESTART = 5.0
OUTBOX_RETAKE = 30.0


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
    try:
        asyncio.run(serve(options, chosen))
    except TokenRefused as refused:
        print(refused, file=sys.stderr)
        return 2
    return 0


async def serve(options: ServeOptions, chosen: SlackSettings) -> None:
    """``TokenRefused`` before anything starts when Slack refuses a token."""
    client = web_client(chosen.bot_token)
    await check(client, app_token=chosen.app_token)
    service = make_service(verbose=True)
    await asyncio.to_thread(service.library.load_all)
    store = await Store.open()
    try:
        dialogue = Dialogue(service, store)
        await dialogue.start()
        bot = SlackBot(dialogue, client, signing_secret=chosen.signing_secret)
        async with outbox(store, chosen.bot_token, enabled=outbox_enabled()):
            link = SocketLink()
            runner = web.AppRunner(web_app(bot, events=not chosen.socket_mode,
                                           health=link.problem if chosen.socket_mode else None))
            await runner.setup()
            try:
                await web.TCPSite(runner, options.host, options.port).start()
                await _until_stopped(bot, chosen, options, link)
            finally:
                await bot.settled()
                await runner.cleanup()
    finally:
        await store.close()


def outbox_enabled(environ: Mapping[str, str] | None = None) -> bool:
    env: Mapping[str, str] = os.environ if environ is None else environ
    return env.get(OUTBOX_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


@contextlib.asynccontextmanager
async def outbox(store: Store, token: str, *, enabled: bool = True,
                 options: WorkerOptions | None = None) -> AsyncIterator[OutboxWorker | None]:
    """The Slack outbox worker running in the background for as long as the block runs."""
    if not enabled:
        yield None
        return
    sender = SlackSender(token)
    worker = OutboxWorker(store, {"slack": sender}, options=options)
    stop = asyncio.Event()
    task = asyncio.create_task(_keep_delivering(worker, stop), name="slack-outbox")
    try:
        yield worker
    finally:
        stop.set()
        try:
            done, _ = await asyncio.wait({task}, timeout=OUTBOX_GRACE)
            if not done:
                log.warning("slack: the outbox worker did not stop within %.0f s; what it had in flight is "
                            "delivered after the next start", OUTBOX_GRACE)
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await sender.close()


async def _keep_delivering(worker: OutboxWorker, stop: asyncio.Event) -> None:
    """``worker.run`` until ``stop``; started again after an unexpected error (a database outage, say), and,
    while another worker holds the SQLite database, tried again every ``OUTBOX_RETAKE`` s to take over."""
    told = False
    while not stop.is_set():
        try:
            await worker.run(stop)
            continue
        except OutboxBusy as busy:
            if not told:
                print(f"Slack broadcasts are not delivered by this process while another outbox worker runs: "
                      f"{busy}", file=sys.stderr)
                told = True
            pause = OUTBOX_RETAKE
        except Exception as error:
            log.error("slack: the outbox worker stopped (%s); starting it again in %.0f s", type(error).__name__,
                      OUTBOX_RESTART)
            pause = OUTBOX_RESTART
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)


class SocketLink:
    """Socket Mode's connection as ``/healthz`` sees it: not connected until the handler has connected."""

    def __init__(self) -> None:
        self.client: Any = None

    async def problem(self) -> str | None:
        if self.client is None:
            return "Socket Mode is not connected yet"
        if not await self.client.is_connected():
            return "Socket Mode is not connected to Slack"
        return None


async def _until_stopped(bot: SlackBot, chosen: SlackSettings, options: ServeOptions, link: SocketLink) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows, nor off the main thread
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    try:
        await _transport(bot, chosen, options, stop, link)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


async def _transport(bot: SlackBot, chosen: SlackSettings, options: ServeOptions, stop: asyncio.Event,
                     link: SocketLink) -> None:
    if chosen.socket_mode and chosen.app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(bot.app, chosen.app_token, web_client=bot.client)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        link.client = handler.client
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
