"""``/case CODE`` for the reporter and ``/cases`` for recipients: the only ways back into a case.

Both work only in a private chat. A code typed in a group is refused without looking it up (the group has
seen it; the reporter is told to withdraw or keep it private). Wrong and unknown codes get the same answer.
``/cases`` shows a member only the cases sent to them that they were not the subject of when filed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.cases.desk import CaseContent, TooManyAttempts, looks_like_code
from bot.cases.keys import CaseKeyError
from bot.commands import Command, CommandTable, Handler
from bot.context import Turn
from bot.flows.definition import FlowDefinition
from bot.flows.engine import answer_blocks
from bot.flows.submit import KEY_PROBLEM, desk_for
from bot.messages import Block, Reply, Text, Typed, Visibility, say
from bot.store.cases import StoredCase

log = logging.getLogger(__name__)
NO_SUCH_CODE = "I can't find a case with that code. Check it and try again (codes look like ABCD-EFGH-JKMN-PQRS)."
PRIVATE_ONLY = "Please use this in a private chat with me, not here."


async def _case(turn: Turn, args: str) -> list[Reply]:
    if not turn.in_private:
        return [say(PRIVATE_ONLY, visibility=Visibility.EPHEMERAL, kind="case_private_only")]
    code, _, rest = args.strip().partition(" ")
    if not looks_like_code(code):
        return [say("Usage: /case CODE, /case CODE add TEXT, or /case CODE withdraw.", kind="case_usage")]
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
    if verb == "withdraw":
        if case.status != "open":
            return [say(f"{case.reference} is already {case.status}.", kind="case_status")]
        await desk.withdraw(case)
        await turn.audit("case.withdrawn", ref=case.reference, person=False)
        return [say(f"{case.reference} is withdrawn. Its details will be deleted after the retention period.",
                    kind="case_withdrawn")]
    if verb == "add":
        if not text.strip():
            return [say("Put the information after add: /case CODE add TEXT", kind="case_usage")]
        if case.status != "open":
            return [say(f"{case.reference} is {case.status}; it can no longer be added to.", kind="case_status")]
        await desk.add_information(case, text.strip())
        await turn.audit("case.added_to", ref=case.reference, person=False)
        return [say(f"Added to {case.reference}. The recipient will see it with the rest of the case.",
                    kind="case_added")]
    await turn.audit("case.status_checked", ref=case.reference, person=False)
    return [say(f"{case.reference}: {case.status}, sent to {case.recipient} on {case.created_at:%d %B %Y}.",
                kind="case_status")]


def _reader(definitions: Mapping[str, FlowDefinition]) -> Handler:
    async def cases(turn: Turn, args: str) -> list[Reply]:
        return await _cases(turn, args, definitions)

    return cases


def _case_text(case: StoredCase, content: CaseContent, definition: FlowDefinition | None) -> Reply:
    """The case as its recipient reads it: the bot's labels as lines of its own, everything the reporter typed
    (and added later) quoted beneath them (``Typed``), so a typed "From: Cllr X" is never taken for ours."""
    reporter = " ".join((content.reporter or "anonymous").split())
    blocks: list[Block] = [Text(f"{case.reference} ({case.status}), {case.flow}, sent to {case.recipient}\n"
                                f"From: {reporter}")]
    rows = (definition.shown(content.answers, to_recipient=True) if definition is not None
            else [(name, value, True) for name, value in content.answers.items() if value])
    blocks += answer_blocks(rows)
    for text in content.additions:
        blocks += [Text("Added later:"), Typed(text)]
    return Reply(tuple(blocks), meta={"kind": "case_read"})


async def _cases(turn: Turn, args: str, definitions: Mapping[str, FlowDefinition]) -> list[Reply]:
    if not turn.in_private:
        return [say(PRIVATE_ONLY, visibility=Visibility.EPHEMERAL, kind="case_private_only")]
    if turn.member is None:
        return [say("You have no cases: only people on a council roster receive them.", kind="cases")]
    desk = desk_for(turn)
    mine = await desk.readable_by(turn.member, turn.incoming.platform, turn.incoming.user_id)
    reference = args.strip().upper()
    if not reference:
        if not mine:
            return [say("No cases have been sent to you.", kind="cases")]
        lines = [f"{c.reference}  {c.status:9s} {c.flow} (about: {c.about_role}) {c.created_at:%d %b %Y}" for c in mine]
        return [say("Cases sent to you:\n" + "\n".join(lines) + "\nRead one with /cases REFERENCE.", kind="cases")]
    case = next((c for c in mine if c.reference == reference), None)
    if case is None:
        await turn.audit("case.read_refused", ref=reference[:32])
        return [say("No case with that reference was sent to you.", kind="cases")]
    content = await desk.open(case)
    await turn.audit("case.read", ref=case.reference)
    if case.ciphertext is None:
        return [say(f"{case.reference} ({case.status}): its details were deleted after the retention period.",
                    kind="case_read")]
    return [_case_text(case, content, definitions.get(case.flow))]


def _key_guard(handler: Handler) -> Handler:
    """A key that is missing or not the database's: a polite reply here, the reason in the log (no content)."""
    async def guarded(turn: Turn, args: str) -> list[Reply]:
        try:
            return await handler(turn, args)
        except CaseKeyError as exc:
            log.error("confidential cases unavailable: %s", exc)
            return [say(KEY_PROBLEM, kind="case_key_problem")]

    return guarded


def register(table: CommandTable, definitions: Mapping[str, FlowDefinition] | None = None) -> None:
    """``definitions``: the flows cases come from, for the labels of their answers."""
    table.register(Command("case", _key_guard(_case), "check, add to or withdraw your report",
                           usage="CODE [add TEXT|withdraw]", interrupts_flows=True))
    table.register(Command("cases", _key_guard(_reader(definitions or {})), "reports sent to you",
                           usage="[REFERENCE]", interrupts_flows=True))
