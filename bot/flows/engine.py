"""Runs a ``FlowDefinition`` one message at a time, keeping its place in the conversation state.

The conversation row holds ``{"step", "history", "updated", "council", "draft"}``, the answers sealed into
``draft`` (``bot/flows/drafts.py``); steps are put to the person by ``bot/flows/prompts.py``. Unfinished drafts
are deleted after the flow's timeout whether or not the person writes again (``Dialogue.sweep``). Typed replies
("back", "cancel", "start over") work as well as buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cases.keys import CaseKeyError, MasterKey
from bot.context import Turn
from bot.flows import drafts, prompts
from bot.flows.definition import END, Choice, FlowDefinition, Step
from bot.messages import Action, Button, Reply, Visibility, say

BEGIN = "flow.begin"
BACK_WORDS = frozenset({"back", "go back", "previous"})
CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "exit"})
RESTART_WORDS = frozenset({"start over", "restart", "start again"})
SKIP_WORDS = frozenset({"skip", "none", "no details", "-"})
SEND_WORDS = frozenset({"send", "yes", "submit", "confirm"})
NO_KEY = ("Confidential reports are unavailable just now: the key that protects them is not set up correctly on "
          "this server, so I cannot keep your answers. Nothing was kept or sent. Please tell your Clerk or whoever "
          "runs this bot.")


@dataclass
class FlowRun:
    """What an action step sees: the turn, the answers so far, and a way to read sealed answers."""

    turn: Turn
    flow: FlowDefinition
    answers: dict[str, str]
    opened: dict[str, str] = field(default_factory=dict)
    """Free-text answers marked ``sensitive`` (what happened, the outcome sought), kept apart from the choices."""


@dataclass(frozen=True, slots=True)
class ActionResult:
    replies: list[Reply]
    next: str | None = None
    """Override the following step (``end`` stops the flow, e.g. when the protocol names no route)."""
    answers: dict[str, str] = field(default_factory=dict)


FlowAction = Callable[[FlowRun], Awaitable[ActionResult]]


def _now() -> datetime:
    return datetime.now(UTC)


class YamlFlow:
    """A ``bot.flowhooks.FlowHandler`` for one flow definition."""

    def __init__(self, definition: FlowDefinition, actions: dict[str, FlowAction],
                 master_key: Callable[[], MasterKey], *, nouns: Callable[[str], str] | None = None) -> None:
        """``nouns``: what another flow's draft is called ("report", "grievance"), for saying it was discarded."""
        self.definition = definition
        self.name = definition.name
        self.title = definition.title
        self.noun = definition.noun
        self._nouns = nouns or (lambda name: "report")
        self._actions = actions
        self._master_key = master_key

    # -- entry points -------------------------------------------------------------------------------
    async def start(self, turn: Turn) -> list[Reply]:
        if self.definition.dm_only and not turn.in_private:
            button = Button(f"Start: {self.title}", Action(BEGIN, f"{self.name}:{turn.council or ''}"))
            return [turn.privately(f"{self.title}: let's do this here, in private.", buttons=(button,),
                                   kind="flow_moved"),
                    say("I've sent you a private message.", visibility=Visibility.EPHEMERAL, kind="flow_moved_note")]
        refusal = self._refused(turn)
        if refusal:
            return [say(refusal, kind="flow_refused")]
        discarded = await self._discard_draft(turn)
        await turn.audit("flow.started", ref=self.name, person=False)
        state = {"step": self.definition.steps[0].id, "answers": {}, "history": [],
                 "council": turn.council or "", "updated": _now().isoformat()}
        intro = [say(self.definition.intro, kind="flow_intro")] if self.definition.intro else []
        return discarded + intro + await self._enter(turn, state)

    async def step(self, turn: Turn) -> list[Reply] | None:
        """A typed message while the flow is active; ``None`` hands it back to the dialogue (a question)."""
        state = self._load(turn)
        if state is None:
            return await self._expire(turn)
        text = turn.incoming.text.strip()
        words = prompts.words(text)
        if words in CANCEL_WORDS:
            return await self.cancel(turn)
        if words in BACK_WORDS:
            return await self._back(turn, state)
        if words in RESTART_WORDS:
            return await self._restart(turn)
        step = self.definition.step(state["step"])
        if step.kind == "text":
            return await self._text(turn, state, step, text)
        if step.kind == "choice":
            choice = self._match(turn, step, state, text)
            return None if choice is None else await self._choose(turn, state, step, choice)
        if step.kind == "confirm":
            if words in SEND_WORDS:
                return await self._advance(turn, state, step, None)
            return None
        return None

    async def press(self, turn: Turn, value: str) -> list[Reply]:
        """A button: ``<step>:<value>`` answers a step; a stale button (an earlier step) is refused."""
        if turn.conversation.flow != self.name or not turn.conversation.state:
            return [say(f"That {self.title.lower()} is no longer open. Start again with /{self.command}.",
                        kind="flow_stale")]
        state = self._load(turn)
        if state is None:
            return await self._expire(turn)
        step_id, _, answer = value.partition(":")
        if step_id != state["step"]:
            return [say("That button belongs to an earlier question; please use the latest one.",
                        kind="flow_stale")]
        step = self.definition.step(step_id)
        if step.kind == "confirm":
            return await self._advance(turn, state, step, None)
        if step.kind == "text" and answer == "skip" and step.optional:
            return await self._text(turn, state, step, "skip")
        choice = next((c for c in self._choices(turn, step, state) if c.value == answer), None)
        if choice is None:
            return [say("That choice isn't available any more; please pick again.", kind="flow_stale")]
        return await self._choose(turn, state, step, choice)

    async def navigate(self, turn: Turn, where: str) -> list[Reply]:
        if turn.conversation.flow != self.name or not turn.conversation.state:
            return [say("There is nothing to go back to.", kind="flow_stale")]
        if where == "cancel":
            return await self.cancel(turn)
        if where == "restart":
            return await self._restart(turn)
        state = self._load(turn)
        return await self._expire(turn) if state is None else await self._back(turn, state)

    async def reprompt(self, turn: Turn) -> list[Reply]:
        """Ask the current step again (after answering a question typed mid-flow)."""
        if turn.conversation.flow != self.name or not turn.conversation.state:
            return []
        state = self._load(turn)
        if state is None:
            return await self._expire(turn)
        return self._ask(turn, self.definition.step(state["step"]), state)

    async def cancel(self, turn: Turn) -> list[Reply]:
        await turn.save(flow=None, state={})
        await turn.audit("flow.cancelled", ref=self.name, person=False)
        return [say(f"Cancelled: nothing was sent, and what you typed for this {self.title.lower()} has been "
                    "deleted.", kind="flow_cancelled")]

    async def _discard_draft(self, turn: Turn) -> list[Reply]:
        """Starting a flow (``/report``, ``/grievance``, an offer's button) over an unfinished draft deletes the
        draft, and says so: a report is never dropped without a word."""
        other = turn.conversation.flow
        state = turn.conversation.state
        if other is None or not ("step" in state or "draft" in state or "answers" in state):
            return []
        noun = self.noun if other == self.name else self._nouns(other)
        await turn.save(flow=None, state={})
        await turn.audit("flow.discarded", ref=other, person=False)
        again = "I have started it again" if other == self.name else f"Here is the new {self.noun}"
        return [say(f"Your unfinished {noun} was discarded: nothing was sent, and what you typed for it has been "
                    f"deleted. {again}.", kind="flow_discarded")]

    def expired_notice(self) -> Reply:
        hours = self.definition.timeout_hours
        return say(f"Your {self.title.lower()} was left unfinished for more than {hours:g} hours, so I have closed it "
                   f"and deleted what you typed; nothing was sent. Start again with /{self.command} whenever you are "
                   "ready.", kind="flow_expired")

    @property
    def command(self) -> str:
        return "report" if self.name == "concern" else self.name

    # -- moving between steps -----------------------------------------------------------------------
    def _refused(self, turn: Turn) -> str | None:
        audience = self.definition.audience
        if not audience or turn.member is None:
            return None
        if set(turn.member.roles) & set(audience):
            return None
        return (f"{self.title} is for officers and staff. If you are a councillor with a concern, "
                "use /report instead.")

    @property
    def timeout(self) -> timedelta:
        return timedelta(hours=self.definition.timeout_hours)

    def _load(self, turn: Turn) -> dict[str, Any] | None:
        return drafts.open_draft(turn, self._master_key, self.timeout)

    def _sealed(self, turn: Turn, state: dict[str, Any]) -> dict[str, Any]:
        return drafts.sealed_state(turn, self._master_key, state)

    async def _expire(self, turn: Turn) -> list[Reply]:
        await turn.save(flow=None, state={})
        await turn.audit("flow.expired", ref=self.name, person=False)
        return [self.expired_notice()]

    async def _restart(self, turn: Turn) -> list[Reply]:
        await turn.save(flow=self.name, state={})
        return await self.start(turn)

    async def _back(self, turn: Turn, state: dict[str, Any]) -> list[Reply]:
        history = list(state.get("history", []))
        while history:
            previous = history.pop()
            if self.definition.step(previous).kind != "action":
                state = {**state, "step": previous, "history": history}
                return await self._save_and_ask(turn, state)
        current = self.definition.step(state["step"])
        return [say("This is the first question.", kind="flow_nav"), *self._ask(turn, current, state)]

    async def _choose(self, turn: Turn, state: dict[str, Any], step: Step, choice: Choice) -> list[Reply]:
        assert step.field is not None
        state = {**state, "answers": {**state.get("answers", {}), step.field: choice.value}}
        return await self._advance(turn, state, step, choice.next)

    async def _text(self, turn: Turn, state: dict[str, Any], step: Step, text: str) -> list[Reply]:
        assert step.field is not None
        if not text:
            return self._ask(turn, step, state)
        if len(text) > step.max_chars:
            return [say(f"That is {len(text):,} characters; please keep it under {step.max_chars:,} (you can send "
                        "more detail later with your receipt code).", kind="flow_too_long")]
        skipped = prompts.words(text) in SKIP_WORDS
        if skipped and not step.optional:
            return [say("I need an answer to this one (or type cancel to stop).", kind="flow_required")]
        answers = {**state.get("answers", {}), step.field: "" if skipped else text}
        return await self._advance(turn, {**state, "answers": answers}, step, None)

    async def _advance(self, turn: Turn, state: dict[str, Any], step: Step, chosen_next: str | None
                       ) -> list[Reply]:
        state = {**state, "history": [*state.get("history", []), step.id]}
        return await self._run_from(turn, state, chosen_next or self.definition.after(step))

    async def _enter(self, turn: Turn, state: dict[str, Any]) -> list[Reply]:
        return await self._run_from(turn, state, self.definition.steps[0].id)

    async def _run_from(self, turn: Turn, state: dict[str, Any], target: str) -> list[Reply]:
        """Run action steps and skip steps that don't apply until a question needs an answer, or the end."""
        replies: list[Reply] = []
        while target != END:
            step = self.definition.step(target)
            if step.when and not self._applies(step.when, state):
                target = self.definition.after(step)
                continue
            only = self._only_choice(turn, step, state)
            if only is not None and step.field and step.only_choice:  # answered for them, and said; not in history
                replies.append(turn.privately(step.only_choice, kind="flow_note"))
                state = {**state, "answers": {**state.get("answers", {}), step.field: only.value}}
                target = only.next or self.definition.after(step)
                continue
            if step.kind != "action":
                return replies + await self._save_and_ask(turn, {**state, "step": target})
            answers = dict(state.get("answers", {}))
            opened = {name: answers.pop(name) for name in self._sensitive() if name in answers}
            run = FlowRun(turn, self.definition, answers, opened)
            result = await self._actions[step.action or ""](run)
            replies += result.replies
            state = {**state, "answers": {**state.get("answers", {}), **result.answers},
                     "history": [*state.get("history", []), step.id]}
            target = result.next or self.definition.after(step)
        await turn.save(flow=None, state={})
        await turn.audit("flow.finished", ref=self.name, person=False)
        return replies

    async def _save_and_ask(self, turn: Turn, state: dict[str, Any]) -> list[Reply]:
        state = {**state, "updated": _now().isoformat()}
        step = self.definition.step(state["step"])
        if step.prefill == "member_role" and step.field and step.field not in state.get("answers", {}):
            prefilled = self._prefill(turn, step)
            if prefilled is not None:
                state = {**state, "answers": {**state.get("answers", {}), step.field: prefilled}}
        try:
            stored = self._sealed(turn, state)
        except CaseKeyError:
            await turn.save(flow=None, state={})
            return [say(NO_KEY, kind="flow_no_key")]
        await turn.save(flow=self.name, state=stored)
        return self._ask(turn, step, state)

    # -- presenting a step (bot/flows/prompts.py) --------------------------------------------------
    def _ask(self, turn: Turn, step: Step, state: dict[str, Any]) -> list[Reply]:
        return prompts.ask(turn, self.definition, step, state)

    def _sensitive(self) -> list[str]:
        return [s.field for s in self.definition.steps if s.sensitive and s.field]

    def _choices(self, turn: Turn, step: Step, state: dict[str, Any]) -> list[Choice]:
        return prompts.choices(turn, step, state)

    @staticmethod
    def _applies(when: dict[str, list[str]], state: dict[str, Any]) -> bool:
        return prompts.applies(when, state)

    def _only_choice(self, turn: Turn, step: Step, state: dict[str, Any]) -> Choice | None:
        return prompts.only_choice(turn, step, state)

    def _match(self, turn: Turn, step: Step, state: dict[str, Any], text: str) -> Choice | None:
        return prompts.match(turn, step, state, text)

    def _prefill(self, turn: Turn, step: Step) -> str | None:
        return prompts.prefill(turn, step)
