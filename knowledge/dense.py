"""FAISS inner product over unit vectors (cosine). The only module that imports faiss."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from knowledge.embedding import Vectors


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: Vectors) -> DenseIndex:
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def search(self, query: Vectors, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the ``k`` nearest rows, best first."""
        scores, ids = self._index.search(np.ascontiguousarray(query, dtype=np.float32), min(k, self.size))
        return scores[0], ids[0]
