"""Plug the YAML flows, their buttons and their commands into a dialogue.

Kept out of ``bot.dialogue`` so the dialogue knows flows only through ``bot.flowhooks``; this module is
the one place that knows which actions, commands and definitions make up the shipped flows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.cases import commands as case_commands
from bot.cases.keyring import Keyring
from bot.commands import Command, CommandTable
from bot.context import Services, Turn
from bot.flowhooks import FlowRegistry
from bot.flows.actions import book_for, default_actions
from bot.flows.definition import load_flows
from bot.flows.engine import ANSWER, BEGIN, NAVIGATE, YamlFlow
from bot.flows.submit import submit_action
from bot.messages import Reply, say

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
    for definition in load_flows(frozenset(actions)).values():
        flow = YamlFlow(definition, actions, keyring.current)
        registry.register(flow)
        if definition.name in COMMANDS:
            name, help_text = COMMANDS[definition.name]
            commands.register(Command(name, _starter(flow), help_text, needs_council=True, interrupts_flows=True))
    case_commands.register(commands)

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
