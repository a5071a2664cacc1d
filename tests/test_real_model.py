"""Behaviour with the real model (loaded once per session), on the bundled protocols."""

from __future__ import annotations

from typing import Any

import pytest

from bot.qa import QaService

pytestmark = pytest.mark.model


def test_deputy_clerk_question_cites_proper_officers_staff_in_top_3(real_library: Any) -> None:
    retrieval = real_library.ask("cheshire", "can I instruct the deputy clerk?", role="councillor")
    top3 = [h.clause.text for h in retrieval.hits[:3]]
    assert not retrieval.abstain
    assert any("Councillors should not give instructions directly to the Proper Officer's staff" in t for t in top3)


def test_grievance_question_abstains_for_honiton(real_library: Any) -> None:
    assert real_library.ask("honiton", "what is the grievance procedure?").abstain


def test_a_misspelt_grievance_question_abstains_for_honiton(real_library: Any) -> None:
    """A known miss from session 6's reranker to session 7 (answered from 3.1, 'Not to have any personal issues raised
    with them'); session 8's models, trained on more questions, abstain again."""
    assert real_library.ask("honiton", "is there a grievence procedur?").abstain


def test_who_to_complain_to_about_the_clerk_leads_with_the_staffing_chairman(real_library: Any) -> None:
    """Issue 13's first example: the first line used to name the Parish Clerk, the opposite of the answer."""
    answer = QaService(real_library).ask("wendlebury", "who do I complain to about the clerk?").answer
    assert not answer.abstained and answer.short_answer is not None
    assert "Chairman of the Staffing Committee" in answer.short_answer


def test_grievance_question_answered_where_the_protocol_has_one(real_library: Any) -> None:
    assert not real_library.ask("wendlebury", "what is the grievance procedure?").abstain


@pytest.mark.xfail(strict=True, reason=(
    "a known regression, accepted in session 13: that session's reranker scores Cheshire's first clause -2.59 for "
    "this situation (session 11's: -0.35) and the bot declines it. Its kind of question (answerable, naming a subject "
    "the protocol never mentions, 8+ distinctive words) is declined no more often on validation (1 of 21, both "
    "rerankers), and at equal false abstention the new reranker declines more not-covered questions (out-of-fold "
    "0.833 vs 0.796 at 2 %): bench/RESULTS.md, session 13. Strict: when a model answers it again, this fails and "
    "the mark comes off."))
def test_a_situation_naming_a_subject_the_protocol_never_mentions_is_still_answered(real_library: Any) -> None:
    """Allotments are nowhere in Cheshire's protocol, but someone describing how a councillor treats a member of
    staff is asking what the protocol is for; a bare question about the subject is not covered."""
    situation = ("a councillor keeps phoning our part-time assistant clerk at home about the allotment waiting list "
                 "and telling her what to do, is that allowed?")
    answered = real_library.ask("cheshire", situation, role="officer")
    assert not answered.abstain and answered.features.missing_subjects == {"allotments"}
    assert any("instructions" in hit.clause.text for hit in answered.hits[:3])
    assert real_library.ask("cheshire", "when are the allotment rents due?", role="councillor").abstain


@pytest.mark.parametrize("question", ["Any tips for getting rid of moss on my lawn?",
                                      "What's the best recipe for banana bread?"])
def test_off_topic_questions_abstain(real_library: Any, question: str) -> None:
    assert real_library.ask("wendlebury", question).abstain


def test_reply_quotes_verbatim_with_citations(real_library: Any) -> None:
    question = "I have concerns about the clerk's conduct. Who do I raise them with?"
    answer = QaService(real_library).ask("ledbury", question).answer
    assert not answer.abstained and answer.short_answer
    clauses = {c.clause_id: c.text for c in real_library.council("ledbury").clauses}
    for part in answer.short_answer.split(" ... "):  # a list item keeps its lead-in, "..." between them
        assert " ".join(part.split()) in " ".join(clauses[answer.quotes[0].clause_id].split())
    for quote in answer.quotes:
        for part in quote.text.split("\n"):
            assert part == "..." or part in clauses[quote.clause_id]
        assert quote.citation.startswith("Ledbury Town Council, Protocol on Member/Officer Relations, ")
    assert any(q.number == "5.4" for q in answer.quotes)


def test_not_covered_names_who_to_ask(real_library: Any) -> None:
    answer = QaService(real_library).ask("wendlebury", "what's the weather in Oxford tomorrow?").answer
    assert answer.abstained
    assert answer.render() == ("Your council's protocol does not cover this. Please ask the Parish Clerk (or the "
                               "Chairman of the Council, if it concerns the Clerk).")


def test_short_answer_leads_with_the_sentence_that_answers(real_library: Any) -> None:
    answer = QaService(real_library).ask("cheshire", "can I instruct the deputy clerk?", role="councillor").answer
    assert answer.short_answer is not None
    assert answer.short_answer.startswith("Councillors should not give instructions directly to the Proper Officer")


@pytest.mark.parametrize("message", ["hello", "ok", "asdf qwerty zxcv", "?????", "a" * 2000])
def test_a_short_message_sharing_no_word_with_the_protocol_is_declined(real_library: Any, message: str) -> None:
    """The reranker scored such text +4 to +6 against any clause, so each was answered with a random quote."""
    asked = real_library.ask("wendlebury", message)
    assert asked.abstain and asked.confidence == 0.0
