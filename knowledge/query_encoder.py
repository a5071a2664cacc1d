"""The bot's embedder: documents by sentence-transformers at index time, questions by the ONNX export.

A process answering from a built index whose home holds a current export loads onnxruntime and tokenizers
only (~0.4 s); sentence-transformers and torch are imported the first time a document must be embedded. The
export runs in a child process (``python -m knowledge.onnx_export HOME``), started as soon as documents are
about to be embedded, so the two overlap and neither process holds both models' memory. Without an export (or
if exporting fails) questions fall back to sentence-transformers, which gives the same vectors, only slower.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from knowledge.embedding import Embedder, Vectors
from knowledge.onnx_embedder import current_export, load_query_model
from knowledge.reranking import OnnxReranker, Reranker, load_reranker
from knowledge.st_embedder import DIMENSION, MODEL_NAME, SentenceTransformerEmbedder

EXPORT_TIMEOUT_S = 900.0


class ExportFailedError(RuntimeError):
    pass


class MiniLmEmbedder:
    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, home: Path, *, documents: SentenceTransformerEmbedder | None = None) -> None:
        """``documents``: an already loaded model to share (the tests load it once per session)."""
        self.home = home
        self._documents = documents
        self._queries: Embedder | None = None
        self._reranker: OnnxReranker | None = None
        self._reranker_loaded = False
        self._export: subprocess.Popen[str] | None = None
        self.export_report: dict[str, Any] | None = None
        """What the last export in this process printed (folder, bytes, its peak RSS in MB), for benches."""
        self._lock = threading.RLock()

    def documents(self) -> SentenceTransformerEmbedder:
        with self._lock:
            if current_export(self.home) is None:
                self._start_export()  # overlaps with loading the document model and embedding
            if self._documents is None:
                self._documents = SentenceTransformerEmbedder()
            return self._documents

    def queries(self) -> Embedder:
        with self._lock:
            if self._queries is None:
                self._queries = load_query_model(self.home) or self.documents()
            return self._queries

    def reranker(self) -> Reranker | None:
        """The exported reranker, loaded with the question encoder's export; ``None`` until there is one."""
        with self._lock:
            if not self._reranker_loaded:
                self._reranker = load_reranker(self.home)
                self._reranker_loaded = self._reranker is not None or current_export(self.home) is not None
            return self._reranker

    @property
    def query_backend(self) -> str:
        """``onnx`` or ``sentence-transformers``: which runtime encodes questions (for benches and tests)."""
        return "sentence-transformers" if isinstance(self.queries(), SentenceTransformerEmbedder) else "onnx"

    def embed(self, texts: list[str]) -> Vectors:
        return self.queries().embed(texts)

    def _start_export(self) -> None:
        if self._export is None:
            self.home.mkdir(parents=True, exist_ok=True)
            self._export = subprocess.Popen(
                [sys.executable, "-m", "knowledge.onnx_export", str(self.home)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )

    def prepare_queries(self, *, force: bool = False) -> str | None:
        """Wait for (or start) the export; raises ``ExportFailedError`` with the child's last words if it fails."""
        with self._lock:
            if not force and self._export is None and current_export(self.home) is not None:
                return None
            self._start_export()
            export, self._export = self._export, None
            assert export is not None
            try:
                printed, errors = export.communicate(timeout=EXPORT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                export.kill()
                export.communicate()
                raise ExportFailedError(f"the export took more than {EXPORT_TIMEOUT_S:.0f} s") from None
            if export.returncode != 0:
                tail = " ".join((errors or "").strip().splitlines()[-1:]) or f"exit code {export.returncode}"
                raise ExportFailedError(tail)
            self._queries = None  # the next question loads the new export
            self._reranker, self._reranker_loaded = None, False
            try:
                self.export_report = json.loads(printed.strip().splitlines()[-1])
            except (ValueError, IndexError):
                self.export_report = None
            return "query encoder: exported to ONNX"
