"""The naive pipeline we must beat: 500-character chunks, same model, dense + BM25 fused by RRF.

    .venv/bin/python -m bench.naive_baseline ../shared/eval/dev_questions.jsonl

Prints the same JSON as `protocol-bot eval`. A hit is a 500-character chunk containing an expected phrase.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.dense import DenseIndex
from knowledge.documents import discover
from knowledge.evaluation import evaluate, load_questions
from knowledge.lexical import LexicalIndex
from knowledge.st_embedder import SentenceTransformerEmbedder
from knowledge.vocabulary import tokens

CHUNK = 500


def main() -> None:
    embedder = SentenceTransformerEmbedder()
    indexes: dict[str, tuple[list[str], DenseIndex, LexicalIndex]] = {}
    for slug, source in discover(Path("/nonexistent")).items():
        text = source.read_text()
        chunks = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]
        indexes[slug] = (chunks, DenseIndex.build(embedder.embed(chunks)), LexicalIndex([tokens(c) for c in chunks]))

    def answer(q: dict[str, Any]) -> tuple[bool, list[str], str | None]:
        chunks, dense, lexical = indexes[q["council"]]
        _, dense_ids = dense.search(embedder.embed([q["question"]]), len(chunks))
        lexical_ids = np.argsort(-lexical.scores(tokens(q["question"])), kind="stable")
        rrf = np.zeros(len(chunks))
        for ranking in (dense_ids, lexical_ids):
            for rank, i in enumerate(ranking):
                rrf[i] += 1 / (60 + rank + 1)
        best = [chunks[i] for i in np.argsort(-rrf)[:5]]
        return False, best, best[0].split('\n', 1)[0]

    print(json.dumps(evaluate(load_questions(Path(sys.argv[1])), answer)["overall"]))


if __name__ == "__main__":
    main()
