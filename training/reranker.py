"""``python -m training.reranker``: the cross-encoder that reads a question and a candidate clause together.

Started from the tuned encoder's weights (it already knows the domain's words; session 5's cross-encoder started
from the package's MiniLM with a fresh head and binary labels learnt only the base rate in 400 steps). A
question and a clause are read as one BERT pair; the tokens are mean-pooled (as the encoder pools) and a linear
head gives one score. Training is listwise: each group is a question and four candidates from its own protocol
(``training.rerank_groups``), scored together with a fixed "none of these" score of 0, and the loss is the
cross-entropy of the softmax over the five towards the answering clause, or towards "none" for a question the
protocol does not cover. So a score above 0 means "this clause answers it", which is what abstention needs, and
the order of the scores is the reranked order.

Everything random is seeded. The weights ship in ``knowledge/models/protocol-reranker/`` (fp16) beside
``training.json`` (corpus digest, settings, losses, validation figures during training, time, weights digest).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.st_embedder import TUNED_DIR, base_model_path
from training.corpus import digest, load
from training.rerank_groups import build
from training.steps import optimise, progress

RERANKER_DIR = TUNED_DIR.parent / "protocol-reranker"
WEIGHTS_FILE = "model.safetensors"
RECORD_FILE = "training.json"
GROUP_SIZE = 4
MONITOR_QUESTIONS = 160


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_model(encoder_weights: Path) -> Any:
    """MiniLM with the tuned encoder's weights and a one-score head over the mean-pooled tokens."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModel

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(base_model_path(), add_pooling_layer=False)
            state = {k: v.float() for k, v in load_file(str(encoder_weights)).items() if not k.startswith("pooler.")}
            self.encoder.load_state_dict(state, strict=False)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
            torch.nn.init.zeros_(self.head.weight)
            torch.nn.init.zeros_(self.head.bias)

        def forward(self, features: dict[str, Any]) -> Any:
            tokens = self.encoder(**features).last_hidden_state
            mask = features["attention_mask"].unsqueeze(-1).float()
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(pooled).squeeze(-1)

    return CrossEncoder()


def encoder_for_mining() -> Any:
    from knowledge.st_embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    return embedder.embed


def train(*, seed: int, epochs: float, batch_groups: int, lr: float, head_lr: float, max_seq: int,
          limit: int | None, out: Path, questions: list[dict[str, Any]] | None = None,
          monitor: list[dict[str, Any]] | None = None, encoder_weights: Path | None = None,
          withheld: float = 0.0) -> dict[str, Any]:
    """``questions``: the training split unless given; ``monitor``: questions scored during training (validation)."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    encode = encoder_for_mining()
    groups = build(questions if questions is not None else load("train"), encode, withheld=withheld, seed=seed)
    if limit:
        groups = groups[:limit]
    watched = build(monitor if monitor is not None else load("validation")[:MONITOR_QUESTIONS], encode)
    print(f"{len(groups)} groups, {len(watched)} watched ({time.perf_counter() - started:.0f} s)",
          file=sys.stderr, flush=True)
    tokenizer = AutoTokenizer.from_pretrained(base_model_path())
    model = make_model(encoder_weights or TUNED_DIR / WEIGHTS_FILE)

    def scores(question_list: list[str], passages: list[str]) -> Any:
        features = tokenizer(question_list, passages, padding=True, truncation="only_second", max_length=max_seq,
                             return_tensors="pt")
        return model(dict(features))

    def watch() -> dict[str, float]:
        """Hit@1 among a fixed draw of candidates, and abstention at the score threshold 0, on ``watched``."""
        model.eval()
        rng = random.Random(seed)
        found = abstained = answerable = negatives = wrongly_abstained = 0
        with torch.no_grad():
            for group in watched:
                passages, target = group.candidates(GROUP_SIZE, rng)
                values = scores([group.question] * len(passages), passages).numpy()
                best = int(np.argmax(values))
                if target:
                    answerable += 1
                    found += best + 1 == target
                    wrongly_abstained += values[best] < 0
                else:
                    negatives += 1
                    abstained += values[best] < 0
        model.train()
        return {"hit@1": round(found / max(answerable, 1), 4), "abstention": round(abstained / max(negatives, 1), 4),
                "false_abstention": round(float(wrongly_abstained) / max(answerable, 1), 4)}

    rng = random.Random(seed)
    steps_per_epoch = math.ceil(len(groups) / batch_groups)
    total = max(1, round(steps_per_epoch * epochs))
    optimizer = torch.optim.AdamW([
        {"params": model.encoder.parameters(), "lr": lr},
        {"params": model.head.parameters(), "lr": head_lr},
    ], weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, total // 10), total)  # type: ignore[no-untyped-call]
    before = watch()
    print(f"before: {before}", file=sys.stderr, flush=True)
    watched_figures: list[dict[str, Any]] = [{"step": 0, **before}]
    losses: list[float] = []
    model.train()
    step = 0
    while step < total:
        order = groups[:]
        rng.shuffle(order)
        for first in range(0, len(order), batch_groups):
            batch = order[first:first + batch_groups]
            questions_in: list[str] = []
            passages_in: list[str] = []
            targets: list[int] = []
            for group in batch:
                passages, target = group.candidates(GROUP_SIZE, rng)
                passages += [""] * (GROUP_SIZE - len(passages))  # a protocol with very few clauses
                questions_in += [group.question] * GROUP_SIZE
                passages_in += passages
                targets.append(target)
            values = scores(questions_in, passages_in).view(len(batch), GROUP_SIZE)
            blank = torch.tensor([[p == "" for p in passages_in[i:i + GROUP_SIZE]]
                                  for i in range(0, len(passages_in), GROUP_SIZE)])
            values = values.masked_fill(blank, -1e4)
            logits = torch.cat([torch.zeros(len(batch), 1), values], dim=1)
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor(targets))
            losses.append(optimise(loss, model, optimizer, schedule))
            step += 1
            progress(step, total, losses, started)
            if step % max(1, steps_per_epoch // 2) == 0 or step == total:
                figures = watch()
                watched_figures.append({"step": step, **figures})
                print(f"watch at {step}: {figures}", file=sys.stderr, flush=True)
            if step >= total:
                break
    out.mkdir(parents=True, exist_ok=True)
    state = {f"encoder.{k}": v for k, v in model.encoder.state_dict().items()}
    state.update({f"head.{k}": v for k, v in model.head.state_dict().items()})
    save_file({k: v.detach().to(torch.float16).contiguous() for k, v in state.items()}, str(out / WEIGHTS_FILE),
              metadata={"format": "pt"})
    window = max(1, min(20, len(losses) // 4))
    record = {
        "base": "the tuned encoder (knowledge/models/protocol-minilm) with a one-score head",
        "encoder_weights_sha256": sha256(encoder_weights or TUNED_DIR / WEIGHTS_FILE),
        "corpus_sha256": digest(),
        "seed": seed, "epochs": epochs, "batch_groups": batch_groups, "group_size": GROUP_SIZE,
        "learning_rate": lr, "head_learning_rate": head_lr, "max_seq_length": max_seq,
        "groups": len(groups), "withheld": withheld, "steps": step,
        "loss_first": round(float(np.mean(losses[:window])), 4),
        "loss_last": round(float(np.mean(losses[-window:])), 4),
        "watched": watched_figures,
        "seconds": round(time.perf_counter() - started, 1), "threads": torch.get_num_threads(),
        "weights_sha256": sha256(out / WEIGHTS_FILE),
    }
    (out / RECORD_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.reranker", description=__doc__)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch-groups", type=int, default=8, help="questions per step (each with 4 candidates)")
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--max-seq", type=int, default=128)
    parser.add_argument("--withheld", type=float, default=0.0,
                        help="share of answerable questions also trained with their answer withheld (target none)")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N groups only (smoke runs)")
    parser.add_argument("--encoder", type=Path, default=None, help="encoder weights to start from (default: shipped)")
    parser.add_argument("--out", type=Path, default=RERANKER_DIR)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    record = train(seed=args.seed, epochs=args.epochs, batch_groups=args.batch_groups, lr=args.lr,
                   head_lr=args.head_lr, max_seq=args.max_seq, limit=args.limit, out=args.out,
                   encoder_weights=args.encoder, withheld=args.withheld)
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
