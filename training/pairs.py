"""Training examples for the question encoder: (question, passage that answers it, passage that does not).

The passage is what the index embeds (``knowledge.chunks``): the answering sentence with its heading and lead-in,
and the whole clause, so the encoder learns both shapes the search compares a question with. The negative is a
hard one: a passage of the same protocol that the base model ranks close to the question but that holds none of
its labels (chosen at random among the ten closest with a fixed seed). For the answering sentence the negative is
a sibling instead, when the clause has one: a sentence of the same clause that holds no label (one of the two the
base model ranks closest). Cross-clause negatives alone taught the encoder which clause answers but not which of
its sentences does, and the bot leads with the sentence it scores highest (session 7).
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
SIBLING_POOL = 2

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class Example:
    anchor: str
    positive: str
    negative: str


def anchor_of(question: dict[str, Any]) -> str:
    """Exactly what the bot embeds for a question (role words, framing removed, no hand-written expansions)."""
    return query_text(question["question"], question.get("role"), expand=False)


def _sentences(chunks: list[Chunk], clause: int, phrases: list[str]) -> tuple[list[int], list[int]]:
    """The clause's contextual sentence chunks: those holding a label, and the others (lead-ins left out: the bot
    never leads with "Officers can expect:")."""
    wanted = [normalise(p) for p in phrases]
    seen_segments: set[int] = set()
    labelled: list[int] = []
    others: list[int] = []
    for i, chunk in enumerate(chunks):  # contextual chunks come before the bare ones for each segment
        if chunk.clause_index != clause or chunk.segment < 0 or chunk.segment in seen_segments:
            continue
        seen_segments.add(chunk.segment)
        if any(w in normalise(chunk.embed_text) for w in wanted):
            labelled.append(i)
        elif not chunk.embed_text.rstrip().endswith(":"):
            others.append(i)
    return labelled, others


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
            ranked = [int(i) for i in np.argsort(-row)]
            wrong = [i for i in ranked if chunks[i].clause_index not in answering]
            whole = next(i for i, c in enumerate(chunks) if c.clause_index == answering[0] and c.segment < 0)
            examples.append(Example(anchor, texts[whole], texts[rng.choice(wrong[:HARD_POOL])]))
            labelled, others = _sentences(chunks, answering[0], q["expect"])
            if labelled:
                siblings = [i for i in ranked if i in set(others)][:SIBLING_POOL]
                negative = rng.choice(siblings) if siblings else rng.choice(wrong[:HARD_POOL])
                examples.append(Example(anchor, texts[labelled[0]], texts[negative]))
    rng.shuffle(examples)
    return examples
