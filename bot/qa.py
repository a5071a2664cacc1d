"""Question in, cited answer out: input checks, retrieval for the asker's council, composition."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.answers import Answer, compose
from config.councils import CouncilProfile, load_profile
from config.settings import retrieval_settings
from knowledge.library import Library
from knowledge.retrieval import Retrieval


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
    def __init__(self, library: Library) -> None:
        self.library = library
        self._profiles: dict[str, CouncilProfile] = {}

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
        retrieval = self.library.ask(council, question, role=role, k=k, index=index)
        profile = self.profile(council)
        answer = compose(question, retrieval, index.meta, ask_instead=profile.ask_instead, notice=notice)
        return Asked(answer, retrieval, (time.perf_counter() - started) * 1000, index.version)
