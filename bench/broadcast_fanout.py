"""Fan-out of one broadcast to 10,000 members over fake Slack and Telegram servers that answer 5% of calls 429
and 1% 5xx. Prints JSON: every member delivered exactly once, throughput against the configured pacing, and
peak RSS growth of the process running the outbox.

    .venv/bin/python -m bench.broadcast_fanout [--members 10000] [--rate 100]

The fake servers run in a child process (they are not what is measured); the outbox, its SQLite database and
the real senders (slack_sdk, python-telegram-bot) run here. ``--rate`` is each platform's configured overall
pace (messages a second), so the whole fan-out is paced at twice that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
from aiohttp import web
from sqlalchemy import insert

from adapters.slack.sender import SlackSender
from adapters.telegram.sender import TelegramSender
from bot.broadcasts.compose import notice_content, to_json
from bot.broadcasts.sending import Sender
from bot.broadcasts.settings import Pacing
from bot.broadcasts.worker import OutboxWorker, WorkerOptions
from bot.store import Store
from bot.store.models import IdentityRow, MemberRow

TOKEN = "123456:BENCH-token"
LIMITED, BROKEN = 0.05, 0.01


def serve_fakes(port_out: Any, seed: int) -> None:
    """Child process: one aiohttp server speaking enough Slack Web API and Telegram Bot API."""
    rng = random.Random(seed)
    accepted: Counter[str] = Counter()
    calls = Counter[str]()

    def fate() -> str:
        roll = rng.random()
        return "429" if roll < LIMITED else "5xx" if roll < LIMITED + BROKEN else "ok"

    async def slack(request: web.Request) -> web.Response:
        body = await request.json()
        outcome = fate()
        calls[f"slack:{outcome}"] += 1
        if outcome == "429":
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        if outcome == "5xx":
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        accepted[f"slack:{body['channel']}"] += 1
        return web.json_response({"ok": True, "channel": body["channel"], "ts": f"{time.time():.6f}"})

    async def telegram(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "getMe":
            return web.json_response({"ok": True, "result": {"id": 123456, "is_bot": True, "first_name": "Bench",
                                                             "username": "BenchBot"}})
        form = await request.post() if request.content_type != "application/json" else await request.json()
        chat = str(form["chat_id"])
        outcome = fate()
        calls[f"telegram:{outcome}"] += 1
        if outcome == "429":
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests",
                                      "parameters": {"retry_after": 1}}, status=429)
        if outcome == "5xx":
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)
        accepted[f"telegram:{chat}"] += 1
        message = {"message_id": sum(accepted.values()), "date": int(time.time()),
                   "chat": {"id": int(chat), "type": "private"}, "text": "."}
        return web.json_response({"ok": True, "result": message})

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response({"accepted": dict(accepted), "calls": dict(calls)})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/api/chat.postMessage", slack)
        app.router.add_post("/bot{token}/{method}", telegram)
        app.router.add_get("/stats", stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


async def populate(store: Store, members: int) -> None:
    """Members alternate Slack and Telegram (one platform each), inserted in bulk."""
    async with store.database.sessions.begin() as session:
        await session.execute(insert(MemberRow), [
            {"id": i + 1, "council": "bench", "name": f"Member {i:05d}", "roles": ["councillor"], "source": "roster"}
            for i in range(members)])
        await session.execute(insert(IdentityRow), [
            {"platform": "slack" if i % 2 else "telegram", "user_id": f"U{i:05d}" if i % 2 else str(10_000_000 + i),
             "member_id": i + 1} for i in range(members)])


async def run(members: int, rate: float, seed: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    fakes = context.Process(target=serve_fakes, args=(ports, seed), daemon=True)
    fakes.start()
    port = ports.get(timeout=60)
    base = f"http://127.0.0.1:{port}"
    folder = Path(tempfile.mkdtemp(prefix="fanout-"))
    store = await Store.open(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    senders: dict[str, Sender] = {"slack": SlackSender("xoxb-bench", base_url=f"{base}/api/"),
                                  "telegram": TelegramSender(TOKEN, base_url=f"{base}/bot")}
    process = psutil.Process()
    try:
        await populate(store, members)
        _, queued = await store.broadcasts.create(
            "bench", "notice", to_json(notice_content("Bench Council", "The protocol has changed.")),
            platforms=("slack", "telegram"))
        pacing = {p: Pacing(overall=rate, per_chat=1.0, burst=0.2) for p in senders}
        options = WorkerOptions(batch=200, concurrency=32, backoff=0.5, max_backoff=5.0, idle_poll=0.1,
                                lease=timedelta(minutes=5))
        worker = OutboxWorker(store, senders, pacing=pacing, options=options, rng=random.Random(seed))
        baseline = process.memory_info().rss
        peak = baseline
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, process.memory_info().rss)
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        stats = await worker.drain(timeout=1800)
        elapsed = time.perf_counter() - started
        done.set()
        await sampler
    finally:
        for sender in senders.values():
            await sender.close()
        await store.close()
    import urllib.request

    with urllib.request.urlopen(f"{base}/stats", timeout=10) as response:  # loopback only
        server = json.loads(response.read())
    fakes.terminate()
    accepted: dict[str, int] = server["accepted"]
    configured = rate * len(senders)
    throughput = sum(accepted.values()) / elapsed
    calls = server["calls"]
    return {
        "members": members,
        "deliveries_queued": queued,
        "delivered": len(accepted),
        "delivered_exactly_once": len(accepted) == queued and set(accepted.values()) == {1},
        "duplicates": sum(accepted.values()) - len(accepted),
        "missing": queued - len(accepted),
        "elapsed_s": round(elapsed, 2),
        "configured_rate_per_s": configured,
        "throughput_per_s": round(throughput, 1),
        "throughput_share_of_pacing": round(throughput / configured, 3),
        "calls_per_s": round(sum(calls.values()) / elapsed, 1),
        "calls": calls,
        "worker": {"sent": stats.sent, "rate_limited": stats.rate_limited, "transient": stats.transient,
                   "failed": stats.failed},
        "peak_rss_growth_mb": round((peak - baseline) / 2**20, 1),
        "targets": {"exactly_once": True, "throughput_share_of_pacing": ">= 0.9", "peak_rss_growth_mb": "< 100"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="messages a second per platform")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.members, args.rate, args.seed)), indent=2))


if __name__ == "__main__":
    main()
