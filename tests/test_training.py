"""The tuned encoder: what ships is what the corpus made, labels point at real clauses, training learns.

Full training never runs here (``make train`` does, ~30 min on 2 cores); a run on a dozen questions checks that
the loop lowers the loss on what it was shown and writes weights the bot can load.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from knowledge.chunks import chunks_for
from knowledge.embedding import HashEmbedder
from knowledge.evaluation import normalise
from knowledge.st_embedder import TUNED_DIR
from training.corpus import SPLITS, answer_clauses, clauses_of, councils, digest, load
from training.encoder import pinned_questions, questions_digest
from training.pairs import anchor_of, build
from training.validate import problems

MAX_MODEL_BYTES = 50 * 1024 * 1024


def test_shipped_weights_are_the_recorded_ones_trained_on_this_corpus() -> None:
    record = json.loads((TUNED_DIR / "training.json").read_text(encoding="utf-8"))
    weights = TUNED_DIR / "model.safetensors"
    assert weights.stat().st_size <= MAX_MODEL_BYTES
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == record["weights_sha256"]
    if "questions_file" in record:  # trained on a pinned list while the corpus grew: still only training questions
        pinned = pinned_questions(TUNED_DIR / record["questions_file"])
        assert questions_digest(pinned) == record["questions_sha256"]
        blind = {normalise(q["question"]) for split in ("blind_bundled", "blind_councils") for q in load(split)}
        assert not blind & {normalise(q["question"]) for q in pinned}
        assert not {q["council"] for q in pinned} & {slug for slug, c in councils().items() if c.blind}
        # a later writer may ask a pinned text again of another council ("best way to get hold of the clerk?"), and
        # that question may fall in validation: another protocol, another answer; the same question never does
        validation = {(q["council"], normalise(q["question"])) for q in load("validation")}
        assert not validation & {(q["council"], normalise(q["question"])) for q in pinned}
    else:
        assert record["corpus_sha256"] == digest(), "the corpus changed since training: run `make train`"
    assert record["probe_loss_after"] < record["probe_loss_before"]


def test_every_label_in_the_corpus_points_at_exactly_one_clause() -> None:
    assert problems() == []


def test_blind_councils_never_reach_training_or_validation() -> None:
    blind = {slug for slug, c in councils().items() if c.blind}
    assert blind
    for split in ("train", "validation", "blind_bundled"):
        assert not blind & {q["council"] for q in load(split)}
    trained = {normalise(q["question"]) for q in load("train")}
    for split in SPLITS[1:]:
        assert not trained & {normalise(q["question"]) for q in load(split)}


def test_examples_pair_a_question_with_its_answer_and_a_near_miss_from_the_same_protocol() -> None:
    questions = [q for q in load("train") if q["council"] == "honiton" and q["kind"] == "answerable"][:20]
    embedder = HashEmbedder()
    examples = build(questions, embedder.embed, seed=1)
    assert examples
    passages = {c.embed_text for c in chunks_for(clauses_of("honiton"))}
    by_anchor = {anchor_of(q): q for q in questions}
    for example in examples:
        q = by_anchor[example.anchor]
        wanted = [normalise(p) for p in q["expect"]]
        assert any(w in normalise(example.positive) for w in wanted)
        assert not any(w in normalise(example.negative) for w in wanted)
        answer = {normalise(clauses_of("honiton")[i].text) for i in answer_clauses(q)}
        assert not any(a and a in normalise(example.negative) for a in answer)
        assert example.negative in passages and example.positive in passages


def test_sibling_negatives_teach_which_sentence_of_the_clause_answers() -> None:
    """With ``sibling_share`` 1, an answering sentence's negative is another sentence of the same clause, one that
    holds no label; the whole clause keeps a negative from another clause; a share of 0 changes nothing."""
    questions = [q for q in load("train") if q["council"] == "honiton" and q["kind"] == "answerable"][:20]
    embedder = HashEmbedder()
    chunks = chunks_for(clauses_of("honiton"))
    clause_of = {c.embed_text: c.clause_index for c in chunks}
    sentence = {c.embed_text for c in chunks if c.segment >= 0}
    by_anchor = {anchor_of(q): q for q in questions}
    siblings = 0
    for example in build(questions, embedder.embed, seed=1, sibling_share=1.0):
        q = by_anchor[example.anchor]
        assert not any(normalise(p) in normalise(example.negative) for p in q["expect"])
        same_clause = clause_of[example.negative] == clause_of[example.positive]
        if example.positive not in sentence:
            assert not same_clause
        siblings += same_clause
    assert siblings >= 5
    assert build(questions, embedder.embed, seed=1, sibling_share=0.0) == build(questions, embedder.embed, seed=1)


def test_answerable_questions_also_teach_none_when_their_answer_is_withheld() -> None:
    from training.rerank_groups import build as build_groups

    questions = [q for q in load("train") if q["council"] == "honiton" and q["kind"] == "answerable"][:30]
    plain = build_groups(questions, HashEmbedder().embed)
    assert all(g.answer is not None for g in plain)
    groups = build_groups(questions, HashEmbedder().embed, withheld=0.5, seed=3)
    withheld = [g for g in groups if g.answer is None]
    assert 5 <= len(withheld) <= 25
    answers = {g.question: g.answer for g in groups if g.answer is not None}
    for group in withheld:
        assert answers[group.question] not in group.near_misses


def test_the_same_seed_gives_the_same_examples() -> None:
    questions = [q for q in load("train") if q["council"] == "ledbury"][:30]
    embedder = HashEmbedder()
    assert build(questions, embedder.embed, seed=7) == build(questions, embedder.embed, seed=7)


@pytest.mark.model
def test_a_tiny_training_run_lowers_the_loss_and_writes_loadable_weights(tmp_path: Path) -> None:
    from safetensors import safe_open

    from training.encoder import train

    questions = [q for q in load("train") if q["council"] == "honiton" and q["kind"] == "answerable"][:24]
    record = train(seed=3, epochs=3, batch_size=8, lr=5e-5, max_seq=64, limit=None, out=tmp_path,
                   questions=questions)
    assert record["probe_loss_after"] < record["probe_loss_before"]
    with safe_open(str(tmp_path / "model.safetensors"), framework="numpy") as weights:
        word = weights.get_tensor("embeddings.word_embeddings.weight")
    assert word.dtype == np.float16 and word.shape == (30522, 384)


def test_reranker_groups_hold_the_answer_or_none_and_near_misses_from_the_same_protocol() -> None:
    from knowledge.chunks import clause_passage
    from training.rerank_groups import build as build_groups

    honiton = [q for q in load("train") if q["council"] == "honiton"]
    questions = [q for q in honiton if q["kind"] == "answerable"][:20] + [q for q in honiton
                                                                          if q["kind"] != "answerable"][:10]
    groups = build_groups(questions, HashEmbedder().embed)
    passages = {clause_passage(c) for c in clauses_of("honiton")}
    assert groups and any(g.answer is None for g in groups) and any(g.answer for g in groups)
    for group in groups:
        assert group.answer is None or group.answer in passages
        assert group.near_misses and set(group.near_misses) <= passages and group.answer not in group.near_misses


@pytest.mark.model
def test_a_tiny_reranker_run_learns_and_writes_weights_the_graph_reads(tmp_path: Path) -> None:
    from safetensors import safe_open

    from training.reranker import train as train_reranker

    honiton = [q for q in load("train") if q["council"] == "honiton"]
    questions = [q for q in honiton if q["kind"] == "answerable"][:24] + [q for q in honiton
                                                                          if q["kind"] != "answerable"][:8]
    record = train_reranker(seed=3, epochs=4, batch_groups=8, lr=4e-5, head_lr=2e-3, max_seq=96, limit=None,
                            out=tmp_path, questions=questions, monitor=questions[:16])
    assert record["loss_last"] < record["loss_first"]
    with safe_open(str(tmp_path / "model.safetensors"), framework="numpy") as weights:
        assert weights.get_tensor("head.weight").shape == (1, 384)
        assert weights.get_tensor("encoder.embeddings.word_embeddings.weight").dtype == np.float16
