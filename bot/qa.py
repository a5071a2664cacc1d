"""Question in, cited answer out: input checks, retrieval for the asker's council, composition."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from bot.answers import Answer, compose
from bot.batching import MAX_BATCH, BatchingEncoder
from config.councils import CouncilProfile, load_profile
from config.settings import retrieval_settings
from knowledge.embedding import Embedder
from knowledge.library import Library
from knowledge.retrieval import Retrieval, search

THREADS = MAX_BATCH
"""Questions retrieved at once by one process: as many as make one batch, so questions arriving together are
waiting together when the encoder comes free; no more, because beyond the encoder retrieval holds Python's lock,
and threads taking turns at it only slow the event loop down."""


class EmptyQuestionError(ValueError):
    def __init__(self) -> None:
        super().__init__("Please type a question about your council's Member/Officer protocol.")


@dataclass(frozen=True, slots=True)
class Asked:
    answer: Answer
    retrieval: Retrieval
    latency_ms: float
    version: str | None = None
    """The protocol version quoted (``None``: the text in use before any was published)."""


class QaService:
    """Answers questions; ``answer`` is the async entry point the dialogue uses, ``ask`` the synchronous one.

    Retrieval is CPU-bound (the question encoder holds no lock Python needs, the rest does), so ``answer`` runs
    it on this service's own small pool of threads rather than on the event loop or on asyncio's shared default
    pool (six threads here, so up to six questions ran the encoder at once on two cores, each slowed by the
    others): other people's database round trips carry on meanwhile, and what else the process runs in
    threads never queues behind questions. Concurrent questions meet in ``encoder`` (``bot.batching``), which
    runs them through the model together; a question asked alone goes straight through.
    """

    def __init__(self, library: Library, *, max_batch: int = MAX_BATCH, threads: int = THREADS) -> None:
        """``max_batch``: questions encoded in one run at most (1: each on its own, as ``Library.ask`` does)."""
        self.library = library
        self.encoder: Embedder = (BatchingEncoder(library.embedder, max_batch=max_batch) if max_batch > 1
                                  else library.embedder)
        self._profiles: dict[str, CouncilProfile] = {}
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    async def answer(self, council: str, question: str, *, role: str | None = None, k: int = 5) -> Asked:
        """``ask`` in one of this service's threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), partial(self.ask, council, question, role=role, k=k))

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="qa")
            return self._pool

    def profile(self, council: str) -> CouncilProfile:
        """Read once per process: the profile file is not re-read on every question."""
        if council not in self._profiles:
            self._profiles[council] = load_profile(council, self.library.home)
        return self._profiles[council]

    def ask(self, council: str, question: str, *, role: str | None = None, k: int = 5) -> Asked:
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise EmptyQuestionError()
        notice = None
        limit = retrieval_settings().max_question_chars
        if len(question) > limit:
            notice = (
                f"Your message was {len(question):,} characters; I answered on its first {limit:,} characters."
            )
            question = question[:limit]
        index = self.library.council(council)
        retrieval = search(index, self.encoder, question, role=role, k=k,  # Library.ask, with our encoder
                           reranker=self.library.reranker())
        profile = self.profile(council)
        answer = compose(question, retrieval, index.meta, ask_instead=profile.ask_instead, notice=notice)
        return Asked(answer, retrieval, (time.perf_counter() - started) * 1000, index.version)
