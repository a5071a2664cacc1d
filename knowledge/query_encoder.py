"""The bot's embedder: documents by sentence-transformers at index time, questions by the ONNX export.

A process answering from a built index whose home holds a current export loads onnxruntime and tokenizers
only (~0.4 s); sentence-transformers and torch are imported the first time a document must be embedded or the
query model exported. Without an export (or if exporting fails) questions fall back to sentence-transformers,
which gives the same vectors, only slower.
"""

from __future__ import annotations

import threading
from pathlib import Path

from knowledge.embedding import Embedder, Vectors
from knowledge.onnx_embedder import current_export, export_query_model, load_query_model
from knowledge.st_embedder import DIMENSION, MODEL_NAME, SentenceTransformerEmbedder


class MiniLmEmbedder:
    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, home: Path, *, documents: SentenceTransformerEmbedder | None = None) -> None:
        """``documents``: an already loaded model to share (the tests load it once per session)."""
        self.home = home
        self._documents = documents
        self._queries: Embedder | None = None
        self._lock = threading.RLock()

    def documents(self) -> SentenceTransformerEmbedder:
        with self._lock:
            if self._documents is None:
                self._documents = SentenceTransformerEmbedder()
            return self._documents

    def queries(self) -> Embedder:
        with self._lock:
            if self._queries is None:
                self._queries = load_query_model(self.home) or self.documents()
            return self._queries

    @property
    def query_backend(self) -> str:
        """``onnx`` or ``sentence-transformers``: which runtime encodes questions (for benches and tests)."""
        return "sentence-transformers" if isinstance(self.queries(), SentenceTransformerEmbedder) else "onnx"

    def embed(self, texts: list[str]) -> Vectors:
        return self.queries().embed(texts)

    def prepare_queries(self, *, force: bool = False) -> str | None:
        with self._lock:
            if not force and current_export(self.home) is not None:
                return None
            model = self.documents()
            export_query_model(self.home, model.transformer(), model.max_seq_length())
            self._queries = None  # the next question loads the new export
            return "query encoder: exported to ONNX"
