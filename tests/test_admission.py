"""Admission (``bot.middleware.Admission``): at most ``limit`` messages handled at once, the rest in arrival
order, and a handler's failure frees its place."""

from __future__ import annotations

import asyncio

import pytest

from bot.messages import Incoming, Reply, say
from bot.middleware import Admission


def message(n: int) -> Incoming:
    return Incoming(platform="memory", user_id=f"u{n}", chat_id=f"c{n}", text=str(n), message_id=str(n))


async def test_at_most_limit_at_once_and_the_rest_in_arrival_order() -> None:
    admission = Admission(limit=3)
    running, most, started = 0, 0, []

    async def handle(incoming: Incoming) -> list[Reply]:
        nonlocal running, most
        started.append(int(incoming.text))
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return [say(incoming.text)]

    replies = await asyncio.gather(*(admission(message(n), handle) for n in range(20)))
    assert [r[0].plain() for r in replies] == [str(n) for n in range(20)]
    assert most == 3 and started == list(range(20))


async def test_a_failing_message_frees_its_place() -> None:
    admission = Admission(limit=1)

    async def fail(incoming: Incoming) -> list[Reply]:
        raise RuntimeError("bug")

    async def answer(incoming: Incoming) -> list[Reply]:
        return [say("ok")]

    with pytest.raises(RuntimeError):
        await admission(message(1), fail)
    assert [r.plain() for r in await asyncio.wait_for(admission(message(2), answer), 1)] == ["ok"]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        Admission(limit=0)
