"""The web console on a real port, in a thread with its own event loop, for the browser suite: one server for the
whole session (a fresh home, SQLite store, the five bundled councils, the fake embedder), so Playwright's
synchronous API drives Chromium from ordinary test functions."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from adapters.web.app import web_app
from adapters.web.settings import WebSettings
from bot.dialogue import Dialogue
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store
from knowledge.embedding import HashEmbedder
from knowledge.library import Library
from tests.web.conftest import seed_rosters

T = TypeVar("T")


class LiveServer:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="web-test-server", daemon=True)
        self.store: Store | None = None
        self.dialogue: Dialogue | None = None
        self.runner: web.AppRunner | None = None
        self.url = ""

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> LiveServer:
        self.thread.start()
        self.call(self._start(), timeout=300)
        return self

    async def _start(self) -> None:
        library = Library(self.home, HashEmbedder())
        await asyncio.to_thread(library.load_all)
        qa = QaService(library)
        self.store = await Store.open(data_dir=self.home)
        await seed_rosters(qa, self.store)
        self.dialogue = Dialogue(qa, self.store, rate_limit=RateLimit(burst=1000))
        await self.dialogue.start()
        self.runner = web.AppRunner(web_app(self.dialogue, WebSettings()), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)  # what loop.create_server made
        port = server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        async def stop() -> None:
            if self.runner is not None:
                await self.runner.cleanup()
            if self.store is not None:
                await self.store.close()

        self.call(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
