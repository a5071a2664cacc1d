"""Plug the YAML flows, their buttons and their commands into a dialogue.

Kept out of ``bot.dialogue`` so the dialogue knows flows only through ``bot.flowhooks``; this module is
the one place that knows which actions, commands and definitions make up the shipped flows.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.cases import commands as case_commands
from bot.cases.desk import CaseDesk
from bot.cases.keyring import Keyring
from bot.cases.keys import CaseKeyError
from bot.commands import Command, CommandTable
from bot.context import Services, Turn
from bot.flowhooks import FlowRegistry
from bot.flows.actions import book_for, default_actions
from bot.flows.definition import load_flows
from bot.flows.engine import BEGIN, YamlFlow
from bot.flows.prompts import ANSWER, NAVIGATE
from bot.flows.submit import submit_action
from bot.messages import Reply, say

log = logging.getLogger(__name__)
ActionHandler = Callable[[Turn, str], Awaitable[list[Reply]]]
COMMANDS = {"concern": ("report", "report a concern: who it goes to, and send it privately"),
            "grievance": ("grievance", "raise a confidential grievance (officers)")}


def _flow(registry: FlowRegistry, name: str) -> YamlFlow | None:
    flow = registry.get(name)
    return flow if isinstance(flow, YamlFlow) else None


def install(registry: FlowRegistry, commands: CommandTable, add_action: Callable[[str, ActionHandler], None],
            home: Path) -> None:
    actions = default_actions(submit=submit_action)
    keyring = Keyring(home)  # never creates a key: that is `protocol-bot keys init` or the first start's
    definitions = load_flows(frozenset(actions))

    def noun(name: str) -> str:
        return definitions[name].noun if name in definitions else "report"

    for definition in definitions.values():
        flow = YamlFlow(definition, actions, keyring.current, nouns=noun)
        registry.register(flow)
        if definition.name in COMMANDS:
            name, help_text = COMMANDS[definition.name]
            commands.register(Command(name, _starter(flow), help_text, needs_council=True, interrupts_flows=True))
    case_commands.register(commands, definitions)

    async def answer(turn: Turn, value: str) -> list[Reply]:
        name, _, rest = value.partition(":")
        flow = _flow(registry, name)
        if flow is None:
            return [say("That button no longer does anything.", kind="flow_stale")]
        return await flow.press(turn, rest)

    async def navigate(turn: Turn, value: str) -> list[Reply]:
        name, _, where = value.partition(":")
        flow = _flow(registry, name)
        return await flow.navigate(turn, where) if flow else [say("That button no longer does anything.")]

    async def begin(turn: Turn, value: str) -> list[Reply]:
        name, _, council = value.partition(":")
        flow = _flow(registry, name)
        if flow is None:
            return [say("That button no longer does anything.", kind="flow_stale")]
        if turn.council is None and council in turn.services.councils:
            turn.council = council
        return await flow.start(turn)

    add_action(ANSWER, answer)
    add_action(NAVIGATE, navigate)
    add_action(BEGIN, begin)


def _starter(flow: YamlFlow) -> Callable[[Turn, str], Awaitable[list[Reply]]]:
    async def start(turn: Turn, _args: str) -> list[Reply]:
        return await flow.start(turn)

    return start


def check_routing(services: Services) -> None:
    """Bind every council's routing rules to its live index now: a rule citing a clause that is not there
    stops the bot at start (``RoutingConfigError`` naming the file and rule), not mid-report."""
    for council in services.councils:
        book_for(services, council)


async def forget_anonymous_reporters(services: Services) -> None:
    """At start: anonymous cases filed before their sealed details left the name out lose it now (a missing or
    wrong key is logged here; ``chat`` and ``serve`` have already refused to start on it)."""
    desk = services.extras.get("case_desk")
    if not isinstance(desk, CaseDesk):
        desk = services.extras["case_desk"] = CaseDesk(services.store, Keyring(services.qa.library.home))
    try:
        count = await desk.forget_anonymous_reporters()
    except CaseKeyError as exc:
        log.error("could not remove reporters' names from old anonymous cases: %s", exc)
        return
    if count:
        log.info("removed the reporter's name from the sealed details of %d anonymous case(s)", count)
