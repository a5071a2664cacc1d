"""Typing slips are read as the protocol's word as well; real words, short words and known words are left be."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from config.settings import retrieval_settings
from knowledge.documents import BUNDLED_DIR, CouncilSource
from knowledge.embedding import HashEmbedder
from knowledge.index import CouncilIndex
from knowledge.retrieval import search
from knowledge.spelling import corrections, lexicon, mend

KNOWN = Counter({"training": 3, "grievance": 2, "letter": 1, "purely": 1, "confidential": 4, "code": 5})


@pytest.mark.parametrize(("question", "mended"), [
    ("does the council have to give us any trainng?", ["training"]),
    ("is there a grievence procedure", ["grievance"]),
    ("this is confidental, right?", ["confidential"]),
])
def test_a_slip_one_edit_from_a_protocol_word_is_mended(question: str, mended: list[str]) -> None:
    assert list(corrections(question, KNOWN).values()) == mended


@pytest.mark.parametrize("question", [
    "can we do a litter pick?",  # an English word one edit from "letter" is not a slip
    "surely I can ask?",  # ... nor "surely" from "purely"
    "can I cope?",  # short words are one edit from many others ("code")
    "more training please",  # already the protocol's word
    "who checks the wording?",  # an inflection of an English word
])
def test_real_words_are_not_mended(question: str) -> None:
    assert corrections(question, KNOWN) == {}


def test_mending_replaces_only_the_slips() -> None:
    slips = corrections("Is the trainng confidental? Training matters.", KNOWN)
    assert mend("Is the trainng confidental? Training matters.", slips) == (
        "Is the training confidential? Training matters.")


def test_a_slip_for_a_subject_the_protocol_never_uses_still_names_that_subject() -> None:
    """Honiton never says "grievance": the slip must still read as one, or the missing subject goes unseen."""
    from knowledge.topics import subjects_missing

    source = CouncilSource("honiton", BUNDLED_DIR / "honiton")
    doc = source.parse()
    honiton = CouncilIndex.build(doc.meta, list(doc.clauses), HashEmbedder(), source.digest())
    question = "is there a grievence procedure?"
    slips = corrections(question, lexicon(honiton))
    assert slips == {"grievence": "grievance"}
    assert "grievance" in subjects_missing(honiton, mend(question, slips))


def test_a_misspelt_question_finds_what_the_spelt_one_finds() -> None:
    """On the word-matching side (the tuned encoder reads slips as typed: it learnt them from the corpus)."""
    source = CouncilSource("cheshire", BUNDLED_DIR / "cheshire")
    doc = source.parse()
    index = CouncilIndex.build(doc.meta, list(doc.clauses), HashEmbedder(), source.digest())
    assert "confidential" in lexicon(index)
    words_only = dataclasses.replace(retrieval_settings(), dense_weight=0.0, lexical_weight=1.0)
    right = search(index, HashEmbedder(), "can I share confidential information?", settings=words_only)
    slip = search(index, HashEmbedder(), "can I share confidental informaton?", settings=words_only)
    assert slip.hits[0].clause.clause_id == right.hits[0].clause.clause_id
