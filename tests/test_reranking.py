"""The reranker: what ships is what the corpus made; served as an ONNX graph that scores like the trained model;
its order and its "none of these answer" reach the answer a member reads."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from config.settings import retrieval_settings
from knowledge.chunks import clause_passage
from knowledge.documents import BUNDLED_DIR, CouncilSource
from knowledge.embedding import HashEmbedder
from knowledge.index import CouncilIndex
from knowledge.reranking import RERANKER_DIR, OnnxReranker
from knowledge.retrieval import search
from knowledge.st_embedder import TUNED_DIR
from training.corpus import digest

MAX_MODEL_BYTES = 50 * 1024 * 1024
PAIRS = [
    ("can I instruct the deputy clerk?", "Officers work under the direction and control of the Council, not of "
     "individual councillors."),
    ("can I instruct the deputy clerk?", "Gifts and hospitality over £25 must be registered within 28 days."),
    ("who do i complain to about the clerk", "A complaint about the Clerk is raised with the Chairman of the "
     "Staffing Committee."),
]


def test_shipped_reranker_is_the_recorded_one_trained_on_this_corpus_over_the_shipped_encoder() -> None:
    record = json.loads((RERANKER_DIR / "training.json").read_text(encoding="utf-8"))
    weights = RERANKER_DIR / "model.safetensors"
    assert weights.stat().st_size <= MAX_MODEL_BYTES
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == record["weights_sha256"]
    assert record["corpus_sha256"] == digest(), "the corpus changed since training: run `make train`"
    encoder = hashlib.sha256((TUNED_DIR / "model.safetensors").read_bytes()).hexdigest()
    assert record["encoder_weights_sha256"] == encoder, "the encoder changed since the reranker was trained"
    first, last = record["watched"][0], record["watched"][-1]
    assert last["hit@1"] > first["hit@1"] and last["abstention"] > first["abstention"]


class _Keyword:
    """A reranker standing in for the model: scores a passage by whether it holds a chosen word."""

    def __init__(self, word: str | None) -> None:
        self.word = word
        self.read: list[int] = []

    def score(self, question: str, passages: list[str]) -> np.ndarray:
        self.read.append(len(passages))
        return np.array([3.0 if self.word and self.word in p.lower() else -3.0 for p in passages], dtype=np.float32)


def _index(slug: str = "wendlebury") -> tuple[CouncilIndex, HashEmbedder]:
    source = CouncilSource(slug, BUNDLED_DIR / slug)
    doc = source.parse()
    embedder = HashEmbedder()
    return CouncilIndex.build(doc.meta, list(doc.clauses), embedder, source.digest()), embedder


def test_the_reranker_reorders_only_the_clauses_it_read_and_says_when_none_answers() -> None:
    index, embedder = _index()
    cfg = dataclasses.replace(retrieval_settings(), rerank_candidates=3, rerank_retrieval_weight=0.0,
                              reranked_confidence=(2.0, 0.0, 0.0, 0.0, 0.0, 0.0), reranked_abstain_below=0.5)
    question = "who do I complain to about the clerk?"
    plain = search(index, embedder, question, k=5, settings=cfg)
    third = plain.hits[2].clause
    word = next(w for w in third.text.lower().split() if len(w) > 6
                and not any(w in h.clause.text.lower() for h in plain.hits[:2]))
    reranker = _Keyword(word)
    reranked = search(index, embedder, question, k=5, settings=cfg, reranker=reranker)
    assert reranker.read == [3]
    assert reranked.hits[0].clause == third and not reranked.abstain
    assert [h.clause for h in reranked.hits[3:]] == [h.clause for h in plain.hits[3:]]
    assert reranked.hits[0].rerank == 3.0 and reranked.hits[4].rerank is None
    nothing = search(index, embedder, question, k=5, settings=cfg, reranker=_Keyword(None))
    assert nothing.abstain, "every clause read scored below 0: the protocol does not cover it"


def test_without_a_reranker_the_cosine_confidence_decides() -> None:
    index, embedder = _index()
    cfg = dataclasses.replace(retrieval_settings(), rerank_candidates=3,
                              reranked_confidence=(2.0, 0.0, 0.0, 0.0, 0.0, -100.0))
    retrieval = search(index, embedder, "who do I complain to about the clerk?", k=5, settings=cfg)
    assert retrieval.features is not None and retrieval.features.rerank is None
    assert retrieval.abstain == (retrieval.confidence < cfg.abstain_below)


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from knowledge.onnx_embedder import ONNX_FILE, quantize
    from knowledge.onnx_graph import write
    from knowledge.st_embedder import model_path

    folder = tmp_path_factory.mktemp("reranker")
    write(Path(model_path()), folder, weights=RERANKER_DIR / "model.safetensors", scorer=True)
    quantize(folder / ONNX_FILE, folder / "int8.onnx")
    return folder


@pytest.mark.model
def test_the_onnx_graph_scores_as_the_trained_model_does(graphs: Path) -> None:
    import torch
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    from knowledge.onnx_embedder import ONNX_FILE
    from knowledge.st_embedder import model_path
    from training.reranker import make_model

    model = make_model(TUNED_DIR / "model.safetensors")
    state = {k: v.float() for k, v in load_file(str(RERANKER_DIR / "model.safetensors")).items()}
    model.encoder.load_state_dict({k.removeprefix("encoder."): v for k, v in state.items() if k.startswith("encoder.")})
    model.head.load_state_dict({k.removeprefix("head."): v for k, v in state.items() if k.startswith("head.")})
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(model_path())
    features = tokenizer([q for q, _ in PAIRS], [p for _, p in PAIRS], padding=True, truncation="only_second",
                         max_length=128, return_tensors="pt")
    with torch.no_grad():
        expected = model(dict(features)).numpy()
    onnx_float = np.concatenate([OnnxReranker(graphs / ONNX_FILE, 128).score(q, [p]) for q, p in PAIRS])
    np.testing.assert_allclose(onnx_float, expected, atol=2e-3)
    served = np.concatenate([OnnxReranker(graphs / "int8.onnx", 128).score(q, [p]) for q, p in PAIRS])
    # 8-bit weights with a scale per output channel move a score by a tenth of its size or less (one scale per
    # tensor moved the session 11 reranker's 2.9 by 1.7); the confidence is fitted on the served scores, and the
    # sign and the order below must hold
    assert (np.abs(served - expected) < 0.1 * np.abs(expected) + 0.25).all()
    assert (np.sign(served) == np.sign(expected)).all(), "answers / does not answer, as the trained model says"
    assert served[0] > served[1], "the 8-bit graph keeps the order that matters"


def test_a_long_question_still_leaves_room_for_the_clause(graphs: Path) -> None:
    reranker = OnnxReranker(graphs / "int8.onnx", 128)
    index, _ = _index()
    long_question = "can I instruct the deputy clerk? " + "I really need to know this. " * 60
    scores = reranker.score(long_question, [clause_passage(c) for c in index.clauses[:3]])
    assert scores.shape == (3,) and np.isfinite(scores).all()
