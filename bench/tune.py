"""Choose fusion weights and fit the confidence model on the corpus's validation split.

    python -m bench.tune                      # corpus/questions/validation.jsonl
    python -m bench.tune --on A.jsonl B.jsonl

Validation, not training: the encoder was fitted on the training split, so its cosines there are higher than
on anything new and a confidence fitted on them would trust new questions too much. Never on dev or a blind
split. Prints JSON: the fusion weights with the best hit@3 + MRR, dense alone for comparison, the confidence
model (logistic regression over ``ConfidenceFeatures``), the abstention threshold that keeps false abstention
at or under 2 %, and a reliability table (confidence band -> questions, mean confidence, share answerable: a
confidence of 0.8 should mean four in five such questions are answerable), both out-of-fold (5 folds).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from adapters.cli.runtime import make_service
from bench.corpus_eval import prepare_home
from config.settings import retrieval_settings
from knowledge.evaluation import load_questions, normalise
from knowledge.retrieval import ConfidenceFeatures, query_text, unframed
from knowledge.spelling import corrections, lexicon, mend
from knowledge.vocabulary import expansions, tokens


def features(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    library = make_service().library
    expand = retrieval_settings().dense_expansions
    rows = []
    for q in questions:
        index = library.council(q["council"])
        slips = corrections(q["question"], lexicon(index))
        mended = list(dict.fromkeys(slips.values()))
        vector = library.embedder.embed([query_text(q["question"], q.get("role"), mended, expand=expand)])
        scores, ids = index.dense.search(vector, index.dense.size)
        dense = np.full(len(index.clauses), -1.0, dtype=np.float32)
        np.maximum.at(dense, index.chunk_clause[ids], scores)
        own = tokens(unframed(q["question"]))
        lex = index.lexical.scores(own)
        exp = index.lexical.scores(tokens(" ".join(dict.fromkeys(expansions(q["question"]) + mended))))
        mended_question = mend(q["question"], slips)
        confidence = ConfidenceFeatures.of(index, mended_question, tokens(unframed(mended_question)),
                                           float(dense.max()))
        wanted = [normalise(e) for e in q.get("expect", [])]
        relevant = np.array([any(w in normalise(c.text) for w in wanted) for c in index.clauses])
        rows.append({"kind": q["kind"], "dense": dense, "lex": lex, "exp": exp, "rel": relevant,
                     "x": confidence.vector()})
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 50) -> np.ndarray:
    """Newton's method on the L2-penalised log-loss; returns weights with the bias last."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    penalty = l2 * np.eye(design.shape[1])
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        w -= np.linalg.solve(hessian, gradient)
    return w


def _vectors(rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([r["x"] for r in rows]), np.array([r["kind"] == "answerable" for r in rows], dtype=float)


def _apply(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ w))))


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Each question's confidence from a model fitted without it: what the threshold and the table use."""
    order = np.random.RandomState(seed).permutation(len(x))
    confidence = np.zeros(len(x))
    for fold in range(folds):
        held = order[fold::folds]
        kept = np.setdiff1d(order, held)
        confidence[held] = _apply(x[held], fit_logistic(x[kept], y[kept]))
    return confidence


def reliability(confidence: np.ndarray, y: np.ndarray, bands: int = 5) -> list[dict[str, Any]]:
    table = []
    for band in range(bands):
        low, high = band / bands, (band + 1) / bands
        inside = (confidence >= low) & ((confidence < high) if band < bands - 1 else (confidence <= high))
        if inside.any():
            table.append({"band": f"{low:.1f}-{high:.1f}", "questions": int(inside.sum()),
                          "mean_confidence": round(float(confidence[inside].mean()), 3),
                          "answerable": round(float(y[inside].mean()), 3)})
    return table


def calibrate(rows: list[dict[str, Any]], max_false_abstention: float) -> dict[str, Any]:
    """Confidence = P(answerable), fitted on ``rows``; the threshold is the highest that keeps out-of-fold false
    abstention on them in bounds, and the figures and reliability table reported are out-of-fold too."""
    x, y = _vectors(rows)
    w = fit_logistic(x, y)
    confidence = out_of_fold(x, y)
    answerable = np.sort(confidence[y == 1])
    allowed = int(np.floor(max_false_abstention * len(answerable)))
    threshold = float(answerable[allowed]) - 1e-4
    return {"cosine_weight": round(float(w[0]), 3), "known_weight": round(float(w[1]), 3),
            "topic_weight": round(float(-w[2]), 3), "length_weight": round(float(w[3]), 3),
            "confidence_bias": round(float(w[4]), 3),
            "abstain_below": round(threshold, 3),
            "abstention": round(float(np.mean(confidence[y == 0] < threshold)), 4),
            "false_abstention": round(float(np.mean(confidence[y == 1] < threshold)), 4),
            "reliability": reliability(confidence, y)}


def score(rows: list[dict[str, Any]], wd: float, ew: float) -> dict[str, float]:
    """Ranking only (hit@1/3, MRR over answerable questions); abstention is calibrated separately."""
    hits = {1: 0, 3: 0, 5: 0}
    mrr = 0.0
    answerable = [r for r in rows if r["kind"] == "answerable"]
    for r in answerable:
        lex = r["lex"] + ew * r["exp"]
        top = lex.max()
        fused = wd * r["dense"] + (1 - wd) * (lex / top if top > 0 else lex)
        order = np.argsort(-fused, kind="stable")[:5]
        ranks = [i + 1 for i, c in enumerate(order) if r["rel"][c]]
        if ranks:
            mrr += 1 / ranks[0]
            for k in hits:
                hits[k] += ranks[0] <= k
    n = max(len(answerable), 1)
    return {"hit@1": hits[1] / n, "hit@3": hits[3] / n, "mrr": mrr / n}


def main(argv: list[str] | None = None) -> None:
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "questions"
    parser = argparse.ArgumentParser(prog="python -m bench.tune", description=__doc__)
    parser.add_argument("--on", nargs="+", type=Path, default=[corpus / "validation.jsonl"],
                        help="the question files to fit on (default: the corpus's validation split)")
    parser.add_argument("--home", type=Path, default=None, help="as bench.corpus_eval: the corpus councils added")
    args = parser.parse_args(argv)
    home = args.home or Path(f"/tmp/protocol-bot-corpus-{os.environ.get('PROTOCOL_BOT_ENCODER', 'tuned')}")
    os.environ["PROTOCOL_BOT_HOME"] = str(home)
    prepare_home(home)
    rows = features([q for path in args.on for q in load_questions(path)])
    best: tuple[float, dict[str, Any]] = (-math.inf, {})
    for wd, ew in itertools.product([0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0], [0.0, 0.25, 0.5, 0.75]):
        s = score(rows, wd, ew)
        objective = s["hit@3"] + s["mrr"]
        if objective > best[0]:
            best = (objective, {"dense_weight": wd, "lexical_weight": round(1 - wd, 2), "expansion_weight": ew,
                                **{k: round(v, 4) for k, v in s.items()}})
    dense_only = {k: round(v, 4) for k, v in score(rows, 1.0, 0.0).items()}
    print(json.dumps({"fusion": best[1], "dense_only": dense_only,
                      "confidence": calibrate(rows, max_false_abstention=0.02)}, indent=1))


if __name__ == "__main__":
    main()
