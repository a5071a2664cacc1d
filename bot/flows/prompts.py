"""How a flow's step is put to a person, and how what they type is read back as a choice.

Typed replies (a choice's number or words) work as well as buttons, so the terminal and platforms without
buttons need nothing special; choices open to a person depend on earlier answers and on whether they are on the
roster.
"""

from __future__ import annotations

import re
from typing import Any

from bot.context import Turn
from bot.flows.definition import Choice, FlowDefinition, Step
from bot.messages import Action, Button, Reply, Text, Typed

ANSWER = "flow.answer"
"""Button action: ``<flow>:<step>:<value>`` (short enough for Telegram's 64-byte callback data)."""
NAVIGATE = "flow.nav"
ROLE_AS_REPORTER = {"deputy clerk": "officer", "rfo": "officer", "chair": "councillor", "vice-chair": "councillor",
                    "committee chair": "councillor"}


def words(text: str) -> str:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).strip()


def answer_blocks(rows: list[tuple[str, str, bool]]) -> list[Text | Typed]:
    """``FlowDefinition.shown`` rows as blocks: "- label: value" lines, and what the person typed as a quotation
    under its label (``Typed``), so none of their lines can pass for one of ours."""
    blocks: list[Text | Typed] = []
    lines: list[str] = []
    for label, value, typed in rows:
        if typed:
            blocks += [Text("\n".join([*lines, f"- {label}:"])), Typed(value)]
            lines = []
        else:
            lines.append(f"- {label}: {value or '(none)'}")
    if lines:
        blocks.append(Text("\n".join(lines)))
    return blocks


def applies(when: dict[str, list[str]], state: dict[str, Any]) -> bool:
    answers = state.get("answers", {})
    return all(answers.get(name) in allowed for name, allowed in when.items())


def choices(turn: Turn, step: Step, state: dict[str, Any]) -> list[Choice]:
    """The choices open to this person now: earlier answers match, and roster-only ones for people on it."""
    return [c for c in step.choices if (not c.when or applies(c.when, state))
            and (not c.roster_only or turn.member is not None)]


def only_choice(turn: Turn, step: Step, state: dict[str, Any]) -> Choice | None:
    """The one choice a step leaves this person, when the step says to take it without asking."""
    if step.kind != "choice" or not step.only_choice:
        return None
    open_to_them = choices(turn, step, state)
    return open_to_them[0] if len(open_to_them) == 1 else None


def match(turn: Turn, step: Step, state: dict[str, Any], text: str) -> Choice | None:
    open_to_them = choices(turn, step, state)
    typed = words(text)
    if typed.isdigit() and 1 <= int(typed) <= len(open_to_them):
        return open_to_them[int(typed) - 1]
    for choice in open_to_them:
        if typed in (words(choice.label), words(choice.value).replace("_", " ")):
            return choice
    return None


def prefill(turn: Turn, step: Step) -> str | None:
    """The reporter choice a roster role implies (a Deputy Clerk reports as an officer)."""
    if turn.member is None:
        return None
    values = {c.value for c in step.choices}
    for role in turn.member.roles:
        mapped = ROLE_AS_REPORTER.get(role, role)
        if mapped in values:
            return mapped
    return None


def ask(turn: Turn, flow: FlowDefinition, step: Step, state: dict[str, Any]) -> list[Reply]:
    nav: tuple[Button, ...] = (Button("Back", Action(NAVIGATE, f"{flow.name}:back")),
                               Button("Cancel", Action(NAVIGATE, f"{flow.name}:cancel")))
    if not state.get("history"):
        nav = nav[1:]
    if step.kind == "choice":
        offered = choices(turn, step, state)
        prompt = step.prompt
        current = state.get("answers", {}).get(step.field or "")
        if current and step.prefill:
            label = next((c.label for c in offered if c.value == current), current)
            prompt = f"{prompt} (From the roster: {label}. Choose again if that's not right.)"
        lines = [prompt] + [f"{i}. {c.label}" for i, c in enumerate(offered, 1)]
        buttons = tuple(Button(c.label, Action(ANSWER, f"{flow.name}:{step.id}:{c.value}")) for c in offered)
        return [turn.privately("\n".join(lines), buttons=buttons + nav, kind="flow_step")]
    if step.kind == "text":
        skip = (Button("Skip", Action(ANSWER, f"{flow.name}:{step.id}:skip")),) if step.optional else ()
        return [turn.privately(step.prompt, buttons=skip + nav, kind="flow_step")]
    send = Button("Send", Action(ANSWER, f"{flow.name}:{step.id}:send"))
    summary = answer_blocks(flow.shown(state.get("answers", {})))  # as the recipient will see it
    blocks = (Text(step.prompt), *summary, Text("Type send, back or cancel."))
    return [turn.privately_blocks(blocks, buttons=(send, *nav), kind="flow_confirm")]
