"""200 simulated users asking questions concurrently through ``Dialogue.handle``, printed as JSON.

    .venv/bin/python -m bench.dialogue_load [--home HOME] [--users 200] [--questions 5]

Target (issue 3): p95 handling time <= 60 ms, p99 <= 150 ms, no errors, on SQLite and on PostgreSQL;
throughput reported. Two workloads, because "concurrently" can mean either:

- ``paced``: every user is in the chat at once and sends a question, reads the answer, thinks for a while
  (exponential, mean ``--think`` seconds) and asks again: how people use a chat.
- ``burst``: all users send at the same instant, as fast as answers come back: the worst case, measuring
  queueing as much as handling.

Handling time is measured around ``Dialogue.handle`` (queueing inside the process included). Answers use the
real retrieval over a built index (the ONNX question encoder); users are members of the wendlebury roster
(terminal handles) and strangers who pick a council first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from adapters.cli.runtime import make_embedder
from bot.dialogue import Dialogue
from bot.messages import Incoming
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store
from knowledge.evaluation import load_questions
from knowledge.library import Library

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev_questions.jsonl"
PG_URLS = ("postgresql+asyncpg://postgres@127.0.0.1:5432/test", "postgresql+asyncpg://root@127.0.0.1:5432/test")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _user(dialogue: Dialogue, run: str, user: int, questions: list[str], think: float, rng: random.Random,
                timings: list[float], errors: list[str]) -> None:
    council = ("wendlebury", "ledbury", "cheshire", "blaby", "honiton")[user % 5]
    messages = [f"/council {council}", *questions]
    if think:
        await asyncio.sleep(rng.uniform(0, think))  # people arrive over a while, not in the same millisecond
    for number, text in enumerate(messages):
        incoming = Incoming(platform="bench", user_id=f"{run}-u{user}", chat_id=f"dm-{run}-u{user}", text=text,
                            message_id=f"{run}-{user}-{number}")
        started = time.perf_counter()
        replies = await dialogue.handle(incoming)
        timings.append((time.perf_counter() - started) * 1000)
        errors.extend(r.kind for r in replies if r.kind in ("error", "rate_limited"))
        if think:
            await asyncio.sleep(rng.expovariate(1 / think))


async def _run(store: Store, qa: QaService, users: int, per_user: int, think: float) -> dict[str, Any]:
    dialogue = Dialogue(qa, store, rate_limit=RateLimit(burst=per_user + 2))
    await dialogue.start()
    pool = [q["question"] for q in load_questions(DEV)]
    rng = random.Random(7)
    timings: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    run = f"{'paced' if think else 'burst'}{time.time_ns()}"
    await asyncio.gather(*(_user(dialogue, run, u, rng.sample(pool, per_user), think, random.Random(u), timings,
                                 errors) for u in range(users)))
    elapsed = time.perf_counter() - started
    return {"messages": len(timings), "errors": len(errors), "throughput_per_s": round(len(timings) / elapsed, 1),
            "p50_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
            "p99_ms": round(percentile(timings, 0.99), 1), "max_ms": round(max(timings), 1)}


async def _postgres_url() -> str | None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    for url in PG_URLS:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return url
        except Exception:  # not reachable as this user: try the next
            continue
        finally:
            await engine.dispose()
    return None


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    library = Library(Path(args.home), make_embedder())
    library.load_all()
    qa = QaService(library)
    qa.ask("wendlebury", "warm up")
    results: dict[str, Any] = {"users": args.users, "questions_per_user": args.questions, "think_s": args.think}
    with tempfile.TemporaryDirectory() as scratch:
        backends: dict[str, str | None] = {"sqlite": f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}",
                                           "postgresql": await _postgres_url()}
        for name, url in backends.items():
            if url is None:
                results[name] = {"skipped": "no PostgreSQL server reachable"}
                continue
            schema = f"bench_{int(time.time())}" if name == "postgresql" else None
            if schema:
                await _create_schema(url, schema)
            store = await Store.open(url, schema=schema)
            try:
                results[name] = {"paced": await _run(store, qa, args.users, args.questions, args.think),
                                 "burst": await _run(store, qa, args.users, args.questions, 0.0)}
            finally:
                await store.close()
                if schema:
                    await _drop_schema(url, schema)
    return results


async def _create_schema(url: str, schema: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    await engine.dispose()


async def _drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", default=".protocol-bot", help="a home with built indexes (built if missing)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds between a user's questions (paced)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args)), indent=2))


if __name__ == "__main__":
    main()
