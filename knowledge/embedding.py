"""The seam between retrieval and any embedding model.

Unit tests use ``HashEmbedder`` (deterministic, instant) for documents and questions alike. The bot uses
``knowledge.query_encoder.MiniLmEmbedder``, a ``SplitEmbedder``: documents through sentence-transformers at
index time, questions through an ONNX export of the same model, so a process answering from a built index
never imports torch.
"""

from __future__ import annotations

import hashlib
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class SplitEmbedder(Embedder, Protocol):
    """One vector space reached by two runtimes: ``embed`` encodes questions, ``documents()`` the index.

    Both sides carry the same ``name``: an index built by one side is searched with the other.
    """

    def documents(self) -> Embedder:
        """The (possibly slow to load) embedder for index building; loaded on first call."""
        ...

    def prepare_queries(self, *, force: bool = False) -> str | None:
        """Make the fast question encoder available (at index time); a message when something was done."""
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
