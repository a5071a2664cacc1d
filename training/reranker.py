"""``python -m training.reranker``: a cross-encoder reranker trained on the corpus, and what it would buy.

MiniLM with a one-logit head reads the question and a candidate passage together (so it sees which words of the
question the passage answers, which a bi-encoder cannot). Candidates are the top clauses the shipped retrieval
finds for each training question; positives hold a label, negatives are the rest. Trained with binary
cross-entropy, then measured on a split: hybrid retrieval's order against the reranked order of its top
``--candidates`` (hit@1/3, MRR) and the lead sentence chosen by the cross-encoder over the top clause's sentences.

This is an experiment the issue asked to be measured: the serving path does not use it (see bench/RESULTS.md for
the latency that decided it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.evaluation import normalise
from knowledge.segments import split_segments
from knowledge.st_embedder import base_model_path
from training.corpus import load

CANDIDATES = 8


def passage(clause: Any) -> str:
    from knowledge.chunks import context_of

    context = context_of(clause)
    return f"{context}: {clause.text}" if context else clause.text


def candidates(questions: list[dict[str, Any]], k: int) -> list[tuple[dict[str, Any], list[Any]]]:
    """The shipped retrieval's top ``k`` clauses for each question (not-covered ones too: all negatives)."""
    from adapters.cli.runtime import make_service
    from knowledge.retrieval import search

    service = make_service()
    out = []
    for q in questions:
        index = service.library.council(q["council"])
        hits = search(index, service.encoder, q["question"], role=q.get("role"), k=k).hits
        out.append((q, [h.clause for h in hits]))
    return out


def relevant(q: dict[str, Any], text: str) -> bool:
    """A not-covered or off-topic question has no relevant passage: every candidate is a negative for it."""
    body = normalise(text)
    return any(normalise(p) in body for p in q.get("expect", []))


def train(args: argparse.Namespace) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    started = time.perf_counter()
    pairs: list[tuple[str, str, float]] = []
    for q, clauses in candidates(load("train"), args.candidates):
        for clause in clauses:
            pairs.append((q["question"], passage(clause), float(relevant(q, clause.text))))
            for segment in split_segments(clause.text) if relevant(q, clause.text) else []:
                if relevant(q, segment.text):  # the answering sentence alone, for choosing the lead
                    pairs.append((q["question"], segment.text, 1.0))
    random.shuffle(pairs)
    tokenizer = AutoTokenizer.from_pretrained(base_model_path())
    model = AutoModelForSequenceClassification.from_pretrained(base_model_path(), num_labels=1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = (len(pairs) + args.batch_size - 1) // args.batch_size
    if args.max_steps:
        steps = min(steps, args.max_steps)
    schedule = get_linear_schedule_with_warmup(optimizer, steps // 10, steps)  # type: ignore[no-untyped-call]
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    for step in range(steps):
        batch = pairs[step * args.batch_size:(step + 1) * args.batch_size]
        features = tokenizer([b[0] for b in batch], [b[1] for b in batch], padding=True, truncation="only_second",
                             max_length=args.max_seq, return_tensors="pt")
        logits = model(**features).logits.squeeze(-1)
        loss = loss_fn(logits, torch.tensor([b[2] for b in batch]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 50 == 0:
            print(f"step {step}/{steps} loss {float(loss):.4f} ({time.perf_counter() - started:.0f} s)",
                  file=sys.stderr, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)
    (args.out / "training.json").write_text(json.dumps(
        {"pairs": len(pairs), "steps": steps, "seconds": round(time.perf_counter() - started, 1),
         "seed": args.seed, "lr": args.lr, "batch_size": args.batch_size, "max_seq": args.max_seq}, indent=2))


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.out)
    model = AutoModelForSequenceClassification.from_pretrained(args.out).eval()

    def score(question: str, texts: list[str]) -> np.ndarray:
        with torch.no_grad():
            features = tokenizer([question] * len(texts), texts, padding=True, truncation="only_second",
                                 max_length=args.max_seq, return_tensors="pt")
            return np.asarray(model(**features).logits.squeeze(-1).numpy())

    report: dict[str, Any] = {}
    threshold: float | None = None
    for split in args.measure.split(","):
        everything = candidates(load(split), args.candidates)
        top_scores = {id(q): float(score(q["question"], [passage(c) for c in clauses]).max())
                      for q, clauses in everything}
        positives = sorted(top_scores[id(q)] for q, _ in everything if q["kind"] == "answerable")
        negatives = [top_scores[id(q)] for q, _ in everything if q["kind"] != "answerable"]
        if threshold is None:  # the first split measured (validation) sets it: 2 % false abstention
            threshold = positives[int(0.02 * len(positives))] - 1e-4
        found = [(q, c) for q, c in everything if q["kind"] == "answerable"]
        before = {"hit@1": 0.0, "hit@3": 0.0, "mrr": 0.0}
        after = dict(before)
        lead = 0.0
        for q, clauses in found:
            order = list(range(len(clauses)))
            reranked = list(np.argsort(-score(q["question"], [passage(c) for c in clauses]), kind="stable"))
            for ranks, tally in ((order, before), (reranked, after)):
                first = next((r for r, i in enumerate(ranks, 1) if relevant(q, clauses[i].text)), None)
                if first:
                    tally["hit@1"] += first <= 1
                    tally["hit@3"] += first <= 3
                    tally["mrr"] += 1 / first
            top = clauses[reranked[0]]
            segments = split_segments(top.text)
            if segments:
                best = segments[int(np.argmax(score(q["question"], [s.text for s in segments])))]
                lead += relevant(q, best.text)
        n = max(len(found), 1)
        report[split] = {"retrieval": {k: round(v / n, 4) for k, v in before.items()},
                         "reranked": {k: round(v / n, 4) for k, v in after.items()},
                         "lead_reranked": round(lead / n, 4), "answerable": len(found),
                         "abstention": round(float(np.mean([x < threshold for x in negatives])), 4),
                         "false_abstention": round(float(np.mean([x < threshold for x in positives])), 4),
                         "threshold": round(threshold, 4)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.reranker", description=__doc__)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-seq", type=int, default=128)
    parser.add_argument("--candidates", type=int, default=CANDIDATES)
    parser.add_argument("--max-steps", type=int, default=None, help="stop after this many batches (time budget)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/protocol-bot-reranker"))
    parser.add_argument("--measure", default="", help="splits to measure on (comma-separated); skips training")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.measure:
        print(json.dumps(measure(args), indent=1))
    else:
        train(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
