"""Training examples for the question encoder: (question, passage that answers it, passage that does not).

The passage is what the index embeds (``knowledge.chunks``): the answering sentence with its heading and lead-in,
and the whole clause, so the encoder learns both shapes the search compares a question with. The negative is a
hard one: a passage of the same protocol that the base model ranks close to the question but that holds none of
its labels (chosen at random among the ten closest with a fixed seed).

``sibling_share``: for that share of the answering *sentences*, the negative is instead another sentence of the
same clause that holds no label. The search finds the clause; which of its sentences the answer leads with is the
encoder's sentence score (``bot.answers.lead_segment``), and in-batch and other-clause negatives never ask it to
tell a clause's sentences apart ("spoke to my manager, nothing changed, what next" is answered by the sentence
after the one naming the manager).
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
    whole = [i for i, c in enumerate(chunks) if c.clause_index == clause and c.segment < 0]
    labelled, _ = _sentences(chunks, clause, phrases)
    return whole[:1] + labelled[:1]


def _sentences(chunks: list[Chunk], clause: int, phrases: list[str]) -> tuple[list[int], list[int]]:
    """The clause's contextual sentence chunks: those holding a label, and those holding none."""
    wanted = [normalise(p) for p in phrases]
    seen_segments: set[int] = set()
    labelled: list[int] = []
    other: list[int] = []
    for i, chunk in enumerate(chunks):  # contextual chunks come before the bare ones for each segment
        if chunk.clause_index == clause and chunk.segment >= 0 and chunk.segment not in seen_segments:
            seen_segments.add(chunk.segment)
            (labelled if any(w in normalise(chunk.embed_text) for w in wanted) else other).append(i)
    return labelled, other


def build(questions: list[dict[str, Any]], encode: Encode, *, seed: int, sibling_share: float = 0.0
          ) -> list[Example]:
    rng = random.Random(seed)
    siblings_rng = random.Random(seed + 1)  # its own stream: a share of 0 leaves the examples exactly as before
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
            _, unlabelled = _sentences(chunks, answering[0], q["expect"])
            for positive in _positives(chunks, answering[0], q["expect"]):
                negative = rng.choice(wrong[:HARD_POOL])
                if chunks[positive].segment >= 0 and unlabelled and sibling_share > 0 \
                        and siblings_rng.random() < sibling_share:
                    negative = siblings_rng.choice(unlabelled)
                examples.append(Example(anchor, texts[positive], texts[negative]))
    rng.shuffle(examples)
    return examples
