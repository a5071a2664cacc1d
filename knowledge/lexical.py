"""BM25 over the same clauses (bm25s), with our own tokens so stems and vocabulary match the query."""

from __future__ import annotations

import bm25s
import numpy as np


class LexicalIndex:
    def __init__(self, corpus_tokens: list[list[str]]) -> None:
        self._model = bm25s.BM25()
        # An empty document would leave bm25s without a vocabulary row; a placeholder keeps ids aligned.
        self._model.index([toks or ["\u2205"] for toks in corpus_tokens], show_progress=False)
        self.vocabulary = {t for toks in corpus_tokens for t in toks}
        self.size = len(corpus_tokens)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self.vocabulary]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)
