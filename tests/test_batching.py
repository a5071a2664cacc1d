"""Concurrent questions share runs of the encoder (``bot.batching``): same vectors, fewer runs, errors reach
everyone in the batch, and a question asked alone is never kept waiting."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bot.batching import BatchingEncoder
from knowledge.embedding import HashEmbedder, Vectors

QUESTIONS = [f"can councillor {n} instruct the clerk about item {n}?" for n in range(24)]


class Slow:
    """The hash embedder, taking ``delay`` seconds a run (so calls pile up), counting its runs."""

    def __init__(self, delay: float = 0.02, fail: bool = False) -> None:
        self.inner = HashEmbedder()
        self.name, self.dimension = self.inner.name, self.inner.dimension
        self.delay, self.fail = delay, fail
        self.runs: list[int] = []
        self._lock = threading.Lock()
        self.concurrent = 0
        self.most_concurrent = 0

    def embed(self, texts: list[str]) -> Vectors:
        with self._lock:
            self.runs.append(len(texts))
            self.concurrent += 1
            self.most_concurrent = max(self.most_concurrent, self.concurrent)
        try:
            time.sleep(self.delay)
            if self.fail:
                raise RuntimeError("encoder broke")
            return self.inner.embed(texts)
        finally:
            with self._lock:
                self.concurrent -= 1


def test_concurrent_questions_get_their_own_vectors_in_fewer_runs() -> None:
    slow = Slow()
    encoder = BatchingEncoder(slow, max_batch=4)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: encoder.embed([q]), QUESTIONS))
    for question, vectors in zip(QUESTIONS, got, strict=True):
        assert np.array_equal(vectors, slow.inner.embed([question]))
    assert sum(slow.runs) == len(QUESTIONS) and max(slow.runs) <= 4
    assert len(slow.runs) < len(QUESTIONS)  # they met
    assert slow.most_concurrent == 1  # one lane: one run at a time


def test_lanes_bound_the_runs_at_once() -> None:
    slow = Slow()
    encoder = BatchingEncoder(slow, max_batch=2, lanes=2)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda q: encoder.embed([q]), QUESTIONS))
    assert slow.most_concurrent <= 2 and max(slow.runs) <= 2


def test_a_lone_question_runs_at_once() -> None:
    slow = Slow(delay=0.0)
    encoder = BatchingEncoder(slow)
    started = time.perf_counter()
    vectors = encoder.embed(["who do I ask?", "and whom else?"])
    assert time.perf_counter() - started < 0.5 and vectors.shape == (2, slow.dimension)
    assert slow.runs == [2]


def test_a_failed_run_fails_every_question_in_it_and_the_next_still_runs() -> None:
    slow = Slow(fail=True)
    encoder = BatchingEncoder(slow, max_batch=8)
    errors: list[BaseException] = []

    def ask(question: str) -> None:
        try:
            encoder.embed([question])
        except RuntimeError as exc:
            errors.append(exc)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(ask, QUESTIONS[:8]))
    assert len(errors) == 8
    slow.fail = False
    assert encoder.embed(["still working?"]).shape == (1, slow.dimension)


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        BatchingEncoder(HashEmbedder(), max_batch=0)
