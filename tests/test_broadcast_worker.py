"""The outbox worker on SQLite and PostgreSQL against platforms in memory: retries, permanent failures and the
report to the Clerk, restarts mid-broadcast, a member on two platforms, acknowledgements and reminders."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.broadcasts.compose import notice_content, to_json
from bot.broadcasts.pacing import Pacer
from bot.broadcasts.sending import MemorySender, Permanent, RetryAfter, Transient
from bot.broadcasts.settings import Pacing
from bot.broadcasts.worker import OutboxWorker, WorkerOptions
from bot.messages import Reply
from bot.store import Store
from bot.store.models import utcnow
from config.councils import RosterEntry
from tests.databases import BACKENDS, open_store

FAST = WorkerOptions(batch=20, concurrency=4, backoff=0.01, max_backoff=0.05, idle_poll=0.02,
                     lease=timedelta(seconds=0.3), max_inline_wait=5.0)
PACE = {"slack": Pacing(overall=5000, per_chat=5000), "telegram": Pacing(overall=5000, per_chat=5000)}
CLERK = RosterEntry(name="Ann Clerk", roles=("clerk",), handles={"slack": "UCLERK"})


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(request.param, tmp_path) as opened:
        yield opened


def senders() -> dict[str, MemorySender]:
    return {"slack": MemorySender("slack"), "telegram": MemorySender("telegram")}


def worker(store: Store, platforms: dict[str, MemorySender], **options: object) -> OutboxWorker:
    chosen = dataclasses.replace(FAST, **options)  # type: ignore[arg-type]
    return OutboxWorker(store, platforms, pacing=PACE, options=chosen)


async def roster(store: Store, members: int, *, both: bool = False) -> None:
    entries = [CLERK] + [
        RosterEntry(name=f"Cllr {i:03d}", roles=("councillor",),
                    handles={"slack": f"U{i:03d}", "telegram": str(1000 + i)} if both else
                    ({"slack": f"U{i:03d}"} if i % 2 else {"telegram": str(1000 + i)}))
        for i in range(members)]
    await store.members.sync_roster("wendlebury", entries)


async def notice(store: Store, text: str = "Meeting moved to Thursday.", **kwargs: object) -> int:
    clerk = await store.members.by_identity("slack", "UCLERK")
    assert clerk is not None
    broadcast, _ = await store.broadcasts.create("wendlebury", "notice", to_json(notice_content("Wendlebury", text)),
                                                 platforms=("slack", "telegram"), created_by=clerk.id,
                                                 **kwargs)  # type: ignore[arg-type]
    return broadcast.id


async def test_every_member_once_on_each_linked_platform(store: Store) -> None:
    await roster(store, 10)
    await notice(store)
    platforms = senders()
    stats = await worker(store, platforms).drain(timeout=30)
    received = Counter(who for sender in platforms.values() for who, _ in sender.sent)
    assert len(received) == 11 and set(received.values()) == {1}  # ten members and the Clerk
    assert stats.sent == 11 and stats.failed == 0


async def test_429_and_5xx_are_retried_and_permanent_failures_reported_to_the_clerk(store: Store) -> None:
    await roster(store, 6)
    broadcast_id = await notice(store)
    platforms = senders()
    platforms["slack"].fail(RetryAfter(0.05), recipient="U001", times=2)
    platforms["telegram"].fail(Transient("server_error"), recipient="1002", times=3)
    platforms["telegram"].fail(Permanent("blocked"), recipient="1004")
    stats = await worker(store, platforms).drain(timeout=30)
    assert len(platforms["slack"].to("U001")) == 1 and len(platforms["telegram"].to("1002")) == 1
    assert platforms["telegram"].to("1004") == []
    assert stats.rate_limited == 2 and stats.transient == 3 and stats.failed == 1
    report = [r for r in platforms["slack"].to("UCLERK") if r.kind == "broadcast_report"]
    assert len(report) == 1 and "Cllr 004 on telegram (has blocked the bot" in report[0].plain()
    assert (await store.broadcasts.outbox.counts(broadcast_id)) == {"sent": 7, "failed": 1}


async def test_a_row_that_keeps_failing_is_given_up(store: Store) -> None:
    await roster(store, 2)
    await notice(store)
    platforms = senders()
    platforms["slack"].fail(Transient(), recipient="U001", times=10)
    stats = await worker(store, platforms, max_attempts=3).drain(timeout=30)
    assert platforms["slack"].to("U001") == [] and stats.failed == 1 and stats.transient == 3


class CrashingSender(MemorySender):
    """Accepts the message, then 'kills the process' (cancels the worker) at chosen acceptances: the crash
    falls between the platform accepting and the outbox recording, the one window that can duplicate."""

    def __init__(self, platform: str, crash_at: set[int]) -> None:
        super().__init__(platform)
        self.crash_at = crash_at
        self.task: asyncio.Task[object] | None = None
        self.crashes = 0

    async def send(self, recipient: str, reply: Reply) -> str:
        message_id = await super().send(recipient, reply)
        if len(self.sent) in self.crash_at and self.task is not None:
            self.crash_at.discard(len(self.sent))
            self.crashes += 1
            self.task.cancel()
            await asyncio.sleep(0)
        return message_id


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_restart_mid_broadcast_reaches_everyone_and_duplicates_only_what_was_in_doubt(
        store: Store, concurrency: int) -> None:
    """Killed six times at random points. One send in flight at a time (one platform, concurrency 1): at most
    one duplicate per crash. Several in flight: at most the sends found in doubt at restart."""
    await roster(store, 40)
    await notice(store)
    rng = random.Random(concurrency)
    slack = CrashingSender("slack", set(rng.sample(range(2, 21), 3)))
    telegram = CrashingSender("telegram", set(rng.sample(range(2, 20), 3)))
    platforms = {"slack": slack, "telegram": telegram}
    groups = [["slack"], ["telegram"]] if concurrency == 1 else [["slack", "telegram"]]
    for group in groups:
        for _ in range(10):  # a new worker after each crash, as a restarted process would be
            current = OutboxWorker(store, {p: platforms[p] for p in group}, pacing=PACE,
                                   options=dataclasses.replace(FAST, concurrency=concurrency))
            task = asyncio.create_task(current.drain(timeout=30))
            slack.task = telegram.task = task
            try:
                await task
                break
            except asyncio.CancelledError:
                await asyncio.sleep(0.35)  # PostgreSQL: the dead worker's lease runs out (SQLite recovers at start)
    received = Counter(who for sender in platforms.values() for who, _ in sender.sent)
    crashes = slack.crashes + telegram.crashes
    duplicates = sum(received.values()) - len(received)
    assert crashes == 6 and len(received) == 41
    assert duplicates <= await store.broadcasts.outbox.doubtful()
    if concurrency == 1:
        assert duplicates <= crashes
    assert await store.broadcasts.outbox.outstanding() == 0


async def test_member_on_two_platforms_receives_both_and_acknowledges_once(store: Store) -> None:
    await roster(store, 3, both=True)
    broadcast_id = await notice(store, needs_ack=True)
    platforms = senders()
    await worker(store, platforms).drain(timeout=30)
    assert len(platforms["slack"].to("U001")) == 1 and len(platforms["telegram"].to("1001")) == 1
    member = await store.members.by_identity("telegram", "1001")
    broadcast = await store.broadcasts.get(broadcast_id)
    assert member is not None and broadcast is not None
    assert await store.broadcasts.acknowledge(broadcast, member, "slack") is None
    assert await store.broadcasts.acknowledge(broadcast, member, "telegram") is not None  # already
    standing = await store.broadcasts.standing(broadcast)
    assert [name for name, _ in standing.acknowledged] == ["Cllr 001"]
    assert standing.waiting == ["Ann Clerk", "Cllr 000", "Cllr 002"]


async def test_reminder_goes_once_to_those_who_have_not_acknowledged(store: Store) -> None:
    await roster(store, 4)
    broadcast_id = await notice(store, needs_ack=True, remind_after=timedelta(hours=1))
    platforms = senders()
    await worker(store, platforms).drain(timeout=30)
    broadcast = await store.broadcasts.get(broadcast_id)
    acked = await store.members.by_identity("slack", "U001")
    assert broadcast is not None and acked is not None
    await store.broadcasts.acknowledge(broadcast, acked, "slack")
    assert await store.broadcasts.remind(["slack", "telegram"]) == 0  # not yet due
    later = utcnow() + timedelta(hours=2)
    assert await store.broadcasts.remind(["slack", "telegram"], now=later) == 4  # the Clerk and three members
    assert await store.broadcasts.remind(["slack", "telegram"], now=later) == 0  # once only
    await OutboxWorker(store, platforms, pacing=PACE, options=FAST, now=lambda: later).drain(timeout=30)
    assert [r.kind for r in platforms["slack"].to("U001")] == ["broadcast_broadcast"]
    reminded = platforms["slack"].to("U003")
    assert [r.kind for r in reminded] == ["broadcast_broadcast", "broadcast_reminder"]
    assert reminded[1].plain().startswith("Reminder:") and reminded[1].buttons[0].label == "Acknowledge"


async def test_the_clerk_pressing_remind_twice_in_one_second_reminds_each_member_once(store: Store) -> None:
    await roster(store, 3)
    broadcast_id = await notice(store, needs_ack=True)
    platforms = senders()
    await worker(store, platforms).drain(timeout=30)
    broadcast = await store.broadcasts.get(broadcast_id)
    assert broadcast is not None
    now = utcnow()
    assert await store.broadcasts.remind_now(broadcast, ["slack", "telegram"], now=now) == 4  # Clerk + 3 members
    assert await store.broadcasts.remind_now(broadcast, ["slack", "telegram"], now=now) == 0  # the double click
    await OutboxWorker(store, platforms, pacing=PACE, options=FAST, now=lambda: now).drain(timeout=30)
    assert [r.kind for r in platforms["telegram"].to("1000")] == ["broadcast_broadcast", "broadcast_reminder"]
    later = now + timedelta(seconds=5)
    assert await store.broadcasts.remind_now(broadcast, ["slack", "telegram"], now=later) == 4  # asked again


def test_pacer_spaces_sends_per_platform_per_chat_and_per_group() -> None:
    now = [0.0]
    pacer = Pacer(Pacing(overall=10, per_chat=1, per_group_per_minute=20, burst=0.1), clock=lambda: now[0])
    waits = [pacer.reserve(f"user{i}") for i in range(4)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])
    now[0] = 10.0
    assert pacer.reserve("user1") == 0.0 and pacer.chat_delay("user1") == pytest.approx(1.0)
    assert pacer.reserve("-100123") == pytest.approx(0.1)  # its own bucket is free; the platform's is not
    assert pacer.chat_delay("-100123") == pytest.approx(3.0)  # 20 a minute
