"""Training examples for the question encoder: (question, passage that answers it, passage that does not).

The passage is what the index embeds (``knowledge.chunks``): the answering sentence with its heading and lead-in,
and the whole clause, so the encoder learns both shapes the search compares a question with. The negative is a
hard one: a passage of the same protocol that the base model ranks close to the question but that holds none of
its labels (chosen at random among the ten closest with a fixed seed).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge.chunks import Chunk, chunks_for
from knowledge.evaluation import normalise
from knowledge.retrieval import query_text
from training.corpus import answer_clauses, clauses_of

HARD_POOL = 10

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class Example:
    anchor: str
    positive: str
    negative: str


def anchor_of(question: dict[str, Any]) -> str:
    """Exactly what the bot embeds for a question (role words, framing removed, no hand-written expansions)."""
    return query_text(question["question"], question.get("role"), expand=False)


def _positives(chunks: list[Chunk], clause: int, phrases: list[str]) -> list[int]:
    """The clause's whole chunk and the first contextual sentence chunk holding a label (if any)."""
    mine = [i for i, c in enumerate(chunks) if c.clause_index == clause]
    whole = [i for i in mine if chunks[i].segment < 0]
    wanted = [normalise(p) for p in phrases]
    seen_segments: set[int] = set()
    sentence: list[int] = []
    for i in mine:  # contextual chunks come before the bare ones for each segment
        chunk = chunks[i]
        if chunk.segment >= 0 and chunk.segment not in seen_segments:
            seen_segments.add(chunk.segment)
            if any(w in normalise(chunk.embed_text) for w in wanted):
                sentence.append(i)
    return whole[:1] + sentence[:1]


def build(questions: list[dict[str, Any]], encode: Encode, *, seed: int) -> list[Example]:
    rng = random.Random(seed)
    by_council: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in questions:
        if q["kind"] == "answerable":
            by_council[q["council"]].append(q)
    examples: list[Example] = []
    for slug in sorted(by_council):
        chunks = chunks_for(clauses_of(slug))
        texts = [c.embed_text for c in chunks]
        passages = encode(texts)
        asked = by_council[slug]
        anchors = [anchor_of(q) for q in asked]
        scores = encode(anchors) @ passages.T
        for q, anchor, row in zip(asked, anchors, scores, strict=True):
            answering = answer_clauses(q)
            if not answering:
                continue
            wrong = [int(i) for i in np.argsort(-row) if chunks[int(i)].clause_index not in answering]
            for positive in _positives(chunks, answering[0], q["expect"]):
                negative = rng.choice(wrong[:HARD_POOL])
                examples.append(Example(anchor, texts[positive], texts[negative]))
    rng.shuffle(examples)
    return examples
