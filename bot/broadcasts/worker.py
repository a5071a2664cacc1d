"""The outbox worker: claim due deliveries, pace them, send, record each result the moment it is known.

- Pace: a token bucket per platform and per chat (``pacing.py``); a chat that must wait long is postponed in
  the database rather than holding a slot.
- 429: the delivery is due again after ``Retry-After`` (other chats carry on). 5xx, timeouts: exponential
  backoff with jitter, then given up as ``gave_up``. Permanent errors (blocked, left, not found): failed at
  once, and reported to the broadcast's sender once the broadcast is settled.
- Records: sends that finish together are recorded in one transaction (``_record``); a send keeps its slot
  until its row is committed, so the sends in doubt after a crash are never more than the slots.
- Restart: a claim is a lease. A worker that dies leaves its in-flight rows ``sending``; they are due again
  when the lease runs out (or at once when a SQLite worker starts, SQLite having one worker) and counted
  ``doubtful``: only those can have reached someone twice.
"""

from __future__ import annotations

import asyncio
import fcntl
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any, TypeVar

from bot.broadcasts.compose import delivery_reply
from bot.broadcasts.ephemeral import forget, holds_secret
from bot.broadcasts.pacing import Pacer
from bot.broadcasts.sending import Permanent, RetryAfter, Sender, Transient
from bot.broadcasts.settings import DEFAULT_PACING, DELIVERY_PLATFORMS, UNPACED, Pacing
from bot.cases.reminders import remind_unacknowledged
from bot.store import Store, StoreError
from bot.store.broadcasts import Broadcast
from bot.store.deliveries import Delivery
from bot.store.models import aware, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    batch: int = 100
    concurrency: int = 8
    """Sends in flight per platform: enough for the platforms' paces at their latencies, and the most that a
    crash can leave in doubt (sent, not yet recorded) per platform."""
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 8
    """For transient errors; a row retried this often is given up."""
    max_rate_limited: int = 40
    backoff: float = 1.0
    max_backoff: float = 600.0
    max_inline_wait: float = 2.0
    idle_poll: float = 1.0
    housekeeping_every: float = 30.0


@dataclass
class WorkerStats:
    sent: int = 0
    rate_limited: int = 0
    transient: int = 0
    failed: int = 0
    postponed: int = 0
    recovered: int = 0
    by_platform: dict[str, int] = field(default_factory=dict)


class OutboxWorker:
    def __init__(self, store: Store, senders: Mapping[str, Sender], *, pacing: Mapping[str, Pacing] | None = None,
                 options: WorkerOptions | None = None, now: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, rng: random.Random | None = None) -> None:
        self.store = store
        self.outbox = store.broadcasts.outbox
        self.senders = dict(senders)
        paces = {**DEFAULT_PACING, **(pacing or {})}
        self.pacers = {p: Pacer(paces.get(p, UNPACED)) for p in self.senders}
        self.options = options or WorkerOptions()
        self.now = now
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.stats = WorkerStats()
        self._broadcasts: dict[int, Broadcast] = {}
        self._fetching = asyncio.Lock()
        self._slots = {p: asyncio.Semaphore(self.options.concurrency) for p in self.senders}
        self._started = False
        self._marks: list[tuple[int, str, asyncio.Future[None]]] = []
        self._marked = asyncio.Event()
        self._recorder: asyncio.Task[None] | None = None
        self._closing = False
        self._lock: OutboxLocks | None = None

    async def start(self) -> None:
        """A SQLite worker is the only one (a lock file beside the database makes sure): whatever its
        predecessor held when it died is due again now."""
        if not self._started and self.store.database.is_sqlite:
            self._lock = single_worker(self.store.database.url.database, list(self.senders))
            self.stats.recovered += await whole(self.outbox.recover(list(self.senders)))
        self._started = True

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        self._started = False

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set: one loop per platform, reminders and reports now and then."""
        await self.start()
        self._start_recording()
        loops = [asyncio.create_task(self._platform_loop(p, stop)) for p in self.senders]
        try:
            while not stop.is_set():
                await self.housekeeping()
                await _wait(stop, self.options.housekeeping_every)
        finally:
            if not stop.is_set():  # cancelled rather than asked to stop
                for loop in loops:
                    loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            self._stop_recording()
            self._release()

    async def drain(self, *, timeout: float = 60.0) -> WorkerStats:
        """Deliver until nothing is outstanding for this worker's platforms (tests, the bench, ``--until-idle``)."""
        await self.start()
        self._start_recording()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await asyncio.gather(*(self._platform_loop(p, None) for p in self.senders))
                    if not await self.housekeeping() and not await self.outbox.outstanding(list(self.senders)):
                        return self.stats
        finally:
            self._stop_recording()  # dies with the worker: an unrecorded send stays in doubt, as after a crash
            self._release()

    async def _record(self) -> None:
        """Commit the sends that finished since the last commit, together; wake each sender when its row is in.

        Stopped (``_stop_recording``) it finishes the commit under way and records nothing more: what was not
        committed stays in doubt, exactly as if the process had died there."""
        while not self._closing:
            await self._marked.wait()
            self._marked.clear()
            batch, self._marks = self._marks, []
            if not batch or self._closing:
                continue
            try:
                await whole(self.outbox.sent_many([(i, m) for i, m, _ in batch], now=self.now()))
            except Exception as error:  # the rows stay in doubt and are sent again after their lease
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)

    def _start_recording(self) -> None:
        self._closing = False
        self._marks = []
        self._recorder = asyncio.create_task(self._record())

    def _stop_recording(self) -> None:
        """Not ``cancel()``: a commit cut off half-way would leave SQLite locked for the next worker."""
        self._closing = True
        self._marked.set()

    async def _mark_sent(self, delivery_id: int, message_id: str) -> None:
        if self._recorder is None or self._recorder.done() or self._closing:
            await whole(self.outbox.sent(delivery_id, message_id, now=self.now()))
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((delivery_id, message_id, done))
        self._marked.set()
        try:
            await done
        except Exception as error:
            log.warning("a send to %s could not be recorded (%s); it will be retried", "the platform",
                        type(error).__name__)

    async def housekeeping(self) -> int:
        """Queue due reminders (of broadcasts and of confidential cases nobody acknowledged for 7 days) and failure
        reports; how many were queued.

        For every delivery platform, not only this worker's: reminders and reports are claimed once per
        broadcast, and a Slack-only worker that claimed them must still queue the Telegram ones (a Telegram
        worker sends those)."""
        platforms = sorted(set(DELIVERY_PLATFORMS) | set(self.senders))
        cases = await remind_unacknowledged(self.store, now=self.now(), platforms=platforms)  # a quiet serve too
        return (await whole(self.store.broadcasts.remind(platforms, now=self.now()))
                + await whole(self.store.broadcasts.report_failures(platforms, now=self.now())) + len(cases))

    async def _platform_loop(self, platform: str, stop: asyncio.Event | None) -> None:
        """With ``stop``: until it is set. Without: until this platform has nothing outstanding.

        Claims overlap: the next rows are claimed when half of the last claim is done, so the pace never
        waits for a batch's slowest send or for the claim itself."""
        inflight: set[asyncio.Task[None]] = set()
        held: set[int] = set()
        """Rows this worker is sending: never claimed again by it even if their lease runs out meanwhile (a slow
        batch), which would send them twice."""
        try:
            while stop is None or not stop.is_set():
                room = self.options.batch - len(inflight)
                claimed = await self._claim(platform, room, held) if room >= self.options.batch // 2 else []
                for delivery in claimed:
                    task = asyncio.create_task(self._deliver(delivery))
                    inflight.add(task)
                    held.add(delivery.id)
                    task.add_done_callback(inflight.discard)
                    task.add_done_callback(functools.partial(_forget, held, delivery.id))
                if inflight and (not claimed or len(inflight) > self.options.batch // 2):
                    await asyncio.wait(set(inflight), return_when=asyncio.FIRST_COMPLETED)
                    continue
                if claimed:
                    continue
                await self._idle(platform, stop)
                if stop is None and not await self.outbox.outstanding([platform]):
                    return
            await asyncio.gather(*inflight, return_exceptions=True)  # asked to stop: finish and record what is out
        finally:
            for task in inflight:  # the worker is stopping (or dying): in-flight rows stay claimed, in doubt
                task.cancel()

    async def _claim(self, platform: str, limit: int, held: Collection[int] = ()) -> list[Delivery]:
        return await whole(self.outbox.claim(platform, limit=limit, lease=self.options.lease, now=self.now(),
                                             exclude=held))

    async def _idle(self, platform: str, stop: asyncio.Event | None) -> None:
        """Nothing due: wait for the next row that will be (a retry), at most ``idle_poll``."""
        if stop is None and not await self.outbox.outstanding([platform]):
            return
        due = await self.outbox.next_due(platform)
        wait = self.options.idle_poll
        if due is not None:
            wait = min(wait, max(0.01, (aware(due) - self.now()).total_seconds()))
        if stop is None:
            await self.sleep(wait)
        else:
            await _wait(stop, wait)

    async def run_once(self, platform: str) -> int:
        """Claim one batch of due rows for ``platform`` and deliver them all; how many were claimed."""
        claimed = await self._claim(platform, self.options.batch)
        if claimed:
            await asyncio.gather(*(self._deliver(d) for d in claimed))
        return len(claimed)

    async def _broadcast(self, broadcast_id: int) -> Broadcast | None:
        """Read once per worker, not once per delivery (a batch asks for the same one many times at once)."""
        if broadcast_id in self._broadcasts:
            return self._broadcasts[broadcast_id]
        async with self._fetching:
            if broadcast_id not in self._broadcasts:
                found = await self.store.broadcasts.get(broadcast_id)
                if found is None:
                    return None
                if len(self._broadcasts) > 64:
                    self._broadcasts.clear()
                self._broadcasts[broadcast_id] = found
        return self._broadcasts[broadcast_id]

    async def _deliver(self, delivery: Delivery) -> None:
        pacer = self.pacers[delivery.platform]
        delay = pacer.chat_delay(delivery.recipient)
        if delay > self.options.max_inline_wait:
            self.stats.postponed += 1
            await whole(self.outbox.postpone(delivery.id, self.now() + timedelta(seconds=delay)))
            return
        broadcast = await self._broadcast(delivery.broadcast_id)
        if broadcast is None:
            await whole(self.outbox.fail(delivery.id, "no_broadcast"))
            return
        standing = await self.store.broadcasts.standing(broadcast) if delivery.purpose == "report" else None
        reply = delivery_reply(broadcast, delivery.purpose, standing=standing)
        wait = pacer.reserve(delivery.recipient)
        if wait > 0:
            await self.sleep(wait)
        async with self._slots[delivery.platform]:  # a slot covers the send *and* its record: in flight = in doubt
            try:
                message_id = await self.senders[delivery.platform].send(delivery.recipient, reply)
            except RetryAfter as error:
                await self._again(delivery, error.seconds, error.kind, limit=self.options.max_rate_limited)
                self.stats.rate_limited += 1
                return
            except Permanent as error:
                await self._fail(delivery, error.kind)
                return
            except Transient as error:
                await self._again(delivery, self._backoff(delivery.attempts), error.kind)
                self.stats.transient += 1
                return
            except Exception as error:  # a sender's bug must not stop the outbox; retried like a network error
                log.warning("%s sender raised %s", delivery.platform, type(error).__name__)
                await self._again(delivery, self._backoff(delivery.attempts), type(error).__name__)
                self.stats.transient += 1
                return
            await self._mark_sent(delivery.id, message_id)
        self.stats.sent += 1
        self.stats.by_platform[delivery.platform] = self.stats.by_platform.get(delivery.platform, 0) + 1
        await self._settled(delivery.broadcast_id)

    async def _settled(self, broadcast_id: int) -> None:
        """A message holding a secret (a web sign-in code, ``ephemeral.py``) loses it once no delivery of it is
        outstanding. Best effort: a failure here is not the delivery's, and the web console blanks it at expiry."""
        broadcast = self._broadcasts.get(broadcast_id)
        if broadcast is None or not holds_secret(broadcast.content):
            return
        self._broadcasts.pop(broadcast_id, None)  # no copy of the secret kept in memory either
        try:
            await whole(forget(self.store, broadcast_id, broadcast.content))
        except Exception as error:
            log.warning("a delivered code could not be removed from the outbox (%s)", type(error).__name__)

    async def _again(self, delivery: Delivery, seconds: float, kind: str, *, limit: int | None = None) -> None:
        if delivery.attempts >= (limit or self.options.max_attempts):
            await self._fail(delivery, "gave_up")
            return
        await whole(self.outbox.retry(delivery.id, self.now() + timedelta(seconds=seconds), kind))

    async def _fail(self, delivery: Delivery, kind: str) -> None:
        self.stats.failed += 1
        log.info("delivery %d on %s failed for good: %s", delivery.id, delivery.platform, kind)
        await whole(self.outbox.fail(delivery.id, kind))
        await self._settled(delivery.broadcast_id)

    def _backoff(self, attempts: int) -> float:
        """Exponential, with jitter so retries from many rows do not arrive together."""
        base: float = min(self.options.max_backoff, self.options.backoff * 2.0 ** max(0, attempts - 1))
        return base * (0.5 + self.rng.random() / 2)


class OutboxBusy(StoreError):
    """Another outbox worker already serves this SQLite database."""


def _forget(held: set[int], row: int, _task: asyncio.Task[None]) -> None:
    held.discard(row)


class OutboxLocks:
    """The per-platform lock files a SQLite outbox worker holds; ``close`` releases them all."""

    def __init__(self, handles: list[IO[bytes]]) -> None:
        self.handles = handles

    def close(self) -> None:
        for handle in self.handles:
            handle.close()  # closing the file releases the lock (as the OS does when a process dies)
        self.handles = []


def single_worker(database: str | None, platforms: Collection[str] = DELIVERY_PLATFORMS) -> OutboxLocks | None:
    """Hold ``<database>.outbox-<platform>.lock`` (flock) for each platform this worker sends on, for as long
    as it runs; ``OutboxBusy`` if any is taken.

    Two SQLite workers on one platform would each recover the other's in-flight rows as abandoned and send them
    again; workers on different platforms (``serve --slack`` beside ``serve --telegram``) never touch each
    other's rows, so each platform has its own lock."""
    if not database or database == ":memory:":
        return None
    held = OutboxLocks([])
    for platform in sorted(platforms):
        handle = open(f"{database}.outbox-{platform}.lock", "ab")  # noqa: SIM115  (the lock lives with the file)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            held.close()
            raise OutboxBusy(f"Another outbox worker is already running for {platform} on this SQLite "
                             "database; run one per platform, or use PostgreSQL (PROTOCOL_BOT_DATABASE_URL) for "
                             "several.") from None
        held.handles.append(handle)
    return held


async def whole(write: Coroutine[Any, Any, T]) -> T:
    """A database write runs to its end even if the worker is cancelled meanwhile (shutdown, a test's crash):
    a transaction cut off inside the driver can leave SQLite locked; a finished one is simply what was done."""
    return await asyncio.shield(write)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
