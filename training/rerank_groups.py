"""Training groups for the reranker: a question with the clauses retrieval would put in front of it.

Each group is one question and a handful of candidate clauses of its own protocol, as the search ranks them with
the tuned encoder (best chunk per clause, as served). An answerable question's group holds its answering clause
and clauses ranked close to it that hold none of its labels; a not-covered or off-topic question's group holds
only such near misses, and its target is "none of these": the reranker learns to say which clause answers, and
that none does, in one softmax (see ``training.reranker``).

A share of the answerable questions (``withheld``) also gives a group with the answer withheld: the same question
with only its near misses, target "none". The bot's worst answers to questions a protocol does not cover quote a
clause on the same subject that does not answer; not-covered questions alone (342 in the training split) gave
few such pairs, and every answerable question has them (session 7).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge.chunks import chunks_for, clause_passage
from training.corpus import answer_clauses, clauses_of
from training.pairs import anchor_of

Encode = Callable[[list[str]], np.ndarray]
NEAR_MISS_POOL = 6
"""Negatives are drawn from this many of the closest clauses that do not answer (the serving reranker sees the
top three or four; a little wider keeps the model from learning only retrieval's exact order)."""


@dataclass(frozen=True, slots=True)
class Group:
    question: str
    """What the bot's encoder reads for it (``training.pairs.anchor_of``): the reranker reads the same."""
    answer: str | None
    """The answering clause's passage, or ``None`` for a question the protocol does not cover."""
    near_misses: tuple[str, ...]
    """Passages of the closest clauses that do not answer, closest first (``NEAR_MISS_POOL`` of them)."""

    def candidates(self, size: int, rng: random.Random) -> tuple[list[str], int]:
        """``size`` passages in random order and the target: 1 + the answer's position, or 0 for "none"."""
        wanted = size - (self.answer is not None)
        chosen = rng.sample(self.near_misses, min(wanted, len(self.near_misses)))
        if self.answer is not None:
            chosen.append(self.answer)
        rng.shuffle(chosen)
        return chosen, (chosen.index(self.answer) + 1 if self.answer is not None else 0)


def ranked_clauses(slug: str, anchors: list[str], encode: Encode) -> np.ndarray:
    """Clause order per question, best first, by the best cosine of any of the clause's chunks (as served)."""
    clauses = clauses_of(slug)
    chunks = chunks_for(clauses)
    owner = np.array([c.clause_index for c in chunks])
    scores = encode(anchors) @ encode([c.embed_text for c in chunks]).T
    per_clause = np.full((len(anchors), len(clauses)), -1.0, dtype=np.float32)
    for row in range(len(anchors)):
        np.maximum.at(per_clause[row], owner, scores[row])
    return np.argsort(-per_clause, axis=1, kind="stable")


def build(questions: list[dict[str, Any]], encode: Encode, *, withheld: float = 0.0, seed: int = 13) -> list[Group]:
    rng = random.Random(seed)
    by_council: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in questions:
        by_council[q["council"]].append(q)
    groups: list[Group] = []
    for slug in sorted(by_council):
        clauses = clauses_of(slug)
        asked = by_council[slug]
        anchors = [anchor_of(q) for q in asked]
        for q, anchor, order in zip(asked, anchors, ranked_clauses(slug, anchors, encode), strict=True):
            answering = answer_clauses(q) if q["kind"] == "answerable" else []
            if q["kind"] == "answerable" and not answering:
                continue  # labels that do not resolve: no target to learn
            misses = [clause_passage(clauses[int(i)]) for i in order if int(i) not in answering][:NEAR_MISS_POOL]
            answer = clause_passage(clauses[answering[0]]) if answering else None
            groups.append(Group(anchor, answer, tuple(misses)))
            if answer is not None and rng.random() < withheld:
                groups.append(Group(anchor, None, tuple(misses)))
    return groups
