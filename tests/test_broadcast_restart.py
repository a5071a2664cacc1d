"""Restart safety as deployed: ``protocol-bot outbox`` in its own process, killed with SIGKILL mid-broadcast
(twice) and started again, against the fake Bot API; and two workers sharing one PostgreSQL outbox."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.broadcasts.compose import notice_content, to_json
from bot.broadcasts.sending import MemorySender
from bot.broadcasts.settings import Pacing
from bot.broadcasts.worker import OutboxBusy, OutboxWorker, WorkerOptions
from bot.store import Store
from config.councils import RosterEntry
from tests.databases import pg_schema
from tests.telegram_fake import TOKEN, FakeTelegram

MEMBERS = 60
PROTOCOL_BOT = str(Path(sys.executable).with_name("protocol-bot"))


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


async def queue_notice(store: Store, platform: str = "telegram") -> None:
    await store.members.sync_roster("wendlebury", [
        RosterEntry(name=f"Cllr {i:02d}", roles=("councillor",), handles={platform: str(5000 + i)})
        for i in range(MEMBERS)])
    await store.broadcasts.create("wendlebury", "notice", to_json(notice_content("Wendlebury", "Meeting moved.")),
                                  platforms=(platform,))


def accepted(fake: FakeTelegram) -> Counter[str]:
    return Counter(call.chat_id for call in fake.sent())


async def test_killed_twice_and_restarted_everyone_gets_it_duplicates_only_in_doubt(
        home: Path, telegram: FakeTelegram) -> None:
    store = await Store.open(data_dir=home)
    try:
        await queue_notice(store)
    finally:
        await store.close()
    env = {**os.environ, "PROTOCOL_BOT_HOME": str(home), "TELEGRAM_BOT_TOKEN": TOKEN,
           "PROTOCOL_BOT_TELEGRAM_API_URL": telegram.base_url}
    env.pop("SLACK_BOT_TOKEN", None)
    env.pop("PROTOCOL_BOT_DATABASE_URL", None)
    kills = 0
    for kill_at in (12, 30, None):
        process = await asyncio.create_subprocess_exec(PROTOCOL_BOT, "outbox", "--until-idle", env=env,
                                                       stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.PIPE)
        if kill_at is None:
            _, err = await asyncio.wait_for(process.communicate(), timeout=120)
            assert process.returncode == 0, err.decode()
            break
        deadline = time.monotonic() + 60
        while sum(accepted(telegram).values()) < kill_at and process.returncode is None:
            assert time.monotonic() < deadline, "the outbox never got going"
            await asyncio.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        kills += 1
    received = accepted(telegram)
    duplicates = sum(received.values()) - len(received)
    store = await Store.open(data_dir=home)
    try:
        doubtful = await store.broadcasts.outbox.doubtful()
        outstanding = await store.broadcasts.outbox.outstanding()
    finally:
        await store.close()
    assert kills == 2 and len(received) == MEMBERS and outstanding == 0
    assert duplicates <= doubtful  # only sends found in doubt at restart can have arrived twice
    assert duplicates <= kills * WorkerOptions().concurrency  # at most the sends in flight when it died


async def test_two_postgres_workers_share_the_outbox_without_sending_twice() -> None:
    async with pg_schema() as (url, schema):
        stores = [await Store.open(url, schema=schema), await Store.open(url, schema=schema)]
        try:
            await queue_notice(stores[0], platform="slack")
            sender = MemorySender("slack")
            options = WorkerOptions(batch=7, concurrency=4, idle_poll=0.02)
            pace = {"slack": Pacing(overall=5000, per_chat=5000)}
            both = await asyncio.gather(*(OutboxWorker(s, {"slack": sender}, pacing=pace, options=options)
                                          .drain(timeout=60) for s in stores))
            received = Counter(who for who, _ in sender.sent)
            assert len(received) == MEMBERS and set(received.values()) == {1}
            assert all(stats.sent > 0 for stats in both)  # both claimed work: SKIP LOCKED, not one waiting
        finally:
            for store in stores:
                await store.close()


async def test_a_serving_worker_delivers_and_stops_when_asked(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        await queue_notice(store, platform="slack")
        sender = MemorySender("slack")
        stop = asyncio.Event()
        worker = OutboxWorker(store, {"slack": sender}, pacing={"slack": Pacing(overall=5000, per_chat=5000)},
                              options=WorkerOptions(idle_poll=0.02))
        serving = asyncio.create_task(worker.run(stop))
        while len(sender.sent) < MEMBERS:
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(serving, timeout=10)
        assert len({who for who, _ in sender.sent}) == MEMBERS and await store.broadcasts.outbox.outstanding() == 0
    finally:
        await store.close()


async def test_a_second_sqlite_worker_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        first = OutboxWorker(store, {"slack": MemorySender("slack")})
        await first.start()
        with pytest.raises(OutboxBusy, match="already running"):
            await OutboxWorker(store, {"slack": MemorySender("slack")}).start()
        first._release()
        await OutboxWorker(store, {"slack": MemorySender("slack")}).drain(timeout=10)  # free again
    finally:
        await store.close()
