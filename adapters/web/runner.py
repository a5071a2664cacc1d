"""``protocol-bot serve --web [--host --port]``, alone or beside ``--slack`` / ``--telegram`` in one process.

Alone, the web console listens on ``--host``/``--port``. Beside a chat platform, that platform keeps ``--port``
(Slack events, Telegram's webhook) and the console listens on ``--web-port``; both run in one event loop, the
platform's own runner unchanged (its signal handlers stop it, and the console stops when it does). Each has its
own ``Dialogue`` over the same database, so a worker of either kind can take any message.

The console sends sign-in codes through the outbox, which the Slack and Telegram workers deliver: run ``serve
--web`` beside them (or ``protocol-bot outbox``) so codes arrive. The access log is off: a path can carry a
case reference, and nothing else a request carries is logged either.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable
from typing import Any

from aiohttp import web

from adapters.cli.runtime import make_service
from adapters.cli.serve import ServeOptions
from adapters.web.app import web_app
from adapters.web.context import CONTEXT
from adapters.web.settings import from_env
from bot.dialogue import Dialogue
from bot.store import Store


async def started() -> tuple[Dialogue, Store]:
    """Indexes loaded (built when missing), the schema migrated, the roster written: the work a start does once."""
    service = make_service(verbose=True)
    await asyncio.to_thread(service.library.load_all)
    store = await Store.open()
    try:
        dialogue = Dialogue(service, store)
        await dialogue.start()
    except BaseException:
        await store.close()
        raise
    return dialogue, store


async def serve_web(host: str, port: int, *, stop: asyncio.Event,
                    prepared: tuple[Dialogue, Store] | None = None) -> None:
    """Serve until ``stop``; ``prepared``: a started dialogue and its store to use (closed here at the end)."""
    dialogue, store = prepared or await started()
    try:
        settings = from_env()
        app = web_app(dialogue, settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            print(f"Protocol Bot on the web at http://{host}:{port}/ (people open {settings.base_url}/)",
                  file=sys.stderr, flush=True)
            await stop.wait()
        finally:
            tasks = app[CONTEXT].tasks
            if tasks:  # a publication under way finishes (its index is half built otherwise)
                await asyncio.gather(*tasks, return_exceptions=True)
            await runner.cleanup()
    finally:
        await store.close()


async def _alone(host: str, port: int) -> None:
    print("Sign-in codes reach people through the Slack and Telegram outbox: run serve --slack / --telegram (or "
          "protocol-bot outbox) too, or start this with --web --slack.", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await serve_web(host, port, stop=stop)


async def _beside(platform: Awaitable[Any], host: str, port: int) -> Any:
    """The platform's runner and the console in one loop; whichever ends first ends the other. The console starts
    first (indexes built, schema migrated, roster written) and only then the platform: two starts at once would
    build the same index folders, run Alembic together (it cannot, in one process) and insert the same members."""
    prepared = await started()
    stop = asyncio.Event()
    web_task = asyncio.create_task(serve_web(host, port, stop=stop, prepared=prepared), name="web")
    platform_task = asyncio.ensure_future(platform)
    done, _ = await asyncio.wait({web_task, platform_task}, return_when=asyncio.FIRST_COMPLETED)
    if platform_task in done:
        stop.set()
        await web_task
        return platform_task.result()
    platform_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await platform_task
    web_task.result()  # raises what stopped the console
    return 0


def run(options: ServeOptions, platform: str | None, web_port: int) -> int:
    """``platform``: ``slack``, ``telegram`` or ``None`` (the console alone, on ``options.port``)."""
    if platform is None:
        asyncio.run(_alone(options.host, options.port))
        return 0
    if platform == "slack":
        from adapters.slack import runner as slack
        from adapters.slack.tokens import TokenRefused

        chosen = slack.settings(options)
        if isinstance(chosen, str):
            print(chosen, file=sys.stderr)
            return 2
        try:
            asyncio.run(_beside(slack.serve(options, chosen), options.host, web_port))
        except TokenRefused as refused:
            print(refused, file=sys.stderr)
            return 2
        return 0
    from telegram.error import InvalidToken, TelegramError

    from adapters.telegram import runner as telegram
    from bot.store import StoreError

    try:
        settings = telegram.settings(options)
    except telegram.ConfigError as error:
        print(f"protocol-bot serve --telegram: {error}", file=sys.stderr)
        return 2
    try:
        result = asyncio.run(_beside(telegram.serve(settings), options.host, web_port))
    except InvalidToken:
        print(f"protocol-bot serve --telegram: Telegram refused the token in {telegram.TOKEN_ENV}.", file=sys.stderr)
        return 2
    except (StoreError, TelegramError) as error:
        print(f"protocol-bot serve --telegram: {error}", file=sys.stderr)
        return 1
    return int(result or 0)
