"""``serve --web``: the command line reaches the web runner, and beside a chat platform the two share one loop,
each stopping the other."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.cli.main import build_parser
from adapters.web import runner


def test_serve_web_options_reach_the_web_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def no_key_problem() -> None:
        return None

    def fake_run(options: Any, platform: str | None, web_port: int) -> int:
        seen.update(port=options.port, platform=platform, web_port=web_port)
        return 0

    monkeypatch.setattr("adapters.cli.cases.startup_check", no_key_problem)
    monkeypatch.setattr(runner, "run", fake_run)
    args = build_parser().parse_args(["serve", "--web", "--port", "8081"])
    assert args.func(args) == 0 and seen == {"port": 8081, "platform": None, "web_port": 8080}
    args = build_parser().parse_args(["serve", "--web", "--telegram", "--web-port", "9000"])
    assert args.func(args) == 0 and seen["platform"] == "telegram" and seen["web_port"] == 9000
    args = build_parser().parse_args(["serve", "--web", "--slack", "--telegram"])
    assert args.func(args) == 2
    args = build_parser().parse_args(["serve"])  # no platform at all: the chat command's own message
    assert args.func(args) == 2


async def test_the_platform_stopping_stops_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    stopped = asyncio.Event()

    async def console(host: str, port: int, *, stop: asyncio.Event, prepared: Any = None) -> None:
        await stop.wait()
        stopped.set()

    async def platform() -> int:
        await asyncio.sleep(0.01)
        return 7

    monkeypatch.setattr(runner, "serve_web", console)
    monkeypatch.setattr(runner, "started", _nothing_started)
    assert await runner._beside(platform(), "127.0.0.1", 0) == 7
    assert stopped.is_set()


async def test_the_console_failing_stops_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    cancelled = asyncio.Event()

    async def console(host: str, port: int, *, stop: asyncio.Event, prepared: Any = None) -> None:
        raise OSError("address in use")

    async def platform() -> int:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0

    monkeypatch.setattr(runner, "serve_web", console)
    monkeypatch.setattr(runner, "started", _nothing_started)
    with pytest.raises(OSError, match="address in use"):
        await runner._beside(platform(), "127.0.0.1", 0)
    assert cancelled.is_set()



async def _nothing_started() -> None:
    return None


@pytest.mark.usefixtures("case_key")
async def test_login_link_command_prints_a_link_for_the_clerk_only(home: Any, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from bot.store import Store
    from config.councils import load_profile

    monkeypatch.delenv("PROTOCOL_BOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("PROTOCOL_BOT_WEB_URL", "https://council.example.org/")
    store = await Store.open()
    await store.members.sync_roster("wendlebury", load_profile("wendlebury", home).roster)
    await store.close()

    def command(*argv: str) -> int:
        args = build_parser().parse_args(["login-link", *argv])
        return int(args.func(args))

    assert await asyncio.to_thread(command, "clerk", "--council", "wendlebury") == 0
    out = capsys.readouterr().out
    assert out.startswith("https://council.example.org/login/") and "Margaret Ashdown" in out
    assert await asyncio.to_thread(command, "Cllr Ruth Okafor") == 2
    assert "not the Clerk" in capsys.readouterr().err
