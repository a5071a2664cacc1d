"""Token buckets that keep the outbox inside each platform's rate limits.

A send *reserves* a token and is told how long to wait for it (tokens may go below zero: later sends queue
behind earlier ones in order), so many concurrent sends share one pace without polling. One bucket for the
platform as a whole and one per chat (a person's DM, a channel; Telegram groups at their own lower rate).
The clock is injected so tests need not sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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
