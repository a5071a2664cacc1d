"""200 simulated users asking questions concurrently through ``Dialogue.handle``, printed as JSON.

    .venv/bin/python -m bench.dialogue_load [--home HOME] [--users 200] [--think 20] [--duration 120]
        [--questions 5] [--stores sqlite,postgresql] [--workloads paced,burst] [--workers 1] [--repeat 1]

Target (issue 3): p95 handling time <= 60 ms, p99 <= 150 ms, no errors, on SQLite and on PostgreSQL;
throughput reported. Each result says whether it meets the target (``meets_target``). Two workloads, because
"200 users sending questions concurrently" can mean either:

- ``paced`` (how a chat is used): all 200 users are in the chat at once. They arrive over the first ``--think``
  seconds; each then sends a message, reads the answer, thinks (exponential, mean ``--think`` seconds) and sends
  the next, until ``--duration`` seconds have passed. The offered load is steady at ``users / think`` messages a
  second: 10/s at the default 20 s (a person reading five quoted clauses and typing a new question takes
  longer than that), 40/s at ``--think 5``.
- ``burst`` (capacity): all users send at the same instant and send again the moment an answer comes back,
  ``--questions`` times, so 200 messages are always in flight. This measures throughput and queueing, not what
  a person waits for: at ~10 ms of encoder CPU per question on 2 cores, the last of 200 simultaneous questions
  cannot be answered within 60 ms by any number of workers on this machine.

Each user's first message chooses a council (``/council NAME``, the five councils in turn); the rest are dev-set
questions. Handling time is measured around ``Dialogue.handle`` (queueing inside the process included); answers
use the real retrieval over a built index (the ONNX question encoder) and the real store.

``--workers N`` runs N processes, each with its own ``Dialogue`` and database connections, serving ``1/N`` of the
users (as a load balancer spreads chats over workers), all starting together; their timings are pooled. This is
the deployment PostgreSQL is for; on SQLite several processes share the file through its lock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
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
COUNCILS = ("wendlebury", "ledbury", "cheshire", "blaby", "honiton")
P95_TARGET_MS = 60.0
P99_TARGET_MS = 150.0


@dataclass
class Sample:
    """What one worker measured: handling times in ms, error reply kinds, and when it started and finished."""

    timings: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True)
class Workload:
    name: str
    think: float
    """Mean seconds between a user's messages; 0: none (burst)."""
    duration: float
    """Paced: users keep asking until this many seconds after the start."""
    questions: int
    """Burst: questions each user asks after choosing a council."""


def questions_for(users: int, per_user: int = 12) -> list[list[str]]:
    """The same questions for the same user in every run and every worker: results differ by what changed."""
    pool = [q["question"] for q in load_questions(DEV)]
    rng = random.Random(7)
    return [rng.sample(pool, min(per_user, len(pool))) for _ in range(users)]


async def _user(dialogue: Dialogue, run: str, user: int, questions: list[str], workload: Workload,
                sample: Sample) -> None:
    rng = random.Random(user)
    deadline = time.monotonic() + workload.duration
    if workload.think:
        await asyncio.sleep(rng.uniform(0, workload.think))  # people arrive over a while, not in one instant
    number = 0
    while True:
        text = f"/council {COUNCILS[user % len(COUNCILS)]}" if number == 0 else questions[(number - 1) % len(questions)]
        incoming = Incoming(platform="bench", user_id=f"{run}-u{user}", chat_id=f"dm-{run}-u{user}", text=text,
                            message_id=f"{run}-{user}-{number}")
        started = time.perf_counter()
        replies = await dialogue.handle(incoming)
        sample.timings.append((time.perf_counter() - started) * 1000)
        sample.errors.extend(r.kind for r in replies if r.kind in ("error", "rate_limited"))
        number += 1
        if not workload.think:
            if number > workload.questions:
                return
            continue
        pause = rng.expovariate(1 / workload.think)
        if time.monotonic() + pause >= deadline:
            return
        await asyncio.sleep(pause)


async def run_users(dialogue: Dialogue, run: str, users: list[int], questions: list[list[str]],
                    workload: Workload) -> Sample:
    sample = Sample(started=time.time())
    await asyncio.gather(*(_user(dialogue, run, u, questions[u], workload, sample) for u in users))
    sample.finished = time.time()
    return sample


def summary(samples: list[Sample], workload: Workload, users: int) -> dict[str, Any]:
    timings = [t for s in samples for t in s.timings]
    errors = [e for s in samples for e in s.errors]
    elapsed = max(s.finished for s in samples) - min(s.started for s in samples)
    p95, p99 = percentile(timings, 0.95), percentile(timings, 0.99)
    result: dict[str, Any] = {
        "messages": len(timings), "errors": len(errors), "elapsed_s": round(elapsed, 1),
        "throughput_per_s": round(len(timings) / elapsed, 1),
        "p50_ms": round(statistics.median(timings), 1), "p95_ms": round(p95, 1), "p99_ms": round(p99, 1),
        "max_ms": round(max(timings), 1),
        "meets_target": p95 <= P95_TARGET_MS and p99 <= P99_TARGET_MS and not errors,
    }
    if workload.think:
        result["offered_per_s"] = round(users / workload.think, 1)
    return result


# --- one worker -------------------------------------------------------------------------------------------

def load_service(home: Path, *, batch: int | None = None) -> QaService:
    """The Q&A service as ``serve`` builds it; ``batch`` overrides the encoder batching (1: one question a run)."""
    library = Library(home, make_embedder(home))
    library.load_all()
    qa = QaService(library) if batch is None else QaService(library, max_batch=batch)
    for council in COUNCILS:  # first question per council loads its profile; the encoder warms up
        qa.ask(council, "can a councillor instruct the clerk?")
    return qa


def make_dialogue(qa: QaService, store: Store, admit: int | None = None) -> Dialogue:
    """As ``serve`` builds it, but the rate limit never refuses a simulated user (it is tested elsewhere);
    ``admit`` overrides how many messages are handled at once."""
    limit = RateLimit(burst=10_000)
    return Dialogue(qa, store, rate_limit=limit) if admit is None else Dialogue(qa, store, rate_limit=limit,
                                                                              concurrency=admit)


@dataclass(frozen=True)
class Job:
    """One worker process's share of a run (picklable: it crosses into a spawned process)."""

    home: str
    batch: int | None
    admit: int | None
    url: str
    schema: str | None
    run: str
    users: list[int]
    questions: list[list[str]]
    workload: Workload


def _worker(job: Job, ready: Any, go: Any, results: Any) -> None:
    """A worker process: load everything, say ready, wait for the common start, run its users, report."""

    async def serve() -> Sample:
        store = await Store.open(job.url, schema=job.schema, upgrade=False)
        try:
            dialogue = make_dialogue(qa, store, job.admit)
            await dialogue.start()
            ready.put(os.getpid())
            await asyncio.to_thread(go.wait)
            return await run_users(dialogue, job.run, job.users, job.questions, job.workload)
        finally:
            await store.close()

    try:
        qa = load_service(Path(job.home), batch=job.batch)
        sample = asyncio.run(serve())
        results.put((sample.timings, sample.errors, sample.started, sample.finished))
    except Exception as exc:  # the parent must hear of it rather than wait for ever
        ready.put(-1)
        results.put(f"{type(exc).__name__}: {exc}")


def run_in_workers(args: argparse.Namespace, url: str, schema: str | None, run: str, questions: list[list[str]],
                   workload: Workload) -> list[Sample]:
    """``--workers`` processes (spawned: a forked onnxruntime or event loop is not safe), started together."""
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    processes = []
    for w in range(args.workers):
        share = [u for u in range(args.users) if u % args.workers == w]
        job = Job(args.home, args.batch, args.admit, url, schema, run, share, questions, workload)
        process = context.Process(target=_worker, args=(job, ready, go, results), daemon=True)
        process.start()
        processes.append(process)
    for _ in range(args.workers):
        ready.get(timeout=600)
    go.set()
    samples: list[Sample] = []
    failures: list[str] = []
    for _ in range(args.workers):
        got = results.get(timeout=3600)
        if isinstance(got, str):
            failures.append(got)
        else:
            samples.append(Sample(*got))
    for process in processes:
        process.join()
    if failures:
        raise RuntimeError(f"worker failed: {'; '.join(failures)}")
    return samples


# --- the whole bench --------------------------------------------------------------------------------------

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


async def _admin(url: str, statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


def workloads(args: argparse.Namespace) -> list[Workload]:
    made = {"paced": Workload("paced", args.think, args.duration, 0),
            "burst": Workload("burst", 0.0, 0.0, args.questions)}
    return [made[name] for name in args.workloads]


async def _measure(args: argparse.Namespace, qa: QaService | None, name: str, url: str,
                   questions: list[list[str]]) -> dict[str, Any]:
    schema = f"bench_{os.getpid()}_{time.time_ns()}" if name == "postgresql" else None
    if schema:
        await _admin(url, f'CREATE SCHEMA "{schema}"')
    store = await Store.open(url, schema=schema)  # migrated once, by the parent, before any worker starts
    try:
        results: dict[str, Any] = {}
        for workload in workloads(args):
            runs = []
            for attempt in range(args.repeat):
                run = f"{workload.name}{attempt}-{time.time_ns()}"
                if args.workers > 1:
                    samples = await asyncio.to_thread(run_in_workers, args, url, schema, run, questions, workload)
                else:
                    assert qa is not None
                    dialogue = make_dialogue(qa, store, args.admit)
                    await dialogue.start()
                    samples = [await run_users(dialogue, run, list(range(args.users)), questions, workload)]
                runs.append(summary(samples, workload, args.users))
            results[workload.name] = runs[0] if len(runs) == 1 else {
                "runs": runs, "meets_target": all(r["meets_target"] for r in runs)}
        return results
    finally:
        await store.close()
        if schema:
            await _admin(url, f'DROP SCHEMA "{schema}" CASCADE')


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    qa = load_service(Path(args.home), batch=args.batch) if args.workers == 1 else None
    questions = questions_for(args.users)
    results: dict[str, Any] = {
        "users": args.users, "think_s": args.think, "duration_s": args.duration,
        "burst_questions_per_user": args.questions, "workers": args.workers, "batch": args.batch,
        "admit": args.admit,
        "target": {"p95_ms": P95_TARGET_MS, "p99_ms": P99_TARGET_MS, "errors": 0}}
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.stores:
            url = f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}" if name == "sqlite" else await _postgres_url()
            if url is None:
                results[name] = {"skipped": "no PostgreSQL server reachable"}
                continue
            results[name] = await _measure(args, qa, name, url, questions)
    return results


def _names(allowed: tuple[str, ...]) -> Any:
    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)}")
        return names

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", default=".protocol-bot", help="a home with built indexes (built if missing)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--think", type=float, default=20.0, help="paced: mean seconds between a user's messages")
    parser.add_argument("--duration", type=float, default=120.0, help="paced: seconds users keep asking")
    parser.add_argument("--questions", type=int, default=5, help="burst: questions per user after the council")
    parser.add_argument("--stores", type=_names(("sqlite", "postgresql")), default=["sqlite", "postgresql"])
    parser.add_argument("--workloads", type=_names(("paced", "burst")), default=["paced", "burst"])
    parser.add_argument("--workers", type=int, default=1, help="worker processes sharing the users")
    parser.add_argument("--batch", type=int, default=None,
                        help="questions per encoder run at most (1: one at a time; default: as the bot serves)")
    parser.add_argument("--admit", type=int, default=None,
                        help="messages handled at once per process (default: as the bot serves)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each workload (the machine is noisy)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args)), indent=2))


if __name__ == "__main__":
    main()
