"""The one read every message makes (``Store.lookup``), on SQLite and PostgreSQL: the claim on the message id,
the member, the chat's council and the conversation, as the separate repository reads would give them."""

from __future__ import annotations

import asyncio

from bot.store import Store
from config.councils import Binding, RosterEntry
from tests.databases import pg_schema

ROSTER = [RosterEntry(name="Ann Clerk", roles=("clerk", "rfo"), handles={"slack": "U1"}),
          RosterEntry(name="Cy Chair", roles=("committee chair",), committee="Staffing", handles={"slack": "U2"})]


async def test_lookup_reads_member_council_and_conversation(store: Store) -> None:
    await store.members.sync_roster("wendlebury", ROSTER)
    await store.bindings.sync_config("ledbury", [Binding(platform="slack", workspace="T1")])
    await store.bindings.sync_config("honiton", [Binding(platform="slack", chat="C9")])

    facts = await store.lookup("slack", "C1", "U1", "T1", message_id="m1")
    assert facts is not None
    assert facts.member == await store.members.by_identity("slack", "U1")
    assert facts.member is not None and facts.member.roles == ("clerk", "rfo")
    assert facts.council == "ledbury"  # the workspace's binding
    assert facts.conversation == await store.conversations.load("slack", "C1", "U1")

    chair = await store.lookup("slack", "C9", "U2", "T1", message_id="m2")
    assert chair is not None and chair.council == "honiton"  # the chat's own binding beats the workspace's
    assert chair.member is not None and chair.member.committee == "Staffing"


async def test_lookup_for_a_stranger_creates_the_conversation_once(store: Store) -> None:
    first = await store.lookup("telegram", "D1", "99", message_id="a")
    assert first is not None and first.member is None and first.council is None
    assert first.conversation.flow is None and first.conversation.state == {} and first.conversation.version == 1
    advanced = await store.conversations.advance(first.conversation, flow="concern", state={"step": "who"})
    again = await store.lookup("telegram", "D1", "99", message_id="b")
    assert again is not None and again.conversation == advanced
    assert await store.lookup("telegram", "D1", "99") is not None  # no message id: nothing to claim


async def test_lookup_claims_each_message_id_once(store: Store) -> None:
    assert await store.lookup("slack", "C1", "U1", message_id="m1") is not None
    assert await store.lookup("slack", "C1", "U1", message_id="m1") is None
    assert await store.lookup("telegram", "C1", "U1", message_id="m1") is not None  # ids are per platform
    await store.inbox.release("slack", "m1")
    assert await store.lookup("slack", "C1", "U1", message_id="m1") is not None  # a released claim is answered


async def test_one_delivery_read_by_two_postgres_workers_is_claimed_by_one() -> None:
    async with pg_schema() as (url, schema):
        stores = list(await asyncio.gather(*(Store.open(url, schema=schema) for _ in range(2))))
        try:
            for attempt in range(10):
                results = await asyncio.gather(*(s.lookup("slack", "C1", "U1", message_id=f"race-{attempt}")
                                                 for s in stores))
                assert sorted(r is None for r in results) == [False, True]
        finally:
            for store in stores:
                await store.close()
