"""Typed settings: where the bot writes (``PROTOCOL_BOT_HOME``) and the retrieval knobs from YAML."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(__file__).resolve().parent


def home() -> Path:
    """Everything written at run time lives here: index, councils added at run time, keys."""
    return Path(os.environ.get("PROTOCOL_BOT_HOME", ".protocol-bot")).resolve()


@dataclass(frozen=True, slots=True)
class RetrievalSettings:
    dense_weight: float
    lexical_weight: float
    expansion_weight: float
    abstain_below: float
    """Calibrated confidence under which the bot says the protocol does not cover the question."""
    cosine_weight: float
    known_weight: float
    topic_weight: float
    length_weight: float
    """Weight of the question's distinctive words, counted up to ``LENGTH_CAP`` (``knowledge.retrieval``)."""
    confidence_bias: float
    max_question_chars: int
    dense_expansions: bool = True
    """Append the vocabulary's expansions and mended typing slips to the question the encoder reads. The tuned
    encoder learnt how people ask from the corpus and is trained without them."""
    rerank_candidates: int = 0
    """How many of the first clauses the reranker reads (``knowledge.reranking``); 0: no reranking."""
    rerank_retrieval_weight: float = 0.0
    """Reranked order: the reranker's score plus this times the fused retrieval score."""
    reranked_confidence: tuple[float, ...] = ()
    """Weights of ``ConfidenceFeatures.reranked_vector()`` then the bias, used when the reranker has read the
    candidates; empty: the cosine-based confidence above, always."""
    reranked_abstain_below: float = 0.5
    rerank_lead: bool = False
    """The reranker also reads each sentence of the first clause with the question, to choose the one to lead
    with (instead of the encoder's cosines)."""


@lru_cache(maxsize=1)
def retrieval_settings() -> RetrievalSettings:
    data: dict[str, Any] = yaml.safe_load((CONFIG_DIR / "retrieval.yaml").read_text(encoding="utf-8"))
    data["reranked_confidence"] = tuple(float(w) for w in data.get("reranked_confidence", ()))
    return RetrievalSettings(**data)


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, list[str]]:
    """Domain vocabulary: a phrase a member may use -> the protocol's words for it."""
    data: dict[str, list[str]] = yaml.safe_load((CONFIG_DIR / "vocabulary.yaml").read_text(encoding="utf-8"))
    return {k.lower(): [v.lower() for v in vals] for k, vals in data.items()}


@dataclass(frozen=True, slots=True)
class TopicSettings:
    subjects: dict[str, list[str]]
    """Subject -> the words people and documents use for it (see ``config/topics.yaml``)."""
    generic_words: frozenset[str]


@lru_cache(maxsize=1)
def topics() -> TopicSettings:
    data: dict[str, Any] = yaml.safe_load((CONFIG_DIR / "topics.yaml").read_text(encoding="utf-8"))
    subjects = {str(k): [str(v).lower() for v in vals] for k, vals in data["subjects"].items()}
    return TopicSettings(subjects, frozenset(str(w).lower() for w in data["generic_words"]))
