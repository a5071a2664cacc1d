"""Choose how many clauses the reranker reads and how its order is mixed, and fit its confidence, on validation.

    python -m bench.tune_rerank                   # corpus/questions/validation.jsonl
    python -m bench.tune_rerank --on A.jsonl

Never on training (the reranker was fitted there), dev or a blind split. Each question is searched once with the
reranker reading the first ``--most`` clauses; every smaller count and every mixing weight is then scored from
those same scores (the reranker reads each pair on its own, so reading fewer gives the same numbers). Prints
JSON: per (candidates, retrieval weight) hit@1/3 and MRR; the best; and the reranked confidence (logistic
regression over ``ConfidenceFeatures.reranked_vector``) with its threshold at ``--max-false-abstention``
out-of-fold (2 % unless told), out-of-fold abstention and a reliability table, for the chosen candidate count; and,
to choose the operating point by, out-of-fold abstention for every candidate count at 2, 2.5 and 3 %.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from adapters.cli.runtime import make_service
from bench.corpus_eval import prepare_home
from bench.tune import fit_logistic, out_of_fold, reliability
from config.settings import retrieval_settings
from knowledge.evaluation import load_questions, normalise
from knowledge.retrieval import search

WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)


def rows_for(questions: list[dict[str, Any]], most: int) -> list[dict[str, Any]]:
    service = make_service()
    service.library.council(questions[0]["council"])  # loading a council exports the models if they are stale
    reranker = service.library.reranker()
    if reranker is None:
        raise SystemExit("no reranker in this home's export (PROTOCOL_BOT_ENCODER=base, or not exported yet)")
    cfg = dataclasses.replace(retrieval_settings(), rerank_candidates=most, rerank_retrieval_weight=0.0)
    rows = []
    for q in questions:
        index = service.library.council(q["council"])
        retrieval = search(index, service.encoder, q["question"], role=q.get("role"), k=most, settings=cfg,
                           reranker=reranker)
        hits = sorted(retrieval.hits, key=lambda h: -h.score)  # back in fused order
        wanted = [normalise(e) for e in q.get("expect", [])]
        assert retrieval.features is not None
        rows.append({
            "kind": q["kind"],
            "fused": np.array([h.score for h in hits]),
            "rerank": np.array([h.rerank if h.rerank is not None else -99.0 for h in hits]),
            "relevant": np.array([any(w in normalise(h.clause.text) for w in wanted) for h in hits]),
            "features": retrieval.features.vector(),
        })
    return rows


def ranking(rows: list[dict[str, Any]], candidates: int, weight: float) -> dict[str, float]:
    found = {1: 0, 3: 0}
    mrr = 0.0
    answerable = [r for r in rows if r["kind"] == "answerable"]
    for r in answerable:
        head = np.arange(min(candidates, len(r["fused"])))
        order = list(head[np.argsort(-(r["rerank"][head] + weight * r["fused"][head]), kind="stable")])
        order += list(range(len(order), len(r["fused"])))
        ranks = [rank for rank, i in enumerate(order, 1) if r["relevant"][i]]
        if ranks:
            mrr += 1 / ranks[0]
            for k in found:
                found[k] += ranks[0] <= k
    n = max(len(answerable), 1)
    return {"hit@1": round(found[1] / n, 4), "hit@3": round(found[3] / n, 4), "mrr": round(mrr / n, 4)}


def _features(rows: list[dict[str, Any]], candidates: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[float(r["rerank"][:candidates].max()), *r["features"]] for r in rows])
    y = np.array([r["kind"] == "answerable" for r in rows], dtype=float)
    return x, y


def _threshold(scores: np.ndarray, y: np.ndarray, max_false_abstention: float) -> float:
    """Just under the score of the answerable question at the allowed share of false abstention."""
    answerable = np.sort(scores[y == 1])
    return float(answerable[int(np.floor(max_false_abstention * len(answerable)))]) - 1e-4


def confidence(rows: list[dict[str, Any]], candidates: int, max_false_abstention: float) -> dict[str, Any]:
    x, y = _features(rows, candidates)
    w = fit_logistic(x, y)
    held_out = out_of_fold(x, y)
    threshold = _threshold(held_out, y, max_false_abstention)
    alone = out_of_fold(x[:, :1], y)  # the reranker's score as the only feature, for comparison
    alone_threshold = _threshold(alone, y, max_false_abstention)
    return {"reranked_confidence": [round(float(v), 3) for v in w],
            "reranked_abstain_below": round(threshold, 3),
            "abstention": round(float(np.mean(held_out[y == 0] < threshold)), 4),
            "false_abstention": round(float(np.mean(held_out[y == 1] < threshold)), 4),
            "reranker_score_alone": {"abstention": round(float(np.mean(alone[y == 0] < alone_threshold)), 4),
                                     "false_abstention": round(float(np.mean(alone[y == 1] < alone_threshold)), 4)},
            "reliability": reliability(held_out, y)}


OPERATING_POINTS = (0.02, 0.025, 0.03)


def operating_points(rows: list[dict[str, Any]], most: int) -> list[dict[str, float]]:
    """Out-of-fold abstention and false abstention per candidate count and allowed false abstention: what each
    choice costs in "not covered" said to covered questions, and what it gains on the others."""
    table = []
    for candidates in range(1, most + 1):
        x, y = _features(rows, candidates)
        held_out = out_of_fold(x, y)  # fitted once; each operating point only moves the threshold
        for allowed in OPERATING_POINTS:
            threshold = _threshold(held_out, y, allowed)
            table.append({"candidates": candidates, "allowed": allowed,
                          "abstention": round(float(np.mean(held_out[y == 0] < threshold)), 4),
                          "false_abstention": round(float(np.mean(held_out[y == 1] < threshold)), 4)})
    return table


def main(argv: list[str] | None = None) -> None:
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "questions"
    parser = argparse.ArgumentParser(prog="python -m bench.tune_rerank", description=__doc__)
    parser.add_argument("--on", nargs="+", type=Path, default=[corpus / "validation.jsonl"])
    parser.add_argument("--most", type=int, default=5, help="the most clauses the reranker reads")
    parser.add_argument("--candidates", type=int, default=None, help="fit the confidence for this count")
    parser.add_argument("--home", type=Path, default=None, help="as bench.corpus_eval: the corpus councils added")
    parser.add_argument("--max-false-abstention", type=float, default=0.02,
                        help="the out-of-fold false abstention the threshold keeps on these questions")
    args = parser.parse_args(argv)
    home = args.home or Path(f"/tmp/protocol-bot-corpus-{os.environ.get('PROTOCOL_BOT_ENCODER', 'tuned')}")
    os.environ["PROTOCOL_BOT_HOME"] = str(home)
    prepare_home(home)
    rows = rows_for([q for path in args.on for q in load_questions(path)], args.most)
    table = [{"candidates": c, "retrieval_weight": w, **ranking(rows, c, w)}
             for c in range(1, args.most + 1) for w in WEIGHTS]
    best = max(table, key=lambda t: (t["hit@1"] + t["mrr"], -t["candidates"]))
    chosen = args.candidates or int(best["candidates"])
    print(json.dumps({"ranking": table, "best": best, "operating_points": operating_points(rows, args.most),
                      "confidence_for": chosen, "confidence": confidence(rows, chosen, args.max_false_abstention)},
                     indent=1))


if __name__ == "__main__":
    main()
