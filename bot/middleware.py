"""Checks every message passes before dispatch, as a chain: each calls ``proceed`` or answers itself.

Only cheap in-memory checks live here (bots, size, rate, then admission: how many messages are handled at
once), so a flood from one account costs nothing but a dictionary lookup; duplicate deliveries are caught in
the dialogue's one database read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from bot.messages import Incoming, Reply, Visibility, say
from bot.usertext import clean

Next = Callable[[Incoming], Awaitable[list[Reply]]]
Middleware = Callable[[Incoming, Next], Awaitable[list[Reply]]]

MAX_MESSAGE_CHARS = 10_000
MAX_TRACKED = 50_000
ADMITTED = 16
"""Messages one process handles at once (``Admission``): four Q&A threads' worth of questions in retrieval,
as many again at the database, and some to spare."""


def chain(middleware: list[Middleware], final: Next) -> Next:
    handler = final
    for step in reversed(middleware):
        handler = _bind(step, handler)
    return handler


def _bind(step: Middleware, proceed: Next) -> Next:
    async def run(incoming: Incoming) -> list[Reply]:
        return await step(incoming, proceed)

    return run


async def ignore_bots(incoming: Incoming, proceed: Next) -> list[Reply]:
    """Our own messages (and other bots') echo back on most platforms; answering them loops."""
    return [] if incoming.from_bot else await proceed(incoming)


async def clean_text(incoming: Incoming, proceed: Next) -> list[Reply]:
    """Control characters (ANSI escapes, NUL, the rest of C0 and C1) never get past here: nothing stored or shown
    again (a report, a question kept for feedback, a name) can carry them (``bot.usertext.clean``)."""
    cleaned = clean(incoming.text)
    return await proceed(incoming if cleaned == incoming.text else replace(incoming, text=cleaned))


def size_limit(max_chars: int = MAX_MESSAGE_CHARS) -> Middleware:
    async def check(incoming: Incoming, proceed: Next) -> list[Reply]:
        if len(incoming.text) > max_chars:
            return [say(f"Your message is {len(incoming.text):,} characters long; please send at most "
                        f"{max_chars:,} (a question is usually a sentence or two).", kind="too_long")]
        return await proceed(incoming)

    return check


@dataclass
class RateLimit:
    """A token bucket per person: ``burst`` messages at once, then one every ``per_seconds / rate``.

    Per worker process: several workers each allow the rate, which is still far below a flood. The
    first refused message gets a polite reply; the rest of the burst is dropped silently.
    """

    rate: int = 20
    per_seconds: float = 60.0
    burst: int = 10
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[tuple[str, str], tuple[float, float, bool]] = field(default_factory=dict)

    def allow(self, platform: str, user_id: str) -> tuple[bool, bool]:
        """(allowed, warn): ``warn`` is True only for the first refusal of a run."""
        now = self.clock()
        if len(self._buckets) > MAX_TRACKED:
            self._forget_idle(now)
        tokens, last, warned = self._buckets.get((platform, user_id), (float(self.burst), now, False))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate / self.per_seconds)
        if tokens >= 1.0:
            self._buckets[(platform, user_id)] = (tokens - 1.0, now, False)
            return True, False
        self._buckets[(platform, user_id)] = (tokens, now, True)
        return False, not warned

    def _forget_idle(self, now: float) -> None:
        """People whose bucket has refilled need no entry: memory stays bounded under many users."""
        full = self.burst * self.per_seconds / self.rate
        self._buckets = {key: value for key, value in self._buckets.items() if now - value[1] < full}

    async def __call__(self, incoming: Incoming, proceed: Next) -> list[Reply]:
        allowed, warn = self.allow(incoming.platform, incoming.user_id)
        if allowed:
            return await proceed(incoming)
        if warn:
            return [say("You're sending messages faster than I can answer them; please wait a minute and "
                        "try again.", visibility=Visibility.EPHEMERAL, kind="rate_limited")]
        return []


class Admission:
    """At most ``limit`` messages are handled at once by this process; the rest wait their turn, first come,
    first served.

    Without it, a crowd of simultaneous messages all start at once and then queue wherever they meet: for the
    database pool, for the Q&A threads, for Python's lock. Those queues are not fair (a waiter woken for a freed
    connection can lose it to a newcomer and go to the back), so under a burst some people waited 10-16 s while
    the median was 2.5 s. Waiting here instead is in arrival order, costs nothing but a place in a queue, and
    ``limit`` is still enough to keep the question encoder, the database and the event loop all busy.
    """

    def __init__(self, limit: int = ADMITTED) -> None:
        if limit < 1:
            raise ValueError("the admission limit must be at least 1")
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        """One per event loop: a semaphore belongs to the loop it first waited on (tests run several loops)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop = asyncio.Semaphore(self.limit), loop
        return self._slots

    async def __call__(self, incoming: Incoming, proceed: Next) -> list[Reply]:
        async with self._semaphore():
            return await proceed(incoming)
