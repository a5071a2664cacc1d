"""Words as retrieval sees them: lower-cased, stemmed, stop words out, member language mapped in."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

from config.settings import vocabulary

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "im",
        "ive",
        "id",
        "dont",
        "cant",
        "whats",
        "hes",
        "shes",
        "thats",
        "theres",
        "just",
        "really",
        "actually",
        "any",
        "anything",
        "get",
        "got",
        "go",
        "going",
        "want",
        "wants",
        "need",
        "needs",
        "ok",
        "okay",
        "please",
        "thanks",
        "hi",
        "hey",
    ]
)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def normalise(text: str) -> str:
    return (
        text.lower()
        .replace("’", "'")
        .replace("‘", "'")
        .replace("“", '"')
        .replace("”", '"')
        .replace("–", "-")
        .replace("—", "-")
    )


def tokens(text: str) -> list[str]:
    words = [w.replace("'s", "").replace("'", "") for w in _WORD.findall(normalise(text))]
    return [t for t in _stemmer().stemWords([w for w in words if w and w not in STOP_WORDS]) if t]


def expansions(question: str) -> list[str]:
    """Protocol phrases for the member's words found in the question (whole-word matches)."""
    text = " " + re.sub(r"[^a-z0-9' -]+", " ", normalise(question)) + " "
    found: list[str] = []
    for phrase, targets in vocabulary().items():
        if f" {phrase} " in text:
            found.extend(t for t in targets if t not in found)
    return found
