"""The one entry point every platform calls: ``await Dialogue(...).handle(incoming) -> list[Reply]``.

    middleware (bots, size, rate) -> one read: duplicate delivery? who, which council, conversation
      -> button actions -> active flow -> commands -> intent (offer a private flow) -> Q&A

Errors from storage are turned into a polite "please try again" here, and logged by type only: a
message's text never reaches a log line.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot import answering, council_choice, feedback, intent, linking, publish, roster
from bot.commands import Command, CommandTable, core_commands, parse
from bot.context import Services, Turn
from bot.flowhooks import FlowRegistry
from bot.flows.install import check_routing
from bot.flows.install import install as install_flows
from bot.messages import Incoming, Reply, Visibility, say
from bot.middleware import (
    ADMITTED,
    MAX_MESSAGE_CHARS,
    Admission,
    Middleware,
    RateLimit,
    chain,
    ignore_bots,
    size_limit,
)
from bot.people import can, who_may
from bot.publish import uploads
from bot.qa import EmptyQuestionError, QaService
from bot.store import ConcurrentUpdate, Store, StoreError
from config.councils import load_profile
from knowledge.errors import KnowledgeError

log = logging.getLogger(__name__)

ActionHandler = Callable[[Turn, str], Awaitable[list[Reply]]]
TRY_AGAIN = "Sorry, I couldn't reach my records just now. Nothing was saved; please try again in a moment."
SORRY = "Sorry, something went wrong on my side. Please try again, or ask your Clerk."
RACED = "I was still busy with your previous message. Please send that again."


def default_commands() -> CommandTable:
    table = core_commands()
    roster.register(table)
    linking.register(table)
    publish.register(table)
    return table


class Dialogue:
    def __init__(self, qa: QaService, store: Store, *, commands: CommandTable | None = None,
                 flows: FlowRegistry | None = None, rate_limit: RateLimit | None = None,
                 max_chars: int = MAX_MESSAGE_CHARS, concurrency: int = ADMITTED) -> None:
        """``concurrency``: messages handled at once; more wait in arrival order (``bot.middleware.Admission``)."""
        self.commands = commands or default_commands()
        self.flows = flows or FlowRegistry()
        self.actions: dict[str, ActionHandler] = {
            council_choice.ACTION: self._choose_council, feedback.ACTION: feedback.on_press,
            intent.START: self._start_flow, intent.DISMISS: self._dismiss_offer,
        }
        publish.register_actions(self.add_action)
        self.services = Services(qa=qa, store=store, councils=sorted(qa.library.sources()), commands=self.commands)
        middleware: list[Middleware] = [ignore_bots, size_limit(max_chars), rate_limit or RateLimit(),
                                        Admission(concurrency)]
        self._run = chain(middleware, self._dispatch)
        if flows is None:
            install_flows(self.flows, self.commands, self.add_action, qa.library.home)

    @property
    def store(self) -> Store:
        return self.services.store

    def add_command(self, command: Command) -> None:
        self.commands.register(command)

    def add_action(self, name: str, handler: ActionHandler) -> None:
        if name in self.actions:
            raise ValueError(f"button action {name!r} is registered twice")
        self.actions[name] = handler

    async def start(self) -> None:
        """Bring the roster and the configured bindings of every council into the database."""
        home = self.services.qa.library.home
        await self.store.inbox.prune()
        for council in self.services.councils:
            profile = load_profile(council, home)
            await self.store.members.sync_roster(council, profile.roster)
            await self.store.bindings.sync_config(council, profile.bindings)
        check_routing(self.services)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        try:
            return await self._run(incoming)
        except ConcurrentUpdate:
            return [say(RACED, kind="error")]
        except (StoreError, SQLAlchemyError, OSError) as exc:
            log.warning("message from %s could not be handled: %s", incoming.platform, type(exc).__name__)
            return [say(TRY_AGAIN, kind="error")]
        except (EmptyQuestionError, KnowledgeError) as exc:
            return [say(str(exc), kind="error")]
        except Exception as exc:  # a bug must not take the adapter down, nor log what the person wrote
            frames = traceback.extract_tb(exc.__traceback__)[-4:]
            where = " -> ".join(f"{Path(f.filename).name}:{f.lineno}" for f in frames)
            log.error("bug handling a message from %s: %s at %s", incoming.platform, type(exc).__name__, where)
            return [say(SORRY, kind="error")]

    async def _dispatch(self, incoming: Incoming) -> list[Reply]:
        """A duplicate delivery ends here; if handling then fails the claim is released, so the platform's
        retry is answered rather than dropped."""
        facts = await self.store.lookup(incoming.platform, incoming.chat_id, incoming.user_id, incoming.workspace,
                                        message_id=incoming.message_id)
        if facts is None:
            return []
        council = facts.council or (facts.member.council if facts.member else None)
        turn = Turn(incoming, self.services, facts.member, council, facts.conversation)
        try:
            return await self._route(turn)
        except BaseException:
            if incoming.message_id is not None:
                with contextlib.suppress(Exception):  # the database may be what failed; keep the original error
                    await self.store.inbox.release(incoming.platform, incoming.message_id)
            raise

    async def _route(self, turn: Turn) -> list[Reply]:
        incoming = turn.incoming
        if incoming.action is not None:
            handler = self.actions.get(incoming.action.name)
            if handler is None:
                return [say("That button no longer does anything; please ask again.", kind="error")]
            return await handler(turn, incoming.action.value)
        text = incoming.text.strip()
        command = parse(text)
        if command is None and incoming.attachment is not None:  # a file on its own: the Clerk's, kept for /publish
            kept = await uploads.received(turn)
            if kept is not None:
                return kept
        found = self.commands.get(command[0]) if command else None
        if found is not None and found.interrupts_flows:
            return await self._command(turn, found, command[1] if command else "")
        flow = self.flows.get(turn.conversation.flow)
        if flow is not None:
            replies = await flow.step(turn)
            if replies is not None:
                return replies
            # Not an answer to the step (a question, a command): deal with it, then ask the step again. Nothing
            # typed during a private flow is kept with the feedback: it may be part of the concern.
            replies = await self._message(turn, text, command, found, keep_question=False)
            if turn.conversation.flow == flow.name:
                replies += await flow.reprompt(turn)
            return replies
        return await self._message(turn, text, command, found)

    async def _message(self, turn: Turn, text: str, command: tuple[str, str] | None, found: Command | None, *,
                       keep_question: bool = True) -> list[Reply]:
        if command is not None:
            if found is None:
                return [say(f"Unknown command /{command[0]}. Try /help.", kind="unknown_command")]
            return await self._command(turn, found, command[1])
        if not text:
            return []
        if turn.conversation.state.get("awaiting") == "council":
            choice = council_choice.match(turn, text)
            if choice is not None:
                return await council_choice.choose(turn, choice)
            if turn.council is None:
                return await council_choice.ask(turn)
            await council_choice.stop_asking(turn)
        if intent.wants_to_report(text):
            replies = intent.offer(turn)
            if intent.is_question(text) and turn.council is not None:
                replies = await answering.answer(turn, text, keep_question=False) + replies
            return replies
        if turn.council is None:
            return await council_choice.ask(turn, pending=text)
        return await answering.answer(turn, text, keep_question=keep_question)

    async def _command(self, turn: Turn, command: Command, args: str) -> list[Reply]:
        if command.permission is not None:
            profile = self.services.profile(turn.member.council) if turn.member else None
            deputy = bool(profile and profile.deputy_clerk_administers)
            if not can(turn.member, command.permission, deputy_clerk_administers=deputy):
                await turn.audit("command.refused", ref=command.name)
                who = who_may(command.permission, deputy_clerk_administers=deputy)
                return [say(f"Sorry, /{command.name} is only for {who}.", visibility=Visibility.EPHEMERAL,
                            kind="refusal")]
        if command.needs_council and turn.council is None:
            return await council_choice.ask(turn)
        return await command.handler(turn, args)

    async def _choose_council(self, turn: Turn, value: str) -> list[Reply]:
        return await council_choice.choose(turn, value)

    async def _start_flow(self, turn: Turn, value: str) -> list[Reply]:
        name, _, council = value.partition(":")
        if turn.council is None and council in self.services.councils:
            turn.council = council
        flow = self.flows.get(name)
        await turn.audit("flow.offer_accepted", ref=name)
        if flow is None:
            ask = self.services.profile(turn.council).ask_instead if turn.council else "your Clerk"
            return [turn.privately(f"I can't take you through that step by step yet. Please contact {ask} "
                                   "directly; your council's protocol explains how concerns are handled.",
                                   kind="flow_unavailable")]
        await turn.save(flow=flow.name, state={})
        return await flow.start(turn)

    async def _dismiss_offer(self, turn: Turn, _value: str) -> list[Reply]:
        return [turn.privately("No problem. Ask me anything about the protocol.", kind="offer_dismissed")]
