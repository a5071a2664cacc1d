"""The question corpus: councils, their protocol texts parsed as the bot parses them, and labelled questions.

Labels are phrases copied from the protocol; a label is only useful if it points at exactly one clause of the
text as the bot indexes it, so every phrase is resolved against the parsed clauses, not the raw file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.clauses import Clause
from knowledge.evaluation import normalise
from knowledge.parsing import parse_clauses

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
COUNCILS_FILE = CORPUS / "councils.yaml"
QUESTIONS = CORPUS / "questions"
SPLITS = ("train", "validation", "blind_bundled", "blind_councils")
"""train: fitted on; validation: calibration and choices; the two blind splits: measured only, never read."""


@dataclass(frozen=True, slots=True)
class Council:
    slug: str
    name: str
    path: Path
    blind: bool
    """A whole council no training or tuning ever sees: how a council added with ``council add`` is served."""
    bundled: bool


@lru_cache(maxsize=1)
def councils() -> dict[str, Council]:
    data = yaml.safe_load(COUNCILS_FILE.read_text(encoding="utf-8"))
    return {
        row["slug"]: Council(row["slug"], row["name"], ROOT / row["file"], bool(row.get("blind", False)),
                             bool(row.get("bundled", False)))
        for row in data["councils"]
    }


@lru_cache(maxsize=64)
def clauses_of(slug: str) -> tuple[Clause, ...]:
    council = councils()[slug]
    text = council.path.read_bytes().decode("utf-8-sig", errors="replace")
    clauses, _, _ = parse_clauses(text, council=slug, source_name=str(council.path))
    return tuple(clauses)


@lru_cache(maxsize=64)
def _normalised(slug: str) -> tuple[str, ...]:
    return tuple(normalise(c.text) for c in clauses_of(slug))


def resolve(slug: str, phrase: str) -> list[int]:
    """Indexes of the clauses whose quoted text holds the phrase (the evaluation's own normalisation)."""
    wanted = normalise(phrase)
    return [i for i, text in enumerate(_normalised(slug)) if wanted in text]


def load(split: str) -> list[dict[str, Any]]:
    path = QUESTIONS / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def answer_clauses(question: dict[str, Any]) -> list[int]:
    """The clauses a question's labels resolve to (each label to exactly one, else it is left out)."""
    found: list[int] = []
    for phrase in question.get("expect", []):
        hits = resolve(question["council"], phrase)
        if len(hits) == 1 and hits[0] not in found:
            found.append(hits[0])
    return found


def digest(splits: tuple[str, ...] = ("train", "validation")) -> str:
    """One SHA-256 over the question files and every protocol text they are about: what the weights were fitted on."""
    sha = hashlib.sha256()
    for split in splits:
        sha.update((QUESTIONS / f"{split}.jsonl").read_bytes())
    for slug in sorted(councils()):
        council = councils()[slug]
        if not council.blind:
            sha.update(slug.encode() + b"\0" + council.path.read_bytes())
    return sha.hexdigest()
