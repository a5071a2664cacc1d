"""Speed and memory of the real pipeline, printed as JSON.

    .venv/bin/python -m bench.speed

Targets (issue 2): warm answer p50 <= 15 ms, p95 <= 30 ms; cold `ask` process <= 8 s; loading a built
index <= 1 s; building all five <= 30 s; peak RSS <= 700 MB.

Building runs in this process (the document model loaded first, as an index run loads it once); answering is
measured where it happens in production, in a fresh process serving from the built index
(``python -m bench.speed --serve HOME``), so its memory and timings are not those of the process that imported
torch to build. The cold ``ask`` is the real command line over that built index, run three times (median).
``build_peak_rss_mb`` is the index-building process (torch and the document model); the question encoder is
written meanwhile by a child process (``knowledge.onnx_export``), whose own peak is ``export_peak_rss_mb``;
``waiting_for_export_s`` is how long the build waited for it after the last index was built.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from knowledge.onnx_embedder import query_threads

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev_questions.jsonl"
COLD_RUNS = 3


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def peak_rss_mb() -> float:
    """This process's own peak: ``VmHWM`` belongs to the address space, whereas Linux carries ``ru_maxrss``
    over from the parent across fork and exec (a child of the 900 MB building process would report 900 MB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def serve(home: Path) -> dict[str, Any]:
    """A serving process: load the built index and the question encoder, then answer the dev set three times."""
    from bot.qa import QaService
    from knowledge.evaluation import load_questions
    from knowledge.library import Library
    from knowledge.query_encoder import MiniLmEmbedder

    started = time.perf_counter()
    embedder = MiniLmEmbedder(home)
    library = Library(home, embedder)
    library.load_all()
    indexes_s = time.perf_counter() - started
    backend = embedder.query_backend  # loads the ONNX session
    load_s = time.perf_counter() - started

    service = QaService(library)
    questions = load_questions(DEV) if DEV.exists() else [{"council": "cheshire", "question": "press"}]
    for q in questions[:5]:
        service.ask(q["council"], q["question"])
    latencies = [service.ask(q["council"], q["question"], role=q.get("role")).latency_ms for q in questions * 3]
    return {
        "query_backend": backend,
        "torch_imported": "torch" in sys.modules,
        "load_indexes_s": round(indexes_s, 3),
        "load_with_query_encoder_s": round(load_s, 3),
        "latencies_ms": latencies,
        "peak_rss_mb": peak_rss_mb(),
    }


def build(home: Path) -> dict[str, Any]:
    from knowledge.library import Library
    from knowledge.query_encoder import MiniLmEmbedder

    embedder = MiniLmEmbedder(home)
    started = time.perf_counter()
    embedder.documents().warm_up()
    model_s = time.perf_counter() - started
    stamps: list[tuple[float, str]] = []
    started = time.perf_counter()
    Library(home, embedder, lambda message: stamps.append((time.perf_counter(), message))).load_all()
    build_s = time.perf_counter() - started
    built = [t for t, message in stamps if ": built" in message]
    exported = [t for t, message in stamps if "exported" in message]
    report = embedder.export_report or {}
    return {
        "document_model_load_s": round(model_s, 2),
        "build_all_five_s": round(build_s, 2),
        "waiting_for_export_s": round(exported[-1] - built[-1], 2) if built and exported else None,
        "build_peak_rss_mb": peak_rss_mb(),
        "export_peak_rss_mb": report.get("peak_rss_mb"),
    }


# Runs a command and reports its wall time and peak RSS. A small intermediate process, because Linux carries
# ru_maxrss over from parent to child: measured straight from this (torch-sized) process it would be ours.
MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "started = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
    "print(json.dumps([time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))"
)


def measured(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    done = subprocess.run([sys.executable, "-c", MEASURE, *argv], env=env, check=True, capture_output=True, text=True)
    seconds, rss = json.loads(done.stdout)
    return float(seconds), float(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", metavar="HOME", help="internal: measure a serving process over HOME")
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve(Path(args.serve))))
        return

    home = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    env = {**os.environ, "PROTOCOL_BOT_HOME": str(home)}
    building = build(home)
    served = json.loads(subprocess.run([sys.executable, "-m", "bench.speed", "--serve", str(home)], env=env,
                                       check=True, capture_output=True, text=True).stdout)
    cold = [measured([sys.executable, "-m", "adapters.cli.main", "ask", "can I instruct the deputy clerk?",
                      "--council", "cheshire"], env) for _ in range(COLD_RUNS)]
    latencies = served.pop("latencies_ms")
    print(json.dumps({
        **building,
        "load_built_index_s": served["load_with_query_encoder_s"],
        "load_indexes_only_s": served["load_indexes_s"],
        "warm_answer_ms": {"p50": round(percentile(latencies, 0.5), 2), "p95": round(percentile(latencies, 0.95), 2),
                           "n": len(latencies)},
        "cold_ask_process_s": round(statistics.median(t for t, _ in cold), 2),
        "cold_ask_runs_s": [round(t, 2) for t, _ in cold],
        "query_backend": served["query_backend"],
        "torch_imported_when_serving": served["torch_imported"],
        "serving_peak_rss_mb": served["peak_rss_mb"],
        "cold_ask_peak_rss_mb": round(max(rss for _, rss in cold), 1),
        "onnx_threads": query_threads(),
    }, indent=2))


if __name__ == "__main__":
    main()
