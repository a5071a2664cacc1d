"""The reranker: a cross-encoder that reads the question and each of retrieval's first few clauses together.

A bi-encoder compares two vectors made apart, so it cannot see which words of a clause answer which words of the
question; on questions that sound like the protocol but are not answered by it ("can councillors claim
mileage?") its cosines stay high and abstention stalled near 0.5. The cross-encoder (``training/reranker.py``,
started from the tuned encoder) gives each pair one score, trained so that above 0 means "this clause answers
it". Retrieval reorders its first ``rerank_candidates`` clauses by that score and the confidence reads the best
one (``knowledge.retrieval``).

Served as an 8-bit ONNX graph written beside the question encoder's export (``knowledge.onnx_export``), from the
fp16 weights in ``knowledge/models/protocol-reranker/``. With the package's own MiniLM (``PROTOCOL_BOT_ENCODER=
base``) there is no reranker: it was trained on top of the tuned encoder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from tokenizers import Tokenizer

from knowledge.st_embedder import TUNED_DIR, model_path, tuned

RERANKER_DIR = TUNED_DIR.parent / "protocol-reranker"
RERANKER_FILE = "reranker.int8.onnx"
SCORE = "score"
QUESTION_TOKENS = 64
"""A question longer than this is cut to it before pairing (training questions are far shorter), so a long
message still leaves room for the clause."""


class Reranker(Protocol):
    def score(self, question: str, passages: list[str]) -> np.ndarray: ...


@runtime_checkable
class RerankingEmbedder(Protocol):
    """An embedder whose export carries a reranker (the bot's ``MiniLmEmbedder``)."""

    def reranker(self) -> Reranker | None: ...


def reranker_weights() -> Path | None:
    """The shipped reranker's weights, when the tuned encoder is in use and they are installed."""
    path = RERANKER_DIR / "model.safetensors"
    return path if tuned() and path.exists() else None


def reranker_record() -> dict[str, Any]:
    """``training.json`` beside the weights (settings, figures, digest); empty when there is none."""
    try:
        return dict(json.loads((RERANKER_DIR / "training.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def reranker_mark() -> str:
    """What an export records about the reranker it was made from: its weights' digest, or "" for none."""
    if reranker_weights() is None:
        return ""
    return str(reranker_record().get("weights_sha256", "unrecorded"))


def pair_tokenizer(max_seq_length: int) -> Tokenizer:
    """The model's tokenizer reading (question, clause) pairs as training did: the clause is what is cut."""
    tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_seq_length, strategy="only_second")
    return tokenizer


class OnnxReranker:
    def __init__(self, onnx_file: Path, max_seq_length: int) -> None:
        from knowledge.onnx_embedder import open_session

        self._session: Any = open_session(onnx_file)
        self._pairs = pair_tokenizer(max_seq_length)
        self._words = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
        self._words.no_padding()
        self._words.no_truncation()

    def _short(self, question: str) -> str:
        encoding = self._words.encode(question, add_special_tokens=False)
        if len(encoding.ids) <= QUESTION_TOKENS:
            return question
        return question[:encoding.offsets[QUESTION_TOKENS - 1][1]]

    def score(self, question: str, passages: list[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        question = self._short(question)
        from knowledge.onnx_embedder import feeds_for

        (scores,) = self._session.run([SCORE], feeds_for([self._pairs.encode(question, p) for p in passages]))
        return np.asarray(scores, dtype=np.float32).reshape(len(passages))


def load_reranker(home: Path) -> OnnxReranker | None:
    """The exported reranker if the home's current export has one; ``None``: answer without reranking."""
    from knowledge.onnx_embedder import current_export, models_folder

    manifest = current_export(home)
    if manifest is None or not manifest.reranker:
        return None
    max_seq = int(reranker_record().get("max_seq_length", 128))
    return OnnxReranker(models_folder(home) / manifest.folder / RERANKER_FILE, max_seq)
