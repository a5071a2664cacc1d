"""Grid-search fusion weights and the abstention threshold on the training questions (never on dev).

    python -m bench.tune bench/data/train_questions.jsonl

Prints JSON: the best setting by (hit@3 + mrr + abstention - 2 * false abstention) and its scores.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from adapters.cli.runtime import make_service
from knowledge.evaluation import load_questions, normalise
from knowledge.retrieval import query_text
from knowledge.vocabulary import expansions, tokens


def features(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    library = make_service().library
    rows = []
    for q in questions:
        index = library.council(q["council"])
        vector = library.embedder.embed([query_text(q["question"], q.get("role"))])
        scores, ids = index.dense.search(vector, index.dense.size)
        dense = np.full(len(index.clauses), -1.0, dtype=np.float32)
        np.maximum.at(dense, index.chunk_clause[ids], scores)
        own = tokens(q["question"])
        lex = index.lexical.scores(own)
        exp = index.lexical.scores(tokens(" ".join(expansions(q["question"]))))
        known = sum(1 for t in set(own) if t in index.lexical.vocabulary) / max(len(set(own)), 1)
        domain = library.domain_vocabulary()
        missing = min(2, sum(1 for t in set(own) if t in domain and t not in index.lexical.vocabulary))
        wanted = [normalise(e) for e in q.get("expect", [])]
        relevant = np.array([any(w in normalise(c.text) for w in wanted) for c in index.clauses])
        rows.append({"kind": q["kind"], "dense": dense, "lex": lex, "exp": exp, "known": known, "missing": missing,
                     "rel": relevant})
    return rows


def score(rows: list[dict[str, Any]], wd: float, ew: float, bias: float, kw: float, mw: float
          ) -> dict[str, float]:
    hits = {1: 0, 3: 0, 5: 0}
    mrr = 0.0
    answerable = negative = abstained_neg = abstained_pos = 0
    for r in rows:
        lex = r["lex"] + ew * r["exp"]
        top = lex.max()
        fused = wd * r["dense"] + (1 - wd) * (lex / top if top > 0 else lex)
        evidence = float(r["dense"].max()) + kw * r["known"] - mw * r["missing"]
        abstain = evidence < bias
        if r["kind"] == "answerable":
            answerable += 1
            abstained_pos += abstain
            if abstain:
                continue
            order = np.argsort(-fused, kind="stable")[:5]
            ranks = [i + 1 for i, c in enumerate(order) if r["rel"][c]]
            if ranks:
                mrr += 1 / ranks[0]
                for k in hits:
                    hits[k] += ranks[0] <= k
        else:
            negative += 1
            abstained_neg += abstain
    return {"hit@1": hits[1] / answerable, "hit@3": hits[3] / answerable, "mrr": mrr / answerable,
            "abstention": abstained_neg / max(negative, 1), "false_abstention": abstained_pos / answerable}


def main() -> None:
    rows = features(load_questions(Path(sys.argv[1])))
    best: tuple[float, dict[str, Any]] = (-math.inf, {})
    for wd, ew, bias, kw, mw in itertools.product(
        [0.7, 0.8, 0.9], [0.25, 0.5], np.arange(0.30, 0.65, 0.01), [0.0, 0.15, 0.3], [0.0, 0.05, 0.1, 0.15, 0.2]
    ):
        s = score(rows, wd, ew, float(bias), kw, mw)
        objective = s["hit@3"] + s["mrr"] + 0.5 * s["abstention"] - 3 * s["false_abstention"]
        if objective > best[0]:
            best = (objective, {"dense_weight": wd, "expansion_weight": ew, "evidence_bias": round(float(bias), 2),
                                "known_weight": kw, "missing_weight": mw, **{k: round(v, 4) for k, v in s.items()}})
    print(json.dumps(best[1]))


if __name__ == "__main__":
    main()
