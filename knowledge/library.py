"""All councils' indexes: loaded from disk when current, rebuilt (only that council) when not.

One bad protocol file is reported by name and skipped; the other councils still answer. With a
``SplitEmbedder`` (the bot's), indexes are built with its document side and the fast question encoder is
exported at index time; loading current indexes touches neither, so answering never waits for torch.

A council published in versions (``knowledge/versions.py``) is re-read when its ``live`` pointer moves: each
question costs at most one ``stat`` every ``reload_every`` seconds, and while a new index is loaded or built
other questions keep being answered from the old one, never from half of the new.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.documents import CouncilSource, discover, require
from knowledge.embedding import Embedder, SplitEmbedder
from knowledge.errors import IndexStaleError, KnowledgeError
from knowledge.index import CouncilIndex
from knowledge.reranking import Reranker, RerankingEmbedder
from knowledge.retrieval import Retrieval, search
from knowledge.versions import live_stamp

Progress = Callable[[str], None]


@dataclass
class Library:
    home: Path
    embedder: Embedder
    progress: Progress = lambda _message: None
    indexes: dict[str, CouncilIndex] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    reload_every: float = 2.0
    """Seconds between looks at a council's ``live`` pointer (0: every question)."""
    _queries_prepared: bool = False
    _stamps: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    _checked: dict[str, float] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)

    def sources(self) -> dict[str, CouncilSource]:
        return discover(self.home)

    def folder(self, slug: str, version: str | None = None) -> Path:
        """Each published version has its own index folder, so building one never disturbs the live one."""
        return self.home / "index" / (f"{slug}@{version}" if version else slug)

    def council(self, slug: str) -> CouncilIndex:
        current = self.indexes.get(slug)
        if current is not None and not self._pointer_moved(slug):
            return current
        lock = self._locks.setdefault(slug, threading.Lock())
        if current is not None and not lock.acquire(blocking=False):
            return current  # another thread is loading the new version: answer from the old meanwhile
        if current is None:
            lock.acquire()
        try:
            if slug not in self.indexes or self._stamps.get(slug) != live_stamp(self.home, slug):
                stamp = live_stamp(self.home, slug)
                self.indexes[slug] = self._load_or_build(require(self.sources(), slug))
                self._stamps[slug] = stamp
                self._checked[slug] = time.monotonic()
                self._prepare_queries()
        finally:
            lock.release()
        return self.indexes[slug]

    def _pointer_moved(self, slug: str) -> bool:
        now = time.monotonic()
        if now - self._checked.get(slug, 0.0) < self.reload_every:
            return False
        self._checked[slug] = now
        return live_stamp(self.home, slug) != self._stamps.get(slug)

    def build(self, source: CouncilSource) -> CouncilIndex:
        """Build (and save) ``source``'s index in its own folder without touching what is being answered."""
        return self._load_or_build(source, force=True)

    def swap(self, slug: str, index: CouncilIndex) -> None:
        """Answer from ``index`` from now on (after the ``live`` pointer has been moved to its version)."""
        self._stamps[slug] = live_stamp(self.home, slug)
        self._checked[slug] = time.monotonic()
        self.indexes[slug] = index

    def load_all(self, *, only: str | None = None, force: bool = False) -> dict[str, CouncilIndex]:
        sources = self.sources()
        chosen = [require(sources, only)] if only else list(sources.values())
        for source in chosen:
            try:
                stamp = live_stamp(self.home, source.slug)
                self.indexes[source.slug] = self._load_or_build(source, force=force)
                self._stamps[source.slug] = stamp
                self._checked[source.slug] = time.monotonic()
                self.problems.pop(source.slug, None)
            except KnowledgeError as exc:
                self.problems[source.slug] = str(exc)
                self.progress(f"skipped {source.slug}: {exc}")
        self._prepare_queries(force=force and only is None)
        return self.indexes

    def _documents(self) -> Embedder:
        return self.embedder.documents() if isinstance(self.embedder, SplitEmbedder) else self.embedder

    def _prepare_queries(self, *, force: bool = False) -> None:
        """Export the question encoder if missing or stale (checked once per process; a full rebuild redoes it).

        A home indexed before the export existed gets it on its next load, paying torch once rather than
        on every cold start. Failure is not fatal: questions then go through sentence-transformers.
        """
        if not isinstance(self.embedder, SplitEmbedder) or (self._queries_prepared and not force):
            return
        self._queries_prepared = True
        try:
            message = self.embedder.prepare_queries(force=force)
        except Exception as exc:  # any exporter failure: slower questions, same answers
            self.progress(f"query encoder: export failed, questions use sentence-transformers ({exc})")
            return
        if message:
            self.progress(message)

    def _load_or_build(self, source: CouncilSource, *, force: bool = False) -> CouncilIndex:
        digest = source.digest()
        folder = self.folder(source.slug, source.version)
        if not force:
            try:
                index = CouncilIndex.load(folder, model=self.embedder.name, digest=digest)
                self.progress(f"{source.slug}: loaded ({index.manifest.clauses} clauses)")
                return index
            except IndexStaleError as exc:
                if folder.exists():
                    self.progress(f"{source.slug}: rebuilding ({exc})")
        parsed = source.parse()
        self.progress(f"{source.slug}: embedding {len(parsed.clauses)} clauses ...")
        index = CouncilIndex.build(parsed.meta, list(parsed.clauses), self._documents(), digest)
        index.save(folder)
        self.progress(f"{source.slug}: built ({index.manifest.clauses} clauses, {index.manifest.chunks} chunks)")
        return index

    def ask(self, slug: str, question: str, *, role: str | None = None, k: int = 5,
            index: CouncilIndex | None = None) -> Retrieval:
        """``index``: the one the caller already holds, so the version it reports is the one quoted."""
        index = index or self.council(slug)
        return search(index, self.embedder, question, role=role, k=k, reranker=self.reranker())

    def reranker(self) -> Reranker | None:
        """The reranker that comes with the question encoder's export, when there is one."""
        return self.embedder.reranker() if isinstance(self.embedder, RerankingEmbedder) else None
