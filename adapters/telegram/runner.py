"""``protocol-bot serve --telegram [--webhook URL]``: long polling by default, a webhook for several workers.

Tokens come from the environment only (``TELEGRAM_BOT_TOKEN``; ``TELEGRAM_WEBHOOK_SECRET`` in webhook
mode, which Telegram sends back in ``X-Telegram-Bot-Api-Secret-Token`` and our webhook server (``webhook.py``)
checks, refusing any post without it; junk is 400, quietly). A missing one is a clear message and exit code 2, before
anything is loaded. The event loop is ours (``async with app``), so the store, the dialogue and the
application share it and close in order on Ctrl-C or SIGTERM.

The process also works the broadcast outbox for Telegram (``outbox.py``): queued broadcasts, reminders and
failure reports go out while it serves, and the worker is stopped (what is in flight recorded) before the
application and the store close. ``PROTOCOL_BOT_TELEGRAM_OUTBOX=0`` leaves delivery to ``protocol-bot outbox``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from dataclasses import dataclass
from urllib.parse import urlparse

from telegram.error import InvalidToken, TelegramError

from adapters.cli.runtime import make_service
from adapters.cli.serve import ServeOptions
from adapters.telegram.app import announce, build_application
from adapters.telegram.bridge import ALLOWED_UPDATES
from adapters.telegram.outbox import OUTBOX_ENV, Outbox, outbox_enabled
from adapters.telegram.retry import with_retries
from adapters.telegram.webhook import WebhookServer
from bot.dialogue import Dialogue
from bot.store import Store, StoreError

log = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
API_URL_ENV = "PROTOCOL_BOT_TELEGRAM_API_URL"
QUIET_LOGGERS = ("telegram", "httpcore")
"""Libraries never allowed below INFO, whatever the root level: what people write must not reach a log."""
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
"""What Telegram accepts as a webhook secret token."""


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str
    api_url: str | None
    webhook: str | None
    secret: str | None
    host: str
    port: int
    outbox: bool = True
    """Work the broadcast outbox for Telegram in this process."""

    @property
    def url_path(self) -> str:
        """The path the webhook server listens on: the path of the public URL (a proxy forwards it)."""
        return urlparse(self.webhook or "").path.strip("/")


def settings(options: ServeOptions, environ: dict[str, str] | os._Environ[str] = os.environ) -> Settings:
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(f"Set {TOKEN_ENV} to the token BotFather gave you (tokens are read from the "
                          "environment only).")
    secret: str | None = None
    if options.webhook:
        parsed = urlparse(options.webhook)
        if parsed.scheme != "https" or not parsed.netloc:
            raise ConfigError(f"--webhook must be a public https:// URL, not {options.webhook!r}.")
        secret = environ.get(SECRET_ENV, "").strip()
        if not _SECRET.match(secret):
            raise ConfigError(f"Webhook mode needs {SECRET_ENV}: 1-256 characters of A-Z, a-z, 0-9, _ and -. "
                              "Telegram sends it with every update and updates without it are refused.")
    return Settings(token=token, api_url=environ.get(API_URL_ENV) or None, webhook=options.webhook,
                    secret=secret, host=options.host, port=options.port,
                    outbox=outbox_enabled(environ.get(OUTBOX_ENV)))


def run(options: ServeOptions) -> int:
    try:
        chosen = settings(options)
    except ConfigError as error:
        print(f"protocol-bot serve --telegram: {error}", file=sys.stderr)
        return 2
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the token in the URL
    try:
        return asyncio.run(serve(chosen))
    except InvalidToken:
        print(f"protocol-bot serve --telegram: Telegram refused the token in {TOKEN_ENV}.", file=sys.stderr)
        return 2
    except (StoreError, TelegramError) as error:
        print(f"protocol-bot serve --telegram: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


async def serve(chosen: Settings, *, stop: asyncio.Event | None = None) -> int:
    """Serve until SIGINT or SIGTERM (or until ``stop`` is set, for a caller running this in its own loop)."""
    for library in QUIET_LOGGERS:  # their DEBUG lines carry every call's parameters and answer: message text
        logging.getLogger(library).setLevel(max(logging.INFO, logging.getLogger(library).getEffectiveLevel()))
    service = make_service(verbose=True)
    await asyncio.to_thread(service.library.load_all)  # build or load every index before the first question
    store = await Store.open()
    try:
        dialogue = Dialogue(service, store)
        await dialogue.start()
        app = build_application(dialogue, chosen.token, base_url=chosen.api_url)
        outbox = Outbox(store, chosen.token, base_url=chosen.api_url) if chosen.outbox else None
        async with app:
            await announce(app)
            await app.start()
            updater = app.updater
            assert updater is not None  # built with one
            webhook: WebhookServer | None = None
            try:
                if chosen.webhook:
                    assert chosen.secret is not None  # settings() refuses a webhook without one
                    webhook = WebhookServer(app, path=chosen.url_path, secret=chosen.secret, host=chosen.host,
                                            port=chosen.port)
                    await webhook.start()
                    await with_retries(lambda: app.bot.set_webhook(
                        chosen.webhook or "", secret_token=chosen.secret, allowed_updates=list(ALLOWED_UPDATES)),
                        what="setWebhook")
                    mode = f"webhook {chosen.webhook} (listening on {chosen.host}:{chosen.port}/{chosen.url_path})"
                else:
                    await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
                    mode = "long polling"
                if outbox is not None:
                    outbox.start()
                    mode += ", delivering broadcasts"
                print(f"Protocol Bot on Telegram as @{app.bot.username}, {mode}. Ctrl-C stops.", flush=True)
                await _until_stopped(stop or asyncio.Event())
            finally:
                if outbox is not None:
                    await outbox.stop()  # before the store closes: what is in flight is recorded first
                if webhook is not None:
                    await webhook.stop()
                if updater.running:
                    await updater.stop()
                if app.running:
                    await app.stop()
    finally:
        await store.close()
    return 0


async def _until_stopped(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
