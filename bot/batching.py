"""Questions asked at the same moment share one run of the question encoder.

The encoder (ONNX MiniLM, two intra-op threads, no spin-waiting) is most of a question's CPU (~9-11 ms of ~13). Run
one sentence at a time from several threads, concurrent questions each take a core's share and slow one
another down; run as one batch, a few short sentences cost less each than one alone did (measured on the 2-core
machine: ~9.5 ms for one, ~7.5 ms each in batches of 2 to 4, worse again past 8 as padding grows). So:

- whoever calls ``embed`` while no batch is running runs one at once, with every question waiting by then (up
  to ``max_batch``); nobody waits for a batch to fill, so a lone question is never delayed;
- questions arriving during a run wait for it to end and go together in the next run;
- at most ``lanes`` runs happen at once (default one: the other core is left for the event loop, the database
  and everything else the process does).

It wraps any ``Embedder`` through its public ``embed`` (rows are unit vectors; padding within a batch changes
them by ~1e-8), so retrieval code is unchanged.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from knowledge.embedding import Embedder, Vectors

MAX_BATCH = 4


@dataclass(eq=False)
class _Request:
    texts: list[str]
    done: bool = False
    vectors: Vectors | None = None
    error: BaseException | None = None


class BatchingEncoder:
    """An ``Embedder`` that runs concurrent ``embed`` calls (from worker threads) as batches of ``inner.embed``."""

    def __init__(self, inner: Embedder, *, max_batch: int = MAX_BATCH, lanes: int = 1) -> None:
        if max_batch < 1 or lanes < 1:
            raise ValueError("max_batch and lanes must be at least 1")
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.max_batch = max_batch
        self.lanes = lanes
        self._waiting: deque[_Request] = deque()
        self._running = 0
        self._changed = threading.Condition(threading.Lock())
        self.batches = 0
        """Runs of the inner encoder so far (with ``questions``: the mean batch size, for benches)."""
        self.questions = 0

    def embed(self, texts: list[str]) -> Vectors:
        request = _Request(list(texts))
        with self._changed:
            self._waiting.append(request)
            # Lead a run whenever a lane is free, even one that does not hold this request (a full queue): the
            # caller is then waiting anyway, and no request is ever left with nobody to run it.
            while not request.done:
                if self._running < self.lanes and self._waiting:
                    batch = self._take()
                    self._running += 1
                    self._changed.release()
                    try:
                        vectors, error = self._encode(batch)
                    finally:
                        self._changed.acquire()
                    self._deliver(batch, vectors, error)
                else:
                    self._changed.wait()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _take(self) -> list[_Request]:
        """The oldest waiting requests, up to ``max_batch`` texts (a request is never split)."""
        batch: list[_Request] = []
        size = 0
        while self._waiting and (not batch or size + len(self._waiting[0].texts) <= self.max_batch):
            request = self._waiting.popleft()
            batch.append(request)
            size += len(request.texts)
        return batch

    def _encode(self, batch: list[_Request]) -> tuple[Vectors | None, BaseException | None]:
        texts = [text for request in batch for text in request.texts]
        try:
            return self.inner.embed(texts), None
        except BaseException as exc:  # every waiter must hear of it, not only the thread that ran the batch
            return None, exc

    def _deliver(self, batch: list[_Request], vectors: Vectors | None, error: BaseException | None) -> None:
        """Called holding the lock: hand each request its rows (or the error) and free the lane."""
        start = 0
        for request in batch:
            if vectors is not None:
                request.vectors = vectors[start:start + len(request.texts)]
            start += len(request.texts)
            request.error = error
            request.done = True
        self._running -= 1
        self.batches += 1
        self.questions += start
        self._changed.notify_all()
