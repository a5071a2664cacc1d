"""``serve --web --telegram`` in one process, for real: the console and the Telegram runner against the fake Bot
API. A member asks for a sign-in code in the browser, the Telegram outbox worker of the same process delivers it
to their private chat, and the code typed back signs them in."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from adapters.cli.serve import ServeOptions
from adapters.telegram import runner as telegram_runner
from adapters.web import runner as web_runner
from bot.store import Store
from tests.telegram_fake import TOKEN, FakeTelegram
from tests.web.people import CODE, CSRF

CHAT = 6060


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(check: Callable[[], object], *, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting")


async def link_okafor() -> None:
    """Her Telegram account, linked while serving (as ``/link`` would, from another connection): the roster was
    written by the start itself."""
    store = await Store.open()
    try:
        okafor = await store.members.by_identity("terminal", "okafor")
        assert okafor is not None
        await store.members.link(okafor.id, "telegram", str(CHAT))
    finally:
        await store.close()


@pytest.mark.usefixtures("case_key")
async def test_a_code_reaches_the_telegram_chat_and_signs_in(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTelegram()
    await fake.start()
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    monkeypatch.delenv("PROTOCOL_BOT_DATABASE_URL", raising=False)
    monkeypatch.setenv(telegram_runner.TOKEN_ENV, TOKEN)
    monkeypatch.setenv(telegram_runner.API_URL_ENV, f"http://127.0.0.1:{fake.port}")
    chosen = telegram_runner.settings(ServeOptions(port=3000, host="127.0.0.1", webhook=None, socket_mode=None))
    port, stop = free_port(), asyncio.Event()
    task = asyncio.create_task(web_runner._beside(telegram_runner.serve(chosen, stop=stop), "127.0.0.1", port))
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            async def healthy() -> bool:
                try:
                    async with browser.get(f"{base}/healthz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            for _ in range(600):
                if task.done() or await healthy():
                    break
                await asyncio.sleep(0.1)
            assert not task.done(), task.result()
            await eventually(lambda: fake.of("getUpdates") or task.done())  # the platform's start is over too
            assert not task.done(), task.result()
            await link_okafor()
            async with browser.get(f"{base}/sign-in") as response:
                csrf = CSRF.search(await response.text())
            assert csrf is not None
            form = {"csrf": csrf.group(1), "council": "wendlebury", "name": "Cllr Ruth Okafor"}
            async with browser.post(f"{base}/sign-in", data=form) as response:
                csrf = CSRF.search(await response.text())
            assert csrf is not None
            await eventually(lambda: any(CODE.search(call.text) for call in fake.sent(CHAT)))
            code = next(m.group(1) for call in fake.sent(CHAT) if (m := CODE.search(call.text)))
            async with browser.post(f"{base}/sign-in/code", data={"csrf": csrf.group(1), "code": code}) as response:
                page = await response.text()
            assert "Signed in as Cllr Ruth Okafor" in page
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 30) == 0
        await fake.stop()
