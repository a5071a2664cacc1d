"""Slips of the keyboard, mended against the words this council's protocol actually uses.

People type "trainng", "grievence", "confidental" in chat. A word neither the protocol nor the council words of
the configuration know, and that is not an English word either, one edit (insert, delete, substitute, swap) away
from one of those words (the protocol's own preferred), is read as that word as well. The mended word is added to
the query beside the original, never in its place. "English word" means a whole word in the embedding model's own
vocabulary (``vocab.txt`` in the model package, ~20,000 words): without it "litter" would become "letter" and
"surely" "purely". Words under six letters are left alone: nearly every one is an edit away from another.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

from config.settings import topics, vocabulary
from knowledge.index import CouncilIndex
from knowledge.vocabulary import normalise

MIN_LENGTH = 6
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_lexicons: WeakKeyDictionary[CouncilIndex, Counter[str]] = WeakKeyDictionary()


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(normalise(text)) if "'" not in w]


@lru_cache(maxsize=1)
def english() -> frozenset[str]:
    """Whole words of the model's WordPiece vocabulary; empty (mend nothing the protocol knows) without it."""
    try:
        from knowledge.st_embedder import model_path

        lines = (Path(model_path()) / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except (ImportError, OSError):
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.isascii())


@lru_cache(maxsize=1)
def domain_words() -> frozenset[str]:
    """Council words a slip may be meant as even where this protocol never uses them: the protocol language
    of the member vocabulary, the subjects of ``config/topics.yaml`` and the generic words. "grievence" must
    read as "grievance" in a protocol without the word, or the missing subject goes unseen."""
    config = topics()
    phrases = [t for targets in vocabulary().values() for t in targets]
    phrases += [w for words in config.subjects.values() for w in words] + list(config.generic_words)
    return frozenset(_words(" ".join(phrases)))


def lexicon(index: CouncilIndex) -> Counter[str]:
    """How often each word appears in the protocol; council words it does not use are known with count 0."""
    if index not in _lexicons:
        counts = Counter(w for c in index.clauses for w in _words(" ".join(c.heading_path) + " " + c.text))
        for word in domain_words():
            counts.setdefault(word, 0)
        _lexicons[index] = counts
    return _lexicons[index]


_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "ers")


def _is_english(word: str) -> bool:
    """In the vocabulary itself or an inflection of a word there ("wording", "approves", "briefings")."""
    words = english()
    return word in words or any(word.endswith(s) and word[: -len(s)] in words for s in _SUFFIXES)


def _one_edit(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
            | {a + c + b for a, b in splits for c in _ALPHABET})


def corrections(question: str, known: Counter[str]) -> dict[str, str]:
    """The question's slips, each with the protocol word it was probably meant to be (the most used one)."""
    mended: dict[str, str] = {}
    for word in dict.fromkeys(_words(question)):
        if len(word) < MIN_LENGTH or word in known or _is_english(word):
            continue
        candidates = [c for c in _one_edit(word) if c in known]
        if candidates:
            mended[word] = max(candidates, key=lambda c: (known[c], c))
    return mended


def mend(question: str, slips: dict[str, str]) -> str:
    """The question with its slips replaced, for measuring how much of it the protocol's words reach."""
    if not slips:
        return question
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in slips) + r")\b", re.IGNORECASE)
    return pattern.sub(lambda m: slips[m.group(0).lower()], question)
