"""``/cases`` for the people a case was sent to: list, read, acknowledge, ask the reporter, close with an outcome.

Works only in a private chat, and only on the cases sent to this member that neither they nor this account were
the subject of when filed (``CaseDesk.readable_by``), whatever the roster says now. A withdrawn case shows only
that it was withdrawn: its details are not opened. Reads and actions are audited with the recipient's identity
(never the reporter's); the other recipients are told of acknowledgements, questions and closing.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.cases import notices
from bot.cases.content import ADDITION, QUESTION, CaseContent
from bot.cases.desk import CaseDesk
from bot.cases.reporter import PRIVATE_ONLY
from bot.context import Turn
from bot.flows.definition import FlowDefinition
from bot.flows.prompts import answer_blocks
from bot.messages import Block, Reply, Text, Typed, Visibility, say
from bot.people import Member
from bot.store.cases import StoredCase

USAGE = ("Usage: /cases, /cases REFERENCE, /cases REFERENCE ack, /cases REFERENCE ask QUESTION, "
         "/cases REFERENCE close OUTCOME.")


def _thread(content: CaseContent) -> list[Block]:
    blocks: list[Block] = []
    for entry in content.thread:
        label = ("Added later:" if entry.kind == ADDITION else
                 f"Question from {entry.by or 'a recipient'}:" if entry.kind == QUESTION else "The reporter's answer:")
        blocks += [Text(label), Typed(entry.text)]
    return blocks


def _footer(case: StoredCase, content: CaseContent) -> list[Block]:
    if case.status == "closed":
        when = f"{case.closed_at:%d %B %Y}" if case.closed_at else "an earlier date"
        return [Text(f"Closed by {content.closed_by or 'a recipient'} on {when}. Outcome:"),
                Typed(content.outcome or "")]
    if case.acknowledged_at is not None:
        state = f"Acknowledged on {case.acknowledged_at:%d %B %Y}."
    else:
        state = f"Not acknowledged yet: /cases {case.reference} ack (the reporter sees that you have)."
    waiting = " The reporter has not answered yet; they see questions when they check with their code." \
        if content.waiting else ""
    return [Text(f"{state}{waiting}\nAsk the reporter a question: /cases {case.reference} ask QUESTION\n"
                 f"Close it with its outcome: /cases {case.reference} close OUTCOME")]


def case_text(case: StoredCase, content: CaseContent, definition: FlowDefinition | None) -> Reply:
    """The case as its recipient reads it: the bot's labels as lines of its own, everything the reporter typed
    (and added or answered later) and every question quoted beneath them (``Typed``), so a typed "From: Cllr X"
    is never taken for ours."""
    reporter = " ".join((content.reporter or "anonymous").split())
    blocks: list[Block] = [Text(f"{case.reference} ({case.shown_status}), {case.flow}, sent to {case.recipient}\n"
                                f"From: {reporter}")]
    rows = (definition.shown(content.answers, to_recipient=True) if definition is not None
            else [(name, value, True) for name, value in content.answers.items() if value])
    blocks += answer_blocks(rows)
    blocks += _thread(content)
    blocks += _footer(case, content)
    return Reply(tuple(blocks), meta={"kind": "case_read"})


def _not_open(case: StoredCase, doing: str) -> Reply:
    if case.status == "withdrawn":
        return say(f"{case.reference} was withdrawn by the reporter, so it can no longer be {doing}.",
                   kind="case_status")
    return say(f"{case.reference} is {case.shown_status}, so it can no longer be {doing}.", kind="case_status")


async def _read(turn: Turn, desk: CaseDesk, case: StoredCase, definition: FlowDefinition | None) -> list[Reply]:
    await turn.audit("case.read", ref=case.reference)
    if case.status == "withdrawn":
        when = f" on {case.closed_at:%d %B %Y}" if case.closed_at else ""
        return [say(f"{case.reference} was withdrawn by the reporter{when}. Its details are no longer shown to "
                    "anyone, and will be deleted after the retention period.", kind="case_read")]
    if case.ciphertext is None:
        return [say(f"{case.reference} ({case.status}): its details were deleted after the retention period.",
                    kind="case_read")]
    return [case_text(case, await desk.open(case), definition)]


async def _acknowledge(turn: Turn, desk: CaseDesk, member: Member, case: StoredCase) -> list[Reply]:
    if case.status != "open":
        return [_not_open(case, "acknowledged")]
    if not await desk.acknowledge(case):
        current = await turn.store.cases.by_reference(case.reference) or case
        if current.status != "open":
            return [_not_open(current, "acknowledged")]
        return [say(f"{case.reference} was already acknowledged on {current.acknowledged_at:%d %B %Y}.",
                    kind="case_acknowledged")]
    await turn.audit("case.acknowledged", ref=case.reference)
    told = await notices.tell_recipients(turn, case, notices.acknowledged(case.reference, member),
                                         event="acknowledged", actor=member)
    return [say(f"Acknowledged {case.reference}. The reporter sees that when they check it with their receipt code.",
                kind="case_acknowledged"), *told]


async def _ask(turn: Turn, desk: CaseDesk, member: Member, case: StoredCase, question: str) -> list[Reply]:
    if not question:
        return [say(f"Put your question after ask: /cases {case.reference} ask QUESTION", kind="case_usage")]
    if case.status != "open" or not await desk.ask(case, member, question):
        current = await turn.store.cases.by_reference(case.reference) or case
        return [_not_open(current, "asked about")]
    await turn.audit("case.question_asked", ref=case.reference)
    told = await notices.tell_recipients(turn, case, notices.asked(case.reference, member), event="asked",
                                         actor=member)
    account = None if case.anonymous else (await desk.open(case)).reporter_account
    to_reporter, reached = await notices.tell_reporter(turn, case, account)
    sooner = ("I have told them privately that a question is waiting, not what it says" if reached else
              "I cannot tell them sooner: I do not know who they are" if case.anonymous else
              "I cannot reach them sooner where they sent it from")
    told += to_reporter
    return [say(f"Your question is sealed with {case.reference}. The reporter sees it when they next check with "
                f"their receipt code ({sooner}), and you will be told when they answer.", kind="case_asked"), *told]


async def _close(turn: Turn, desk: CaseDesk, member: Member, case: StoredCase, outcome: str) -> list[Reply]:
    if not outcome:
        return [say(f"Put the outcome after close: /cases {case.reference} close OUTCOME (the reporter sees it).",
                    kind="case_usage")]
    if case.status != "open" or not await desk.close(case, member, outcome):
        current = await turn.store.cases.by_reference(case.reference) or case
        return [_not_open(current, "closed")]
    await turn.audit("case.closed", ref=case.reference)
    told = await notices.tell_recipients(turn, case, notices.closed(case.reference, member), event="closed",
                                         actor=member)
    return [say(f"Closed {case.reference}. The reporter sees the outcome when they check with their receipt code. "
                f"Its details will be deleted {desk.retention.days} days from today.", kind="case_closed"), *told]


async def cases_command(turn: Turn, args: str, definitions: Mapping[str, FlowDefinition],
                        desk: CaseDesk) -> list[Reply]:
    if not turn.in_private:
        return [say(PRIVATE_ONLY, visibility=Visibility.EPHEMERAL, kind="case_private_only")]
    member = turn.member
    if member is None:
        return [say("You have no cases: only people on a council roster receive them.", kind="cases")]
    mine = await desk.readable_by(member, turn.incoming.platform, turn.incoming.user_id)
    reference, _, rest = args.strip().partition(" ")
    reference = reference.upper()
    if not reference:
        if not mine:
            return [say("No cases have been sent to you.", kind="cases")]
        lines = [f"{c.reference}  {c.shown_status:12s} {c.flow} (about: {c.about_role}) {c.created_at:%d %b %Y}"
                 for c in mine]
        return [say("Cases sent to you:\n" + "\n".join(lines) + "\nRead one with /cases REFERENCE.", kind="cases")]
    case = next((c for c in mine if c.reference == reference), None)
    if case is None:
        await turn.audit("case.read_refused", ref=reference[:32])
        return [say("No case with that reference was sent to you.", kind="cases")]
    verb, _, text = rest.strip().partition(" ")
    verb, text = verb.lower(), text.strip()
    if not verb:
        return await _read(turn, desk, case, definitions.get(case.flow))
    if verb in ("ack", "acknowledge"):
        return await _acknowledge(turn, desk, member, case)
    if verb == "ask":
        return await _ask(turn, desk, member, case, text)
    if verb == "close":
        return await _close(turn, desk, member, case, text)
    return [say(USAGE, kind="case_usage")]
