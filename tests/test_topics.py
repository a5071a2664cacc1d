"""Subjects a question names that a protocol never mentions: the "not covered" signal beside similarity."""

from __future__ import annotations

import pytest

from knowledge.documents import BUNDLED_DIR, CouncilSource
from knowledge.embedding import HashEmbedder
from knowledge.index import CouncilIndex
from knowledge.topics import subjects_covered, subjects_in, subjects_missing


def index_for(slug: str) -> CouncilIndex:
    source = CouncilSource(slug, BUNDLED_DIR / slug)
    doc = source.parse()
    return CouncilIndex.build(doc.meta, list(doc.clauses), HashEmbedder(), source.digest())


@pytest.mark.parametrize(("question", "subject"), [
    ("How much is the councillors' allowance this year?", "allowances"),
    ("how many cllrs do we need for the meeting to be quorate", "quorum"),
    ("Can I make a Freedom of Information request?", "freedom of information"),
    ("We have a vacancy - how do we go about co-opting someone?", "co-option"),
    ("is there a whistle-blowing policy?", "whistleblowing"),
    ("who's allowed to talk to the Leicester Mercury?", "press and media"),
    ("a contractor offered me two tickets to the cricket", "gifts and hospitality"),
    ("can a councillor act as clerk while we recruit?", "vacancies"),
    ("if i email the clerk will she cc the other cllrs without telling me", "copying emails"),
    ("our clerk has quit, can one of us cover the job unpaid?", "vacancies"),
    ("any rules on tweeting during meetings?", "social media"),
])
def test_subjects_are_found_in_everyday_wording(question: str, subject: str) -> None:
    assert subject in subjects_in(question)


@pytest.mark.parametrize("question", [
    "Am I allowed to ask the clerk for help?",  # "allowed" is not "allowance"
    "Can you help me film-proof my garden?",  # whole words only: "film-proof" is not filming
    "Who could mediate if things turn sour?",
    "just got elected, what am i meant to be doing?",  # being elected is not an election question
    "they keep asking me to sign off things above my pay grade",  # an idiom, not a salary question
    "can I have a copy of the report the clerk wrote for the other group?",  # a copy is not copying emails
])
def test_everyday_words_are_not_subjects(question: str) -> None:
    assert subjects_in(question) == frozenset()


def test_a_subject_is_missing_only_where_the_protocol_never_mentions_it() -> None:
    honiton, wendlebury = index_for("honiton"), index_for("wendlebury")
    assert "grievance" not in subjects_covered(honiton)
    assert subjects_missing(honiton, "what is the grievance procedure?") == {"grievance", "complaints about people"}
    assert subjects_missing(wendlebury, "what is the grievance procedure?") == frozenset()


def test_a_protocol_with_no_procedure_for_concerns_does_not_cover_complaining_about_someone() -> None:
    """Honiton has no "if things go wrong" section; the others say who a dissatisfied member goes to."""
    question = "who do I complain to if I'm unhappy with the clerk?"
    assert subjects_missing(index_for("honiton"), question) == {"complaints about people"}
    for slug in ("wendlebury", "ledbury", "cheshire", "blaby"):
        assert subjects_missing(index_for(slug), question) == frozenset(), slug


@pytest.mark.parametrize(("question", "asked"), [
    ("Does the protocol say anything about gifts?", "gifts"),
    ("does our member/officer protocol cover social media", "social media"),
    ("What does the protocol say about the press?", "the press"),
    ("What is the councillor-officer protocol actually for?", "What is the councillor-officer protocol actually for"),
    ("me and the housing team go down the pub on fridays - any problem with that?", "me and the housing team go down "
     "the pub on fridays"),
    ("A cllr asked me to fast track his letter. Is that ok?", "A cllr asked me to fast track his letter"),
    ("should I?", "should I"),  # nothing but the tag: kept, not emptied
])
def test_question_framing_is_not_what_is_asked(question: str, asked: str) -> None:
    from knowledge.retrieval import unframed

    assert unframed(question) == asked
