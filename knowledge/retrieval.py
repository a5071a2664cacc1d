"""Hybrid retrieval for one council: dense (best chunk per clause) fused with BM25, plus a confidence.

Fusion is a weighted sum of the cosine and the max-normalised BM25 score (weights in
``config/retrieval.yaml``). The confidence is a logistic model, fitted on the training questions by
``bench/tune.py``, of four things: how close in meaning the best clause is, how much of the question's
own wording the protocol uses, whether the question names a subject the protocol never mentions
(``knowledge/topics.py``), and how many distinctive words the question has.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from config.settings import RetrievalSettings, retrieval_settings, topics
from knowledge.chunks import chunks_for, clause_passage
from knowledge.clauses import Clause
from knowledge.embedding import Embedder
from knowledge.index import CouncilIndex
from knowledge.reranking import Reranker
from knowledge.spelling import corrections, lexicon, mend
from knowledge.topics import subjects_missing
from knowledge.vocabulary import expansions, tokens

LENGTH_CAP = 12
"""Distinctive words beyond this say nothing more (a long ramble is no more answerable than a paragraph)."""
ROLE_WORDS = {"councillor": "councillor", "chair": "chair councillor", "officer": "officer", "clerk": "clerk officer"}


@dataclass(frozen=True, slots=True)
class Hit:
    clause: Clause
    score: float
    dense: float
    lexical: float
    best_segment: int | None = None
    """The sentence or list item (``split_segments`` order) closest in meaning to the question."""
    segment_scores: tuple[tuple[int, float], ...] = ()
    """(segment, best cosine of any chunk of that segment), best first: lets the answer weigh meaning
    against the question's own words when it picks the sentence to lead with."""
    rerank: float | None = None
    """The reranker's score for this clause (above 0: it answers), when it read it."""


@dataclass(frozen=True, slots=True)
class ConfidenceFeatures:
    best_cosine: float
    known_share: float
    """Share of the question's distinctive stems (generic words like "council" left out) the protocol uses."""
    missing_subjects: frozenset[str]
    distinctive_words: int = 0
    """Distinct stems left after generic words: someone describing a situation between people ("the chair
    keeps ringing my deputy at home about agenda stuff") is asking what the protocol is for, even when the
    situation names a subject it never mentions; a short question about one subject ("when is the precept
    set?") is the typical not-covered one. Fitted on two colloquial question sets, it cut false abstention
    on the one held out of the fit (0.124 -> 0.105) while abstaining on more of its negatives (0.69 -> 0.73)."""

    @classmethod
    def of(cls, index: CouncilIndex, question: str, own: list[str], best_cosine: float,
           rerank: float | None = None) -> ConfidenceFeatures:
        """``question`` with its typing slips mended (``knowledge.spelling.mend``), ``own`` its stems."""
        generic = generic_stems()
        distinctive = {t for t in own if t not in generic}
        known = sum(1 for t in distinctive if t in index.lexical.vocabulary) / max(len(distinctive), 1)
        return cls(best_cosine, known, subjects_missing(index, question), len(distinctive), rerank)

    rerank: float | None = None
    """The reranker's best score over the clauses it read (``knowledge.reranking``); ``None`` without one."""
    grounded: bool = True
    """The question uses a word the protocol uses (its own, a typing slip mended, or a member's word for a protocol
    phrase), or is long enough to tell a situation (more than ``SHORT_WORDS`` words). A short message sharing no
    word with the protocol ("hello", "ok", "asdf qwerty", "?????") gives nothing to ground a quote on: the reranker
    reads such text with any clause as a match (scores of +4 to +6, it never saw one in training), so the bot would
    quote a clause at random. Its confidence is 0 (declined) whatever the model says; on the corpus this catches no
    answerable validation question and 1 of 6,549 in train."""

    @property
    def length(self) -> float:
        return min(self.distinctive_words, LENGTH_CAP) / LENGTH_CAP

    def vector(self) -> list[float]:
        """The model's inputs, in the order ``bench/tune.py`` fits their weights."""
        return [self.best_cosine, self.known_share, float(bool(self.missing_subjects)), self.length]

    def reranked_vector(self) -> list[float]:
        """The inputs of the confidence used when the reranker has read the candidates (``bench/tune.py``)."""
        return [self.rerank or 0.0, *self.vector()]

    def confidence(self, cfg: RetrievalSettings) -> float:
        if not self.grounded:
            return 0.0
        if self.rerank is not None and cfg.reranked_confidence:
            *weights, bias = cfg.reranked_confidence
            evidence = float(np.dot(weights, self.reranked_vector())) + bias
        else:
            evidence = (cfg.cosine_weight * self.best_cosine + cfg.known_weight * self.known_share
                        - cfg.topic_weight * bool(self.missing_subjects) + cfg.length_weight * self.length
                        + cfg.confidence_bias)
        return 1.0 / (1.0 + math.exp(-evidence))

    def abstains(self, cfg: RetrievalSettings) -> bool:
        threshold = cfg.reranked_abstain_below if self.rerank is not None and cfg.reranked_confidence \
            else cfg.abstain_below
        return self.confidence(cfg) < threshold


@lru_cache(maxsize=1)
def generic_stems() -> frozenset[str]:
    return frozenset(tokens(" ".join(topics().generic_words)))


@dataclass(frozen=True, slots=True)
class Retrieval:
    hits: list[Hit]
    confidence: float
    abstain: bool
    features: ConfidenceFeatures | None = None


FRAMING = re.compile(
    r"\b(?:(?:does|do|did|will|would|can)\s+(?:the|our|this|my)\s+(?:(?:member|councillor)[/ -](?:officer|member)\s+)?"
    r"protocol\s+(?:say|said|cover|mention|address|include|have)\s*(?:anything|something)?\s*(?:about|on|regarding|re)?"
    r"|what\s+does\s+(?:the|our|this)\s+protocol\s+say\s+(?:about|on)"
    r"|(?:is|are)\s+there\s+(?:anything|something|rules?)\s+in\s+(?:the|our|this)\s+protocol\s+(?:about|on)?"
    r"|according\s+to\s+(?:the|our)\s+protocol)\b",
    re.IGNORECASE)
"""How people frame a question ("does the protocol say anything about ..."): not what they ask about. Left in,
"protocol" pulls every question towards the introduction clauses that describe the protocol itself."""


TAG_QUESTION = re.compile(
    r"(?:^|[.?!]\s*|\s-\s)(?:is that (?:ok|okay|allowed|right|a problem|fine|normal|reasonable)"
    r"|any (?:problem|harm|issue)s? with that|should i|can i say no|what do i do|am i allowed(?: to)?|do i have to"
    r"|is (?:he|she|they) allowed to do that|right|thoughts)\s*[?!.]*\s*$",
    re.IGNORECASE)
"""A chat question often ends by asking for a verdict ("... is that ok?"): it says nothing about the subject, and
in a short question it pulls the embedding towards every clause about what is allowed."""


def unframed(question: str) -> str:
    question = TAG_QUESTION.sub("", question.strip()) or question
    stripped = FRAMING.sub(" ", question).strip(" ,.?")
    return stripped if len(stripped) >= 3 else question


def query_text(question: str, role: str | None, mended: list[str] | None = None, *, expand: bool = True) -> str:
    """What the encoder reads. ``mended``: the council's words for the question's typing slips
    (``knowledge.spelling``); ``expand``: append those and the vocabulary's expansions."""
    question = unframed(question)
    extra = list(dict.fromkeys(expansions(question) + [m for m in mended or [] if m not in question])) if expand else []
    text = question if not extra else f"{question} ({', '.join(extra)})"
    return f"{ROLE_WORDS.get(role or '', '')} asks: {text}".strip() if role else text


def _segment_scores(index: CouncilIndex, chunk_scores: np.ndarray, chunk_ids: np.ndarray, clauses: np.ndarray
                    ) -> dict[int, dict[int, float]]:
    """Each found clause's sentences, best first, by their own chunks' scores (only for the clauses shown:
    looping over every chunk of the council in Python cost a millisecond a question)."""
    clause_of = index.chunk_clause[chunk_ids]
    segment_of = index.chunk_segment[chunk_ids]
    wanted = np.isin(clause_of, clauses) & (segment_of >= 0)
    scores: dict[int, dict[int, float]] = {}
    for score, clause, segment in zip(chunk_scores[wanted].tolist(), clause_of[wanted].tolist(),
                                      segment_of[wanted].tolist(), strict=True):  # best first: first seen wins
        scores.setdefault(clause, {}).setdefault(segment, score)
    return scores


def _rerank(index: CouncilIndex, reranker: Reranker, question: str, order: np.ndarray, fused: np.ndarray,
            cfg: RetrievalSettings) -> tuple[np.ndarray, dict[int, float]]:
    """The first ``rerank_candidates`` clauses in the reranker's order (its score plus a share of the fused
    retrieval score), the rest as they were; and each read clause's score."""
    head = order[:cfg.rerank_candidates]
    scores = reranker.score(question, [clause_passage(index.clauses[int(i)]) for i in head])
    mixed = scores + cfg.rerank_retrieval_weight * fused[head]
    reordered = np.concatenate([head[np.argsort(-mixed, kind="stable")], order[cfg.rerank_candidates:]])
    return reordered, {int(i): float(v) for i, v in zip(head, scores, strict=True)}


def _sentence_scores(clause: Clause, reranker: Reranker | None, question: str) -> dict[int, float]:
    """The reranker's scores for each sentence of the first clause, best first (none for a one-sentence clause):
    which sentence answers *this* question, read together with it."""
    passages = {c.segment: c.embed_text for c in reversed(chunks_for([clause])) if c.segment >= 0}
    if reranker is None or len(passages) < 2:
        return {}
    positions = sorted(passages)
    scores = reranker.score(question, [passages[p] for p in positions])
    return {positions[i]: float(scores[i]) for i in np.argsort(-scores, kind="stable")}


SHORT_WORDS = 3
"""Words (stems, stop words left out) up to which a question sharing no word with the protocol is declined."""


def search(
    index: CouncilIndex, embedder: Embedder, question: str, *, role: str | None = None, k: int = 5,
    settings: RetrievalSettings | None = None, reranker: Reranker | None = None,
) -> Retrieval:
    """``reranker``: reads the question with each of the first ``rerank_candidates`` clauses (none: fused order
    and the cosine-based confidence)."""
    cfg = settings or retrieval_settings()
    n = len(index.clauses)
    slips = corrections(question, lexicon(index))
    mended = list(dict.fromkeys(slips.values()))
    vector = embedder.embed([query_text(question, role, mended, expand=cfg.dense_expansions)])
    chunk_scores, chunk_ids = index.dense.search(vector, index.dense.size)
    dense = np.full(n, -1.0, dtype=np.float32)
    np.maximum.at(dense, index.chunk_clause[chunk_ids], chunk_scores)

    own = tokens(unframed(question))
    expanded = tokens(" ".join(dict.fromkeys(expansions(question) + mended)))
    lexical = index.lexical.scores(own) + cfg.expansion_weight * index.lexical.scores(expanded)
    top_lexical = float(lexical.max()) if n else 0.0
    lexical_norm = lexical / top_lexical if top_lexical > 0 else lexical

    fused = cfg.dense_weight * dense + cfg.lexical_weight * lexical_norm
    order = np.argsort(-fused, kind="stable")[:max(k, cfg.rerank_candidates)]
    reranked: dict[int, float] = {}
    if reranker is not None and cfg.rerank_candidates > 0 and n:
        order, reranked = _rerank(index, reranker, query_text(question, role, expand=False), order, fused, cfg)
    order = order[:k]
    segment_scores = _segment_scores(index, chunk_scores, chunk_ids, order)
    if reranked and cfg.rerank_lead and len(order):
        top = int(order[0])
        segment_scores[top] = _sentence_scores(index.clauses[top], reranker, query_text(question, role, expand=False)
                                               ) or segment_scores.get(top, {})
    hits = [Hit(index.clauses[i], float(fused[i]), float(dense[i]), float(lexical_norm[i]),
                next(iter(segment_scores.get(int(i), {})), None), tuple(segment_scores.get(int(i), {}).items()),
                reranked.get(int(i)))
            for i in order]

    mended_question = mend(question, slips)  # a slip is neither an unknown word nor a subject unseen
    words = tokens(unframed(mended_question))
    features = ConfidenceFeatures.of(index, mended_question, words,
                                     float(dense.max()) if n else 0.0, max(reranked.values(), default=None))
    if len(set(words)) <= SHORT_WORDS and not any(t in index.lexical.vocabulary for t in (*words, *expanded)):
        features = dataclasses.replace(features, grounded=False)
    confidence = features.confidence(cfg)
    return Retrieval(hits=hits, confidence=confidence, abstain=features.abstains(cfg), features=features)
