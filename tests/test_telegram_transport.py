"""``protocol-bot serve --telegram``: settings from the environment, and both transports end to end.

The real runner (``adapters.telegram.runner.serve``) runs against the fake Bot API, found through
``PROTOCOL_BOT_TELEGRAM_API_URL``, with the hash embedder and a SQLite store in a temporary home; broadcasts
queued in that store while it serves are delivered by its outbox worker through the same fake.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from adapters.cli.serve import ServeOptions
from adapters.telegram import runner
from adapters.telegram.app import api_url, file_url
from adapters.telegram.outbox import OUTBOX_ENV
from bot.broadcasts.compose import notice_content, to_json
from bot.broadcasts.worker import single_worker
from bot.store import Store
from tests.telegram_fake import TOKEN, FakeTelegram, Updates, person

SECRET = "s3cret_Token-1"
USER = person(5150, "Pat", "pat")
MEMBER = 6060  # Cllr Ruth Okafor's Telegram user id, linked while serving
NOTICE = "The December meeting moves to Thursday 11th."


def options(*, webhook: str | None = None, port: int = 3000) -> ServeOptions:
    return ServeOptions(port=port, host="127.0.0.1", webhook=webhook, socket_mode=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def environment(home: Path, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    monkeypatch.delenv("PROTOCOL_BOT_DATABASE_URL", raising=False)
    monkeypatch.setenv(runner.TOKEN_ENV, TOKEN)
    monkeypatch.setenv(runner.API_URL_ENV, f"http://127.0.0.1:{telegram.port}")  # "/bot" is added
    monkeypatch.setenv(runner.SECRET_ENV, SECRET)


async def eventually(check: Callable[[], bool], *, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


async def serving(chosen: runner.Settings, ready: Callable[[], bool],
                  body: Callable[[], Awaitable[None]]) -> None:
    """Run the real ``serve`` until ``body`` is done, then stop it as SIGTERM would."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.serve(chosen, stop=stop))
    try:
        await eventually(lambda: ready() or task.done())
        if task.done():
            task.result()  # raise what stopped it
        await body()
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 20) == 0


def test_missing_token_is_a_clear_error_and_exit_code_2(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(runner.TOKEN_ENV, raising=False)
    assert runner.run(options()) == 2
    assert runner.TOKEN_ENV in capsys.readouterr().err


@pytest.mark.parametrize(("webhook", "secret", "named"), [
    ("https://bot.example.org/telegram", "", runner.SECRET_ENV),
    ("https://bot.example.org/telegram", "has spaces", runner.SECRET_ENV),
    ("http://bot.example.org/telegram", SECRET, "https://"),
])
def test_webhook_mode_needs_https_and_a_secret(webhook: str, secret: str, named: str,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(runner.TOKEN_ENV, TOKEN)
    monkeypatch.setenv(runner.SECRET_ENV, secret)
    assert runner.run(options(webhook=webhook)) == 2
    assert named in capsys.readouterr().err


def test_api_url_defaults_to_telegram_and_accepts_a_bare_server() -> None:
    assert api_url(None) == "https://api.telegram.org/bot"
    assert api_url("http://127.0.0.1:8081/") == "http://127.0.0.1:8081/bot"
    assert api_url("https://api.telegram.org/bot") == "https://api.telegram.org/bot"


def test_files_are_fetched_from_the_same_server() -> None:
    assert file_url(None) == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081") == "http://127.0.0.1:8081/file/bot"
    assert file_url("http://10.0.0.5:8081/prefix/bot") == "http://10.0.0.5:8081/prefix/file/bot"
    assert file_url("http://host/bot{token}/test") == "http://host/file/bot{token}/test"


@pytest.mark.usefixtures("environment")
async def test_long_polling_answers_updates(telegram: FakeTelegram) -> None:
    telegram.updates.append(Updates().text("/whoami", user=USER))
    chosen = runner.settings(options())

    async def body() -> None:
        await eventually(lambda: bool(telegram.sent(USER["id"])))

    await serving(chosen, lambda: bool(telegram.of("getUpdates")), body)
    assert telegram.of("deleteWebhook")  # polling clears any webhook first
    assert "not on a council roster" in telegram.sent(USER["id"])[0].text
    assert [c.method for c in telegram.calls].index("setMyCommands") < [c.method for c in telegram.calls].index(
        "getUpdates")


@pytest.mark.usefixtures("environment")
async def test_webhook_verifies_the_secret_token_header(telegram: FakeTelegram) -> None:
    port = free_port()
    chosen = runner.settings(options(webhook="https://bot.example.org/hooks/telegram", port=port))
    update = Updates().text("/whoami", user=USER)
    url = f"http://127.0.0.1:{port}/hooks/telegram"

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with session.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
            await asyncio.sleep(0.2)
            assert telegram.sent() == []  # refused updates never reach the dialogue
            async with session.post(url, json=update,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                assert response.status == 200
        await eventually(lambda: bool(telegram.sent(USER["id"])))

    await serving(chosen, lambda: bool(telegram.of("setWebhook")), body)
    [registered] = telegram.of("setWebhook")
    assert registered.params["url"] == "https://bot.example.org/hooks/telegram"
    assert registered.params["secret_token"] == SECRET
    assert "not on a council roster" in telegram.sent(USER["id"])[0].text


async def queue_notice() -> int:
    """What the Clerk's /broadcast does, from another connection to the same database: link Okafor to Telegram
    and queue a notice for her to acknowledge."""
    store = await Store.open()
    try:
        okafor = await store.members.by_identity("terminal", "okafor")
        assert okafor is not None
        await store.members.link(okafor.id, "telegram", str(MEMBER))
        content = to_json(notice_content("Wendlebury Parish Council", NOTICE))
        broadcast, queued = await store.broadcasts.create("wendlebury", "notice", content, platforms=("telegram",),
                                                          needs_ack=True)
        assert queued == 1
        return broadcast.id
    finally:
        await store.close()


async def outstanding() -> int:
    store = await Store.open()
    try:
        return await store.broadcasts.outbox.outstanding(["telegram"])
    finally:
        await store.close()


@pytest.mark.usefixtures("environment")
async def test_serve_delivers_a_queued_broadcast_through_the_bot_api(telegram: FakeTelegram) -> None:
    chosen = runner.settings(options())
    assert chosen.outbox

    async def body() -> None:
        broadcast = await queue_notice()
        await eventually(lambda: bool(telegram.sent(MEMBER)))
        [delivered] = telegram.sent(MEMBER)
        assert NOTICE in delivered.text and delivered.params["parse_mode"] == "HTML"
        assert [(b["text"], b["callback_data"]) for b in delivered.buttons()] == [
            ("Acknowledge", f"broadcast.ack|{broadcast}")]

    await serving(chosen, lambda: bool(telegram.of("getUpdates")), body)
    assert await outstanding() == 0  # recorded as sent before the store closed
    assert len(telegram.sent(MEMBER)) == 1


@pytest.mark.usefixtures("environment")
async def test_serve_leaves_the_outbox_to_another_worker_or_when_told(
        telegram: FakeTelegram, home: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(OUTBOX_ENV, "0")
    assert not runner.settings(options()).outbox
    monkeypatch.delenv(OUTBOX_ENV)
    store = await Store.open()  # creates the database, so its lock file can be taken first
    database = store.database.url.database
    await store.close()
    lock = single_worker(database)  # a `protocol-bot outbox` already running on this SQLite database
    try:
        telegram.updates.append(Updates().text("/whoami", user=USER))

        async def body() -> None:
            await queue_notice()
            await eventually(lambda: bool(telegram.sent(USER["id"])))  # updates are still answered
            await asyncio.sleep(1.5)

        with caplog.at_level(logging.WARNING):
            await serving(runner.settings(options()), lambda: bool(telegram.of("getUpdates")), body)
        assert telegram.sent(MEMBER) == [] and await outstanding() == 1
        assert any("another outbox worker" in r.getMessage() for r in caplog.records)
    finally:
        assert lock is not None
        lock.close()
