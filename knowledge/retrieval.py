"""Hybrid retrieval for one council: dense (best chunk per clause) fused with BM25, plus a confidence.

Fusion is a weighted sum of the cosine and the max-normalised BM25 score (weights in
``config/retrieval.yaml``). The confidence is a logistic squash of the best clause's cosine and the
share of the question's words the protocol knows: an on-topic question whose key words the protocol
never uses is the typical "not covered" case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from config.settings import RetrievalSettings, retrieval_settings
from knowledge.clauses import Clause
from knowledge.embedding import Embedder
from knowledge.index import CouncilIndex
from knowledge.vocabulary import expansions, tokens

ROLE_WORDS = {"councillor": "councillor", "chair": "chair councillor", "officer": "officer", "clerk": "clerk officer"}


@dataclass(frozen=True, slots=True)
class Hit:
    clause: Clause
    score: float
    dense: float
    lexical: float
    best_segment: int | None = None
    """The sentence or list item (``split_segments`` order) closest in meaning to the question."""


@dataclass(frozen=True, slots=True)
class Retrieval:
    hits: list[Hit]
    confidence: float
    abstain: bool


def query_text(question: str, role: str | None) -> str:
    extra = expansions(question)
    text = question if not extra else f"{question} ({', '.join(extra)})"
    return f"{ROLE_WORDS.get(role or '', '')} asks: {text}".strip() if role else text


def search(
    index: CouncilIndex, embedder: Embedder, question: str, *, role: str | None = None, k: int = 5,
    settings: RetrievalSettings | None = None, domain_vocabulary: frozenset[str] = frozenset(),
) -> Retrieval:
    """``domain_vocabulary``: words used by any council's protocol. A question word that other protocols
    use but this one never does (``grievance`` for a protocol without a grievance section) is evidence
    that this protocol does not cover the question."""
    cfg = settings or retrieval_settings()
    n = len(index.clauses)
    vector = embedder.embed([query_text(question, role)])
    chunk_scores, chunk_ids = index.dense.search(vector, index.dense.size)
    dense = np.full(n, -1.0, dtype=np.float32)
    np.maximum.at(dense, index.chunk_clause[chunk_ids], chunk_scores)
    best_segment: dict[int, int] = {}
    for chunk in chunk_ids:  # best first: the first segment chunk seen for a clause is its best
        segment = int(index.chunk_segment[chunk])
        if segment >= 0:
            best_segment.setdefault(int(index.chunk_clause[chunk]), segment)

    own = tokens(question)
    expanded = tokens(" ".join(expansions(question)))
    lexical = index.lexical.scores(own) + cfg.expansion_weight * index.lexical.scores(expanded)
    top_lexical = float(lexical.max()) if n else 0.0
    lexical_norm = lexical / top_lexical if top_lexical > 0 else lexical

    fused = cfg.dense_weight * dense + cfg.lexical_weight * lexical_norm
    order = np.argsort(-fused, kind="stable")[:k]
    hits = [Hit(index.clauses[i], float(fused[i]), float(dense[i]), float(lexical_norm[i]), best_segment.get(int(i)))
            for i in order]

    known = sum(1 for t in set(own) if t in index.lexical.vocabulary) / max(len(set(own)), 1)
    missing = sum(1 for t in set(own) if t in domain_vocabulary and t not in index.lexical.vocabulary)
    evidence = float(dense.max()) + cfg.known_weight * known - cfg.missing_weight * min(missing, 2) if n else 0.0
    confidence = 1.0 / (1.0 + math.exp(-cfg.confidence_scale * (evidence - cfg.confidence_bias)))
    return Retrieval(hits=hits, confidence=confidence, abstain=confidence < cfg.abstain_below)
