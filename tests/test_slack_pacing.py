"""Slack broadcasts keep Slack's pace as Slack receives them (issue 15, the Slack side of finding 13): about one
message a second per channel (a person's DM is one), the parts of a long message included, and the outbox's ten a
second overall. The worker's schedule reserved one slot per delivery, so the parts of a split message reached one
DM back to back. The real worker and sender against the fake Web API, timed where the fake receives them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import pairwise
from pathlib import Path

import pytest

from adapters.slack.sender import SlackSender
from bot.broadcasts.worker import OutboxWorker, WorkerOptions
from config.councils import RosterEntry
from tests.databases import open_store
from tests.slack_fake import FakeSlack

MEMBERS = 12


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))


async def test_a_split_broadcast_reaches_each_dm_a_second_apart_and_ten_a_second_overall(
        slack: FakeSlack, tmp_path: Path) -> None:
    quotes = [{"quote": f"Clause {n}: councillors must not instruct employees directly.", "citation": f"5.{n}",
               "clause_id": f"wendlebury:5.{n}"} for n in range(30)]  # 60 blocks: two Slack messages
    async with open_store("sqlite", tmp_path) as store:
        await store.members.sync_roster("wendlebury", [
            RosterEntry(name=f"Cllr {i}", roles=("councillor",), handles={"slack": f"U{i:04d}"})
            for i in range(MEMBERS)])
        await store.broadcasts.create("wendlebury", "notice", [{"text": "Changes to clause 5."}, *quotes],
                                      platforms=("slack",))
        sender = SlackSender("xoxb-test", base_url=slack.url)
        try:  # the worker's own default pacing for Slack
            await OutboxWorker(store, {"slack": sender}, options=WorkerOptions(idle_poll=0.05)).drain(timeout=60)
        finally:
            await sender.close()
    posted = slack.of("chat.postMessage")
    assert len(posted) == MEMBERS * 2, "each member gets both parts"
    assert busiest_second([call.at for call in posted]) <= 10
    for i in range(MEMBERS):
        times = sorted(call.at for call in posted if call.args["channel"] == f"U{i:04d}")
        assert len(times) == 2 and all(later - earlier >= 1.0 for earlier, later in pairwise(times))
