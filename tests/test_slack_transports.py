"""``protocol-bot serve --slack`` as deployed: the runner's own start-up (store, library, dialogue, Bolt app,
aiohttp server, outbox worker) over HTTP Events and over Socket Mode, against the fake Slack on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from adapters.cli.serve import ServeOptions
from adapters.slack import runner
from bot.broadcasts.worker import single_worker
from bot.store import Store
from tests.slack_fake import SECRET, FakeSlack, event_body, mention, signed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def fake(home: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    started = await FakeSlack().start()
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    monkeypatch.setenv("PROTOCOL_BOT_SLACK_API_URL", started.url)
    yield started
    await started.close()


async def serving(socket_mode: bool) -> tuple[asyncio.Task[None], int]:
    port = free_port()
    options = ServeOptions(port=port, host="127.0.0.1", webhook=None, socket_mode=socket_mode)
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
           **({"SLACK_APP_TOKEN": "xapp-test"} if socket_mode else {})}
    chosen = runner.settings(options, env)
    assert isinstance(chosen, runner.SlackSettings)
    return asyncio.create_task(runner.serve(options, chosen)), port


async def healthy(port: int) -> bool:
    """Whether ``/healthz`` comes to answer 200 (Socket Mode: 503 until the WebSocket is connected)."""
    async with aiohttp.ClientSession() as session:
        for _ in range(500):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        body: object = await response.json()
                        return body == {"ok": True}
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.02)
    return False


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_http_events_are_verified_and_answered(fake: FakeSlack) -> None:
    task, port = await serving(socket_mode=False)
    try:
        assert await healthy(port)
        body = json.dumps(event_body(mention("can councillors instruct employees?", user="U1")))
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/slack/events"
            async with session.post(url, data=body, headers=signed(body, secret="wrong")) as forged:
                assert forged.status == 401
            async with session.post(url, data=body, headers=signed(body)) as response:
                assert response.status == 200
        [post] = await fake.wait_for("chat.postMessage")
        assert post.args["channel"] == "CGENERAL" and post.args["thread_ts"] == "1700000100.000200"
    finally:
        await stop(task)


async def test_socket_mode_envelopes_are_acknowledged_and_answered(fake: FakeSlack) -> None:
    task, port = await serving(socket_mode=True)
    try:
        assert await healthy(port)
        envelope = {"type": "events_api", "envelope_id": "env-7", "accepts_response_payload": False,
                    "retry_attempt": 0, "retry_reason": "",
                    "payload": event_body(mention("can councillors instruct employees?", user="U1"))}
        await fake.push(envelope)
        [post] = await fake.wait_for("chat.postMessage")
        assert post.args["thread_ts"] == "1700000100.000200"
        assert {"envelope_id": "env-7"} in fake.acks
        await fake.push({**envelope, "retry_attempt": 1, "retry_reason": "timeout"})  # redelivered: no new answer
        for _ in range(500):
            if len(fake.acks) >= 2:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # the listener runs after the acknowledgement: give a second answer time to show
        assert len(fake.of("chat.postMessage")) == 1
    finally:
        await stop(task)


async def queue_notice(text: str, *, user: str) -> int:
    """What the Clerk's /broadcast does, written straight to the store ``serve`` uses (another process's)."""
    store = await Store.open()
    try:
        await store.members.add("wendlebury", f"Cllr {user}", ["councillor"], platform="slack", user_id=user)
        broadcast, queued = await store.broadcasts.create("wendlebury", "notice", [{"text": text}],
                                                          platforms=("slack",), needs_ack=True)
        assert queued == 1
        return broadcast.id
    finally:
        await store.close()


async def test_serve_delivers_queued_broadcasts_and_stops_its_outbox_worker(fake: FakeSlack) -> None:
    task, port = await serving(socket_mode=False)
    try:
        assert await healthy(port)
        broadcast = await queue_notice("Extra meeting on Thursday.", user="UNEWCLLR")
        [post] = await fake.wait_for("chat.postMessage")
        assert post.args["channel"] == "UNEWCLLR" and "Extra meeting on Thursday." in post.args["text"]
        assert [e["text"]["text"] for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
            "Acknowledge"]
    finally:
        await stop(task)
    store = await Store.open()
    try:
        assert (await store.broadcasts.outbox.counts(broadcast)).get("sent") == 1  # recorded before it stopped
        lock = single_worker(store.database.url.database)  # and its SQLite lock released
        assert lock is not None
        lock.close()
    finally:
        await store.close()
    assert len(fake.of("chat.postMessage")) == 1


async def test_serve_answers_without_delivering_while_another_outbox_worker_holds_the_database(
        fake: FakeSlack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "OUTBOX_RETAKE", 0.2)
    store = await Store.open()
    other = single_worker(store.database.url.database)  # a `protocol-bot outbox` running on this SQLite database
    await store.close()
    try:
        task, port = await serving(socket_mode=False)
        try:
            assert await healthy(port)
            await queue_notice("Extra meeting on Thursday.", user="UNEWCLLR")
            body = json.dumps(event_body(mention("can councillors instruct employees?", user="U1")))
            async with aiohttp.ClientSession() as session, session.post(
                    f"http://127.0.0.1:{port}/slack/events", data=body, headers=signed(body)) as response:
                assert response.status == 200
            [answer] = await fake.wait_for("chat.postMessage")
            assert answer.args["channel"] == "CGENERAL"  # questions answered; the broadcast left to the other
            await asyncio.sleep(0.5)
            assert len(fake.of("chat.postMessage")) == 1
            assert other is not None
            other.close()  # the other worker stops: this one takes over
            _, notice = await fake.wait_for("chat.postMessage", count=2)
            assert notice.args["channel"] == "UNEWCLLR"
        finally:
            await stop(task)
    finally:
        if other is not None:
            other.close()
    said = capsys.readouterr().err
    assert said.count("Slack broadcasts are not delivered by this process while another outbox worker runs") == 1
