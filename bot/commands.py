"""Slash commands as a table: flows, broadcasts and roster editing add theirs with ``register``.

A command names the permission it needs (``bot.people.PERMISSIONS``); the dispatcher refuses politely,
and audits the refusal, before the handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import answering, council_choice, intent
from bot.context import Turn
from bot.messages import Reply, say

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Handler
    help: str
    usage: str = ""
    permission: str | None = None
    """An action in ``bot.people.PERMISSIONS``; ``None``: anyone may run it."""
    needs_council: bool = False
    interrupts_flows: bool = False
    """Runs before an active flow sees the message (``/cancel``, ``/help``)."""


class CommandTable:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def register(self, command: Command) -> None:
        if command.name in self._commands:
            raise ValueError(f"command /{command.name} is registered twice")
        self._commands[command.name] = command

    def get(self, name: str) -> Command | None:
        return self._commands.get(name)

    def all(self) -> list[Command]:
        return list(self._commands.values())


def parse(text: str) -> tuple[str, str] | None:
    """``/name args`` -> (name, args); Telegram's ``/name@BotName`` form is accepted."""
    text = text.strip()
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), args.strip()


async def _help(turn: Turn, _args: str) -> list[Reply]:
    table = turn.services.commands
    lines = ["Ask anything about your council's Member/Officer protocol, e.g. \"can I instruct the deputy clerk?\".",
             "Commands:"]
    lines += [f"  /{c.name}{' ' + c.usage if c.usage else ''} - {c.help}" for c in table.all()]
    return [say("\n".join(lines), kind="help")]


async def _ask(turn: Turn, args: str) -> list[Reply]:
    if not args:
        return [say("Please put your question after /ask, e.g. /ask can I instruct the deputy clerk?")]
    offer = intent.offer(turn) if turn.conversation.flow is None and await intent.wants_to_report(turn, args) else []
    if turn.council is None:  # kept to answer once the council is chosen, unless it may describe a concern
        return await council_choice.ask(turn, pending=args if await answering.may_keep(turn, args) else None) + offer
    return await answering.answer(turn, args) + offer  # its words kept only if ``answering.may_keep`` allows


async def _council(turn: Turn, args: str) -> list[Reply]:
    if args:
        choice = council_choice.match(turn, args)
        if choice is None:
            return [say(f"I don't know the council {args!r}."), council_choice.which_council(turn)]
        return await council_choice.choose(turn, choice)
    bound = _bound_by_config(turn)
    if bound:  # no buttons: a switch would only be refused (``council_choice.choose``)
        return [say(f"This chat is bound to {bound} by the council's configuration, so it cannot be switched "
                    "here; the Clerk can change it.", kind="council")]
    replies = await council_choice.ask(turn)
    if turn.council:
        return [say(f"This chat is set to {turn.council}. Choose a council to switch.", kind="council"), *replies]
    return replies


def _bound_by_config(turn: Turn) -> str | None:
    """The council whose profile binds this chat or its workspace, as ``Bindings.remember`` would find it."""
    incoming = turn.incoming
    for council in turn.services.councils:
        for binding in turn.services.profile(council).bindings:
            if binding.platform == incoming.platform and (
                    (binding.chat is not None and binding.chat == incoming.chat_id)
                    or (binding.workspace is not None and binding.workspace == incoming.workspace)):
                return turn.council or council
    return None


async def _whoami(turn: Turn, _args: str) -> list[Reply]:
    where = f" Council for this chat: {turn.council}." if turn.council else ""
    if turn.member is None:
        return [say(f"You are not on a council roster, so I answer without a role.{where}", kind="whoami")]
    return [say(f"You are {turn.member.describe()}.{where}", kind="whoami")]


async def _cancel(turn: Turn, _args: str) -> list[Reply]:
    if turn.conversation.flow is None and not turn.conversation.state:
        return [say("There is nothing to cancel.", kind="cancel")]
    await turn.save(flow=None, state={})
    await turn.audit("conversation.cancelled")
    return [say("Cancelled.", kind="cancel")]


async def _start(turn: Turn, _args: str) -> list[Reply]:
    if turn.council is None:
        return await council_choice.ask(turn)
    return [say(f"Council: {turn.council}. Ask away.", kind="council")]


def core_commands() -> CommandTable:
    table = CommandTable()
    table.register(Command("help", _help, "what I can do", interrupts_flows=True))
    table.register(Command("ask", _ask, "ask a question about the protocol", usage="QUESTION"))
    table.register(Command("council", _council, "show or switch this chat's council", usage="[NAME]"))
    table.register(Command("whoami", _whoami, "who I think you are, and your roles"))
    table.register(Command("cancel", _cancel, "stop what we are in the middle of", interrupts_flows=True))
    table.register(Command("start", _start, "begin (asks for your council if I don't know it)"))
    return table
