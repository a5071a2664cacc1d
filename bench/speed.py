"""Speed and memory of the real pipeline, printed as JSON.

    .venv/bin/python -m bench.speed

Targets (issue 2): warm answer p50 <= 15 ms, p95 <= 30 ms; cold `ask` process <= 8 s; loading a built
index <= 1 s; building all five <= 30 s; peak RSS <= 700 MB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.qa import QaService
from knowledge.evaluation import load_questions
from knowledge.library import Library
from knowledge.st_embedder import SentenceTransformerEmbedder

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev_questions.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    embedder = SentenceTransformerEmbedder()
    embedder.warm_up()
    started = time.perf_counter()
    Library(home, embedder).load_all()
    build_s = time.perf_counter() - started

    started = time.perf_counter()
    library = Library(home, embedder)
    library.load_all()
    load_s = time.perf_counter() - started

    service = QaService(library)
    questions = load_questions(DEV) if DEV.exists() else [{"council": "cheshire", "question": "press"}]
    for q in questions[:5]:
        service.ask(q["council"], q["question"])
    latencies = [service.ask(q["council"], q["question"], role=q.get("role")).latency_ms for q in questions * 3]

    env = {**os.environ, "PROTOCOL_BOT_HOME": str(home)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "adapters.cli.main", "ask", "can I instruct the deputy clerk?",
                    "--council", "cheshire"], env=env, check=True, capture_output=True)
    cold_s = time.perf_counter() - started

    print(json.dumps({
        "build_all_five_s": round(build_s, 2),
        "load_built_index_s": round(load_s, 3),
        "warm_answer_ms": {"p50": round(percentile(latencies, 0.5), 2), "p95": round(percentile(latencies, 0.95), 2),
                           "n": len(latencies)},
        "cold_ask_process_s": round(cold_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
