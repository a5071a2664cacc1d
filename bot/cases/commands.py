"""``/case CODE`` for the reporter (``bot.cases.reporter``) and ``/cases`` for recipients
(``bot.cases.recipients``): the only ways back into a case, both in a private chat only.

A key that is missing or not the database's gets a polite reply and a log line naming the problem, never a case.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.cases.keys import CaseKeyError
from bot.cases.recipients import cases_command
from bot.cases.reporter import case_command
from bot.commands import Command, CommandTable, Handler
from bot.context import Turn
from bot.flows.definition import FlowDefinition
from bot.flows.submit import KEY_PROBLEM, desk_for
from bot.messages import Reply, say

log = logging.getLogger(__name__)


def _reader(definitions: Mapping[str, FlowDefinition]) -> Handler:
    async def cases(turn: Turn, args: str) -> list[Reply]:
        return await cases_command(turn, args, definitions, desk_for(turn))

    return cases


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
    table.register(Command("case", _key_guard(case_command),
                           "your report: its status and any question for you; answer, add to or withdraw it",
                           usage="CODE [reply ANSWER|add TEXT|withdraw]", interrupts_flows=True))
    table.register(Command("cases", _key_guard(_reader(definitions or {})),
                           "reports sent to you: read, acknowledge, ask the reporter, close with an outcome",
                           usage="[REFERENCE [ack|ask QUESTION|close OUTCOME]]", interrupts_flows=True))
