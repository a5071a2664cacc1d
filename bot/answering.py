"""A Q&A reply: the asker's role in the header where the quoted clause speaks of it, the protocol's
own words with citations, and feedback buttons.

Retrieval and composition are synchronous and CPU-bound, so they run in the Q&A service's threads
(``QaService.answer``) and one slow question does not hold up every other conversation.
"""

from __future__ import annotations

from bot import feedback, intent
from bot.answers import NOT_COVERED, Answer
from bot.codes import contains_receipt_code
from bot.context import Turn
from bot.messages import Block, QuoteBlock, Reply, Text
from bot.people import RETRIEVAL_ROLE, ROLE_LABELS, Member, role_in_text


def _asker_role(member: Member | None, council: str) -> str | None:
    """The roster role counts only in the member's own council."""
    if member is None or member.council != council or member.primary_role is None:
        return None
    return member.primary_role


def blocks_for(answer: Answer, member: Member | None) -> tuple[Block, ...]:
    blocks: list[Block] = []
    if answer.notice:
        blocks.append(Text(answer.notice))
    if answer.abstained:
        blocks.append(Text(f"{NOT_COVERED} Please ask {answer.ask_instead}."))
        return tuple(blocks)
    first = answer.quotes[0]
    role = role_in_text(member, first.full_text)
    lead = f'"{answer.short_answer}"\n  ({first.citation})'
    if role:
        lead = f"As {ROLE_LABELS[role]}, this applies to you:\n{lead}"
    blocks.append(Text(lead))
    blocks += [QuoteBlock(q.text, q.citation, q.clause_id) for q in answer.quotes]
    return tuple(blocks)


WITHHELD = "(not kept: the question may describe a concern)"


async def may_keep(turn: Turn, question: str) -> bool:
    """Whether a question's words may be kept with its feedback, which the Clerk reads (``protocol-bot feedback``):
    never anything typed while a report or grievance is in progress, anything shaped like a receipt code (the
    Clerk could withdraw the case with it), or anything that sounds like a concern."""
    return (turn.conversation.flow is None and not contains_receipt_code(question)
            and not await intent.wants_to_report(turn, question))


async def answer(turn: Turn, question: str, *, keep_question: bool = True) -> list[Reply]:
    """``keep_question=False`` for a message that may describe a concern: the Clerk's feedback list then shows
    the clauses cited and the rating, not the words (``may_keep`` decides the same for every question)."""
    council = turn.council
    assert council is not None
    role = _asker_role(turn.member, council)
    asked = await turn.services.qa.answer(council, question, role=RETRIEVAL_ROLE[role] if role else None)
    member = turn.member if role else None
    clause_ids = [q.clause_id for q in asked.answer.quotes]
    kept = question.strip() if keep_question and await may_keep(turn, question) else WITHHELD
    answer_id = await turn.store.feedback.record_answer(council, kept, clause_ids, version=asked.version)
    meta = {"kind": "answer", "council": council, "abstained": str(asked.answer.abstained).lower(),
            "answer_id": answer_id, "clauses": " ".join(clause_ids), "version": asked.version or ""}
    return [Reply(blocks_for(asked.answer, member), feedback.buttons(answer_id), meta=meta)]
