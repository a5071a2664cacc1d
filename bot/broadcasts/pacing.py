"""Keeping the outbox inside each platform's rate limits: a schedule, and a gate at the wire.

``Pacer`` (the worker's schedule): a send *reserves* a token and is told how long to wait for it (tokens may go
below zero: later sends queue behind earlier ones in order), so many concurrent sends share one pace without
polling. One bucket for the platform as a whole and one per chat (a person's DM, a channel; Telegram groups at
their own lower rate). The clock is injected so tests need not sleep.

``SendGate`` (a sender's last word): a schedule cannot keep a promise about what the server *sees*. The worker
reserves one token per delivery, but a long message goes out in several parts; sends wait for a free slot after
their reserved time, so they bunch; a bucket's burst adds to its rate in the first second (30/s with 0.2 s of
burst let 36 through). The gate is held around each request itself: ``limit`` lanes, each free again ``window``
seconds after its last request *completed*. Of any ``limit + 1`` requests two share a lane, and the later was
sent a full window after the earlier was answered, hence after the server received it: the server never counts
more than ``limit`` in any window. Per chat it is one lane of ``1 / per_chat`` seconds (a group's of
``60 / per_group_per_minute``), so the parts of one split message are a second apart too.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bot.broadcasts.settings import Pacing

Clock = Callable[[], float]
PRUNE_AT = 4096
"""Chat buckets kept before the idle (full) ones are dropped: memory stays flat over a large fan-out."""


class TokenBucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self.tokens = self.capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def delay(self, now: float) -> float:
        """Seconds until a token is free, without taking one."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def reserve(self, now: float) -> float:
        """Take a token; seconds to wait before using it."""
        self._refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity


class Pacer:
    def __init__(self, pacing: Pacing, *, clock: Clock = time.monotonic) -> None:
        self.pacing = pacing
        self.clock = clock
        self.overall = TokenBucket(pacing.overall, pacing.overall * pacing.burst, clock())
        self.chats: dict[str, TokenBucket] = {}

    def _bucket(self, chat: str, now: float) -> TokenBucket:
        bucket = self.chats.get(chat)
        if bucket is None:
            if len(self.chats) >= PRUNE_AT:
                self.chats = {k: b for k, b in self.chats.items() if not b.idle(now)}
            group = self.pacing.per_group_per_minute is not None and chat.startswith("-")
            rate = (self.pacing.per_group_per_minute or 0.0) / 60.0 if group else self.pacing.per_chat
            bucket = self.chats[chat] = TokenBucket(rate, 1.0, now)
        return bucket

    def chat_delay(self, chat: str) -> float:
        """How long ``chat`` must wait for its own next message (the outbox postpones rather than waits long)."""
        return self._bucket(chat, self.clock()).delay(self.clock())

    def reserve(self, chat: str) -> float:
        now = self.clock()
        return max(self._bucket(chat, now).reserve(now), self.overall.reserve(now))


class Window:
    """At most ``limit`` requests in any ``seconds``, as the server receives them (see the module docstring)."""

    def __init__(self, limit: int, seconds: float, *, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._free_at = [-math.inf] * max(1, limit)
        """When each idle lane may be used again; a lane in use is not in the list."""
        self._released = asyncio.Condition()
        self._busy = 0

    @property
    def idle(self) -> bool:
        """No request in flight and every lane free now: nothing is lost by forgetting this window."""
        now = self.clock()
        return not self._busy and all(t <= now for t in self._free_at)

    @asynccontextmanager
    async def use(self) -> AsyncIterator[None]:
        """Hold a lane around one request: wait for the earliest free one, release it when the request ends."""
        async with self._released:
            await self._released.wait_for(lambda: bool(self._free_at))
            lane = min(range(len(self._free_at)), key=self._free_at.__getitem__)
            free_at = self._free_at.pop(lane)
            self._busy += 1
        try:
            wait = free_at - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            yield
        finally:
            async with self._released:
                self._busy -= 1
                self._free_at.append(self.clock() + self.seconds)
                self._released.notify()


class SendGate:
    """A platform's limits held at the wire: one ``Window`` overall and one per chat (``async with gate.send(chat)``
    around each request; the chat's lane is taken first, so a chat's wait never holds an overall lane)."""

    def __init__(self, pacing: Pacing, *, clock: Clock = time.monotonic) -> None:
        self.pacing = pacing
        self.clock = clock
        self.overall = Window(max(1, math.floor(pacing.overall)), 1.0, clock=clock)
        self.chats: dict[str, Window] = {}

    def _window(self, chat: str) -> Window:
        window = self.chats.get(chat)
        if window is None:
            if len(self.chats) >= PRUNE_AT:
                self.chats = {k: w for k, w in self.chats.items() if not w.idle}
            group = self.pacing.per_group_per_minute is not None and chat.startswith("-")
            per_second = (self.pacing.per_group_per_minute or 0.0) / 60.0 if group else self.pacing.per_chat
            window = self.chats[chat] = Window(1, 1.0 / per_second, clock=self.clock)
        return window

    @asynccontextmanager
    async def send(self, chat: str) -> AsyncIterator[None]:
        async with self._window(chat).use(), self.overall.use():
            yield
