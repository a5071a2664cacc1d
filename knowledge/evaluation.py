"""Retrieval quality on a question file: hit@1/3/5, MRR, lead accuracy, abstention and false abstention.

Lead accuracy is what a person reads first: the answer's opening quoted sentence holds a labelled phrase.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MARKDOWN = re.compile(r"[*_#]")


def normalise(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    text = re.sub(r"[–—‐‑]", "-", text)
    text = _MARKDOWN.sub("", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def load_questions(path: Path) -> list[dict[str, Any]]:
    """One question object per line; ``ValueError`` names the first line that is not one."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise ValueError(f"line {number} is not JSON") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) \
                or not isinstance(row.get("council"), str):
            raise ValueError(f'line {number} is not a question object ({{"council", "question", ...}})')
        questions.append(row)
    return questions


@dataclass(frozen=True, slots=True)
class Outcome:
    council: str
    kind: str
    abstained: bool
    rank: int | None
    """1-based rank of the first passage containing an expected phrase (answerable only)."""
    lead: bool = False
    """The answer's first line (its short answer) holds an expected phrase (answerable, not abstained)."""


def judge(question: dict[str, Any], abstained: bool, passages: Iterable[str], lead: str | None = None) -> Outcome:
    rank = None
    led = False
    if question["kind"] == "answerable":
        wanted = [normalise(e) for e in question.get("expect", [])]
        for position, text in enumerate(passages, start=1):
            body = normalise(text)
            if any(w in body for w in wanted):
                rank = position
                break
        led = not abstained and lead is not None and any(w in normalise(lead) for w in wanted)
    return Outcome(question["council"], question["kind"], abstained, rank, led)


def _scores(outcomes: list[Outcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.kind == "answerable"]
    negative = [o for o in outcomes if o.kind != "answerable"]

    def hit(k: int) -> float:
        return sum(1 for o in answerable if o.rank is not None and o.rank <= k) / max(len(answerable), 1)

    return {
        "answerable": len(answerable),
        "negative": len(negative),
        "hit@1": round(hit(1), 4),
        "hit@3": round(hit(3), 4),
        "hit@5": round(hit(5), 4),
        "mrr": round(sum(1 / o.rank for o in answerable if o.rank) / max(len(answerable), 1), 4),
        "lead": round(sum(o.lead for o in answerable) / max(len(answerable), 1), 4),
        "abstention": round(sum(o.abstained for o in negative) / max(len(negative), 1), 4),
        "false_abstention": round(sum(o.abstained for o in answerable) / max(len(answerable), 1), 4),
    }


Answerer = Callable[[dict[str, Any]], tuple[bool, list[str], str | None]]


def evaluate(questions: list[dict[str, Any]], answer: Answerer) -> dict[str, Any]:
    """``answer`` returns (abstained, passage texts best first, the answer's first line); hits are judged on
    passages regardless of abstention, the lead only when the bot answered."""
    outcomes = [judge(q, *answer(q)) for q in questions]
    by_council: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_council[outcome.council].append(outcome)
    return {"overall": _scores(outcomes), "councils": {c: _scores(o) for c, o in sorted(by_council.items())}}
