"""``/case CODE``: the reporter's only way back into a case, by the receipt code alone.

Works only in a private chat; a code typed in a group is refused without looking it up. Wrong and unknown codes get
the same answer. The reporter sees the case's state (open, acknowledged, closed with its outcome, withdrawn) and the
recipients' questions, never the details they sent (a code that leaked must not give the report away), and
answers, adds information or withdraws. Every event is audited without who sent it, and what the reporter writes
is sealed with the case; the recipients are told that something happened, not what.
"""

from __future__ import annotations

from bot.cases import notices
from bot.cases.content import CaseContent
from bot.cases.desk import CaseDesk, TooManyAttempts, looks_like_code
from bot.context import Turn
from bot.flows.submit import desk_for
from bot.messages import Block, Reply, Text, Typed, Visibility, say
from bot.store.cases import StoredCase

NO_SUCH_CODE = "I can't find a case with that code. Check it and try again (codes look like ABCD-EFGH-JKMN-PQRS)."
PRIVATE_ONLY = "Please use this in a private chat with me, not here."
USAGE = "Usage: /case CODE, /case CODE reply ANSWER, /case CODE add TEXT, or /case CODE withdraw."
ANSWER_HOW = "Answer with /case YOUR-CODE reply YOUR ANSWER (your receipt code in place of YOUR-CODE)."


def _day(case: StoredCase, which: str) -> str:
    moment = getattr(case, which)
    return f"{moment:%d %B %Y}" if moment is not None else "an earlier date"


def status_line(case: StoredCase) -> str:
    sent = f"sent to {case.recipient} on {case.created_at:%d %B %Y}"
    status = case.shown_status
    if status == "open":
        return f"{case.reference}: open, {sent}. It has not been acknowledged yet."
    if status == "acknowledged":
        return f"{case.reference}: acknowledged on {_day(case, 'acknowledged_at')}, {sent}."
    if status == "withdrawn":
        return (f"{case.reference}: withdrawn on {_day(case, 'closed_at')}, {sent}. Its details will be deleted "
                "after the retention period.")
    if status == "purged":
        return f"{case.reference}: closed, {sent}. Its details were deleted after the retention period."
    return f"{case.reference}: {status} on {_day(case, 'closed_at')}, {sent}."


def _status(case: StoredCase, content: CaseContent) -> Reply:
    """The state, the outcome once closed, and the recipients' questions while open (the bot's labels unquoted,
    what the recipients wrote quoted beneath them)."""
    blocks: list[Block] = [Text(status_line(case))]
    if case.status == "closed" and content.outcome:
        blocks += [Text("Outcome:"), Typed(content.outcome)]
    if case.status == "open":
        for question in content.questions:
            blocks += [Text("Question from the recipient" + (" (you have answered)" if question.answered else "")
                            + ":"), Typed(question.text)]
        if content.waiting:
            blocks.append(Text(ANSWER_HOW))
    return Reply(tuple(blocks), meta={"kind": "case_status"})


async def _reply(turn: Turn, desk: CaseDesk, case: StoredCase, text: str) -> list[Reply]:
    if not text:
        return [say("Put your answer after reply: /case CODE reply ANSWER", kind="case_usage")]
    if case.status != "open":
        return [say(f"{case.reference} is {case.shown_status}; it can no longer be answered.", kind="case_status")]
    if not (await desk.open(case)).waiting:
        return [say(f"There is no question waiting for your answer on {case.reference}. To add information "
                    "instead: /case CODE add TEXT", kind="case_no_question")]
    if not await desk.answer(case, text):
        return [say(f"{case.reference} was closed meanwhile; your answer was not added.", kind="case_status")]
    await turn.audit("case.answered", ref=case.reference, person=False)
    told = await notices.tell_recipients(turn, case, notices.answered(case.reference), event="answered")
    return [say(f"Your answer is sealed with {case.reference}, and the recipient has been told there is one.",
                kind="case_answered"), *told]


async def _add(turn: Turn, desk: CaseDesk, case: StoredCase, text: str) -> list[Reply]:
    if not text:
        return [say("Put the information after add: /case CODE add TEXT", kind="case_usage")]
    if case.status != "open" or not await desk.add_information(case, text):
        current = await turn.store.cases.by_reference(case.reference) or case
        return [say(f"{case.reference} is {current.shown_status}; it can no longer be added to.", kind="case_status")]
    await turn.audit("case.added_to", ref=case.reference, person=False)
    told = await notices.tell_recipients(turn, case, notices.added(case.reference), event="added")
    return [say(f"Added to {case.reference}. The recipient will see it with the rest of the case, and has been "
                "told there is something new.", kind="case_added"), *told]


async def _withdraw(turn: Turn, desk: CaseDesk, case: StoredCase) -> list[Reply]:
    if case.status != "open" or not await desk.withdraw(case):
        current = await turn.store.cases.by_reference(case.reference) or case
        return [say(f"{case.reference} is already {current.shown_status}.", kind="case_status")]
    await turn.audit("case.withdrawn", ref=case.reference, person=False)
    told = await notices.tell_recipients(turn, case, notices.withdrawn(case.reference), event="withdrawn")
    return [say(f"{case.reference} is withdrawn. Its details are no longer shown to the recipient, and will be "
                "deleted after the retention period.", kind="case_withdrawn"), *told]


async def case_command(turn: Turn, args: str) -> list[Reply]:
    if not turn.in_private:
        return [say(PRIVATE_ONLY, visibility=Visibility.EPHEMERAL, kind="case_private_only")]
    code, _, rest = args.strip().partition(" ")
    if not looks_like_code(code):
        return [say(USAGE, kind="case_usage")]
    desk = desk_for(turn)
    try:
        case = await desk.by_code(turn.incoming.platform, turn.incoming.user_id, code)
    except TooManyAttempts:
        await turn.audit("case.lookup_throttled", person=False)
        return [say("Too many wrong codes. Please wait an hour and try again.", kind="case_throttled")]
    if case is None:
        await turn.audit("case.lookup_failed", person=False)
        return [say(NO_SUCH_CODE, kind="case_unknown")]
    verb, _, text = rest.strip().partition(" ")
    verb, text = verb.lower(), text.strip()
    if verb == "withdraw":
        return await _withdraw(turn, desk, case)
    if verb == "add":
        return await _add(turn, desk, case, text)
    if verb in ("reply", "answer"):
        return await _reply(turn, desk, case, text)
    if verb:
        return [say(USAGE, kind="case_usage")]
    await turn.audit("case.status_checked", ref=case.reference, person=False)
    content = await desk.open(case) if case.status in ("open", "closed") else CaseContent({}, None, [])
    return [_status(case, content)]
