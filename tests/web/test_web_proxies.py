"""The per-address sign-in limit behind a reverse proxy: ``X-Forwarded-For`` names the client only when the
connection comes from a trusted proxy (the rightmost address not ours), and a header from anyone else is ignored."""

from __future__ import annotations

import argparse
import ipaddress
import re
from collections.abc import Callable

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from adapters.web import signin
from adapters.web.context import CONTEXT
from adapters.web.proxies import client_address
from adapters.web.settings import PROXIES_ENV, SettingError, WebSettings, from_env
from bot.store import Store
from bot.store.models import WebLoginAttemptRow
from tests.web.people import WEN, Person

CLIENT, SPOOF = "203.0.113.9", "198.51.100.7"
NAME = {"council": WEN, "name": "Nobody At All"}


def _trust(server: TestServer, *networks: str) -> None:
    server.app[CONTEXT].settings = WebSettings(
        trusted_proxies=tuple(ipaddress.ip_network(n) for n in networks))


async def _scopes(store: Store) -> set[str]:
    async with store.database.sessions() as session:
        return set(await session.scalars(select(WebLoginAttemptRow.scope)))


async def _use_up(server: TestServer, address: str) -> None:
    for _ in range(signin.TRIES_PER_HOUR):
        await server.app[CONTEXT].signin.note(f"ip:{address}")


async def _ask(person: Person, forwarded: str) -> int:
    await person.get("/sign-in")
    status, _ = await person.post("/sign-in", NAME, headers={"X-Forwarded-For": forwarded})
    return status


async def test_a_forwarded_header_from_an_untrusted_client_is_ignored(
        browser: Callable[[], Person], server: TestServer, web_store: Store) -> None:
    person = browser()
    assert await _ask(person, SPOOF) == 200
    assert await _scopes(web_store) == {"ip:127.0.0.1"}  # counted against the connection, not the header
    await _use_up(server, "127.0.0.1")
    for spoofed in (SPOOF, CLIENT, "10.0.0.1"):  # a new made-up address each time buys no more tries
        assert await _ask(person, spoofed) == 429
    assert await _scopes(web_store) == {"ip:127.0.0.1"}


async def test_behind_a_trusted_proxy_each_client_has_its_own_limit(
        browser: Callable[[], Person], server: TestServer, web_store: Store) -> None:
    _trust(server, "127.0.0.1/32")
    await _use_up(server, "127.0.0.1")  # the proxy's own address is spent: before, everyone behind it was refused
    person = browser()
    assert await _ask(person, f"{SPOOF}, {CLIENT}") == 200  # the client wrote SPOOF; our proxy appended CLIENT
    assert f"ip:{CLIENT}" in await _scopes(web_store) and f"ip:{SPOOF}" not in await _scopes(web_store)
    await _use_up(server, CLIENT)
    assert await _ask(person, CLIENT) == 429
    assert await _ask(browser(), "192.0.2.44") == 200  # someone else behind the same proxy is not locked out


async def test_the_rightmost_untrusted_address_is_the_client(browser: Callable[[], Person], server: TestServer,
                                                           web_store: Store) -> None:
    _trust(server, "127.0.0.1/32", "10.0.0.0/8")
    assert await _ask(browser(), f"{SPOOF}, {CLIENT}, 10.1.2.3") == 200  # through two proxies of ours
    assert await _scopes(web_store) == {f"ip:{CLIENT}"}


def test_client_address() -> None:
    ours = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ffff::/48")]
    assert client_address("10.0.0.2", [f"{SPOOF}, {CLIENT}"], ours) == CLIENT
    assert client_address("10.0.0.2", [SPOOF, f"{CLIENT}, 10.9.9.9"], ours) == CLIENT  # headers in order
    assert client_address(CLIENT, [SPOOF], ours) == CLIENT  # not a proxy of ours: its header means nothing
    assert client_address("::ffff:10.0.0.2", [CLIENT], ours) == CLIENT  # IPv4 on a dual-stack listener
    assert client_address("2001:db8:ffff::1", ["[2001:db8::5]:443"], ours) == "2001:db8::5"
    assert client_address("10.0.0.2", [f"{CLIENT}:5000"], ours) == CLIENT
    assert client_address("10.0.0.2", [f"{CLIENT}, not-an-address"], ours) == "10.0.0.2"  # not our proxies' words
    assert client_address("10.0.0.2", [], ours) == "10.0.0.2"
    assert client_address("10.0.0.2", ["10.0.0.3"], ours) == "10.0.0.3"  # the proxy itself, asking
    assert client_address(None, [CLIENT], ours) is None


def test_trusted_proxies_are_a_setting() -> None:
    assert from_env({}).trusted_proxies == ()
    chosen = from_env({PROXIES_ENV: "127.0.0.1, 10.0.0.0/8 ,::1"}).trusted_proxies
    assert chosen == (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"),
                      ipaddress.ip_network("::1/128"))
    with pytest.raises(SettingError, match=re.escape("10.0.0.300")):
        from_env({PROXIES_ENV: "127.0.0.1, 10.0.0.300"})


def test_a_mistyped_proxy_stops_the_start(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Refused before anything loads, naming the entry: silently trusting nobody would lock everyone out at once."""
    from adapters.web.cli import cmd_serve_web

    monkeypatch.setenv(PROXIES_ENV, "10.0.0.0/33")
    args = argparse.Namespace(port=0, host="127.0.0.1", webhook=None, socket_mode=False, http=False, web=True,
                              web_port=0, slack=False, telegram=False)
    assert cmd_serve_web(args) == 2
    assert "10.0.0.0/33" in capsys.readouterr().err
