"""The one entry point every platform calls: ``await Dialogue(...).handle(incoming) -> list[Reply]``.

    middleware (bots, control characters, size, rate) -> now and then, sweep expired drafts -> one read:
      duplicate delivery? who, which council, conversation -> a draft swept while away? say so
      -> button actions -> active flow -> commands -> greetings and thanks -> intent (offer a private flow) -> Q&A

Errors from storage are turned into a polite "please try again" here, and logged by type only: a
message's text never reaches a log line.
"""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot import answering, council_choice, feedback, intent, linking, publish, roster, smalltalk
from bot.cases.desk import looks_like_code
from bot.cases.reminders import remind_unacknowledged
from bot.commands import Command, CommandTable, core_commands, parse
from bot.context import Services, Turn
from bot.flowhooks import FlowRegistry
from bot.flows.install import check_routing, forget_anonymous_reporters
from bot.flows.install import install as install_flows
from bot.messages import Incoming, Reply, Visibility, say
from bot.middleware import (
    ADMITTED,
    MAX_MESSAGE_CHARS,
    Admission,
    Middleware,
    RateLimit,
    chain,
    clean_text,
    ignore_bots,
    size_limit,
)
from bot.people import can, who_may
from bot.publish import uploads
from bot.qa import EmptyQuestionError, QaService
from bot.roster_sync import sync_roster_file
from bot.store import ConcurrentUpdate, Store, StoreError
from config.councils import load_profile
from config.routing import load_routing
from knowledge.errors import KnowledgeError

log = logging.getLogger(__name__)

ActionHandler = Callable[[Turn, str], Awaitable[list[Reply]]]
TRY_AGAIN = "Sorry, I couldn't reach my records just now. Nothing was saved; please try again in a moment."
SORRY = "Sorry, something went wrong on my side. Please try again, or ask your Clerk."
RACED = "I was still busy with your previous message. Please send that again."
CODE_HINT = ("That looks like a receipt code. To check, add to or withdraw your report, send /case followed by the "
             "code in a private chat with me. I have not kept it.")
SWEEP_EVERY = timedelta(minutes=10)
"""How often unfinished drafts older than their flow's timeout are deleted (and at every start)."""


def default_commands() -> CommandTable:
    table = core_commands()
    roster.register(table)
    linking.register(table)
    publish.register(table)
    return table


class Dialogue:
    def __init__(self, qa: QaService, store: Store, *, commands: CommandTable | None = None,
                 flows: FlowRegistry | None = None, rate_limit: RateLimit | None = None,
                 max_chars: int = MAX_MESSAGE_CHARS, concurrency: int = ADMITTED,
                 sweep_every: timedelta = SWEEP_EVERY) -> None:
        """``concurrency``: messages handled at once; more wait in arrival order (``bot.middleware.Admission``).
        ``sweep_every``: how often a message also deletes drafts left unfinished past their flow's timeout."""
        self.commands = commands or default_commands()
        self.flows = flows or FlowRegistry()
        self.actions: dict[str, ActionHandler] = {
            council_choice.ACTION: self._choose_council, feedback.ACTION: feedback.on_press,
            intent.START: self._start_flow, intent.DISMISS: self._dismiss_offer,
        }
        publish.register_actions(self.add_action)
        self.services = Services(qa=qa, store=store, councils=sorted(qa.library.sources()), commands=self.commands)
        middleware: list[Middleware] = [ignore_bots, clean_text, size_limit(max_chars), rate_limit or RateLimit(),
                                        Admission(concurrency)]
        self._run = chain(middleware, self._dispatch)
        self._sweep_every = sweep_every.total_seconds()
        self._swept = time.monotonic()
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
        """Bring the roster and the configured bindings of every council into the database (a roster change that
        needs a second person waits for one: ``bot.roster_sync``)."""
        home = self.services.qa.library.home
        await self.store.inbox.prune()
        for council in self.services.councils:
            profile = load_profile(council, home)
            await sync_roster_file(self.store, council, profile.roster, load_routing(council, home)[0])
            await self.store.bindings.sync_config(council, profile.bindings)
        check_routing(self.services)
        await self.sweep()
        await forget_anonymous_reporters(self.services)

    async def sweep(self) -> int:
        """Delete every draft left unfinished for longer than its flow's timeout, whether or not its author ever
        writes again (they are told when they do). Run at start and every ``sweep_every`` while messages come."""
        self._swept = time.monotonic()
        now = datetime.now(UTC)
        swept = 0
        for handler in self.flows.all():
            timeout = getattr(handler, "timeout", None)
            if isinstance(timeout, timedelta):
                count = await self.store.conversations.expire_flows(handler.name, now - timeout)
                for _ in range(count):
                    await self.store.audit.record("flow.expired", ref=handler.name)
                swept += count
        await remind_unacknowledged(self.store)  # chat alone (no outbox worker) still reminds recipients
        return swept

    async def _sweep_now_and_then(self) -> None:
        if time.monotonic() - self._swept < self._sweep_every:
            return
        try:
            await self.sweep()
        except (StoreError, SQLAlchemyError, OSError) as exc:  # the message is still handled; next time, again
            log.warning("could not delete expired drafts: %s", type(exc).__name__)

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
        await self._sweep_now_and_then()
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
        expired = await self._expired_notice(turn)
        return expired + await self._route_message(turn)

    async def _expired_notice(self, turn: Turn) -> list[Reply]:
        """A draft the sweep deleted while its author was away: said once, the next time they write."""
        name = turn.conversation.state.get("expired") if turn.conversation.flow is None else None
        if not name:
            return []
        await turn.save(flow=None, state={k: v for k, v in turn.conversation.state.items() if k != "expired"})
        flow = self.flows.get(str(name))
        notice = getattr(flow, "expired_notice", None)
        if callable(notice):
            reply = notice()
            if isinstance(reply, Reply):
                return [reply]
        return [say("What you had started typing for a report was left unfinished too long, so I deleted it; nothing "
                    "was sent.", kind="flow_expired")]

    async def _route_message(self, turn: Turn) -> list[Reply]:
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
        if looks_like_code(text):  # a receipt code pasted on its own: never a question, never kept
            return [say(CODE_HINT, visibility=Visibility.EPHEMERAL, kind="case_hint")]
        if (small_talk := smalltalk.reply(text)) is not None:
            return [small_talk]
        if await intent.wants_to_report(turn, text):
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
        await turn.audit("flow.offer_accepted", ref=name, person=False)
        if flow is None:
            ask = self.services.profile(turn.council).ask_instead if turn.council else "your Clerk"
            return [turn.privately(f"I can't take you through that step by step yet. Please contact {ask} "
                                   "directly; your council's protocol explains how concerns are handled.",
                                   kind="flow_unavailable")]
        return await flow.start(turn)  # the flow saves its own state (and says if it discarded a draft)

    async def _dismiss_offer(self, turn: Turn, _value: str) -> list[Reply]:
        return [turn.privately("No problem. Ask me anything about the protocol.", kind="offer_dismissed")]
