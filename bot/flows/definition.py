"""A flow as data: steps, choices, free-text answers, confirmation, ``dm_only`` and a timeout.

Definitions live in ``config/flows/<name>.yaml`` so the wording and order can be reviewed (and drawn as a
Mermaid diagram beside each file) without reading Python. Everything is checked when the file is loaded:
a wrong ``next``, an unknown action or a duplicate step id is an error naming the file and the step, not
a conversation that dead-ends in front of someone trying to report a concern.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config.settings import CONFIG_DIR

FLOWS_DIR = CONFIG_DIR / "flows"
END = "end"
StepKind = Literal["choice", "text", "confirm", "action"]


class FlowDefinitionError(ValueError):
    pass


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(min_length=1)
    value: str = Field(min_length=1, max_length=40)
    """Short: it travels in button data (Telegram allows 64 bytes)."""
    next: str | None = None
    when: dict[str, list[str]] | None = None
    """Offer this choice only when earlier answers match (``{reporter: [officer, clerk]}``)."""
    roster_only: bool = False
    """Offer this choice only to someone on the council's roster ("Yes, show my name": there is no name to show
    for anyone else). A step left with one choice takes it without asking, saying ``only_choice`` instead."""


class Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    kind: StepKind
    prompt: str = ""
    field: str | None = None
    """The answer is stored under this name."""
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    """A text step that may be skipped."""
    sensitive: bool = False
    """Free text about people: sealed with the case key even while the flow is in progress."""
    prefill: Literal["member_role"] | None = None
    action: str | None = None
    """``action`` steps: a name in the flow action registry (``route``, ``submit``, ``procedure``...)."""
    next: str | None = None
    max_chars: int = 4000
    label: str | None = None
    """How the answer is labelled in the summary before sending (default: the prompt up to its "?")."""
    when: dict[str, list[str]] | None = None
    """Skip this step unless earlier answers match."""
    only_choice: str | None = None
    """What is said when a choice step has one choice left for this person and takes it without asking."""
    recipient_sees: bool = True
    """Whether the recipient of a submitted case is shown this answer (not "Send a report: yes")."""


class FlowDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    noun: str = "report"
    """What a submitted one is called in notices: "a confidential report", "a confidential grievance"."""
    dm_only: bool = True
    timeout_hours: float = Field(default=24.0, gt=0)
    audience: tuple[str, ...] = ()
    """Roles that may start the flow (empty: anyone on the roster or not)."""
    intro: str = ""
    steps: tuple[Step, ...] = Field(min_length=1)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def shown(self, answers: dict[str, str], *, to_recipient: bool = False) -> list[tuple[str, str, bool]]:
        """``(label, value, typed)`` for each answer given, in step order: a choice by its label, free text as the
        person typed it (``typed``: show it quoted, never as the bot's own words)."""
        rows: list[tuple[str, str, bool]] = []
        for step in self.steps:
            if step.field is None or step.kind not in ("choice", "text") or step.field not in answers:
                continue
            if to_recipient and not step.recipient_sees:
                continue
            raw = answers[step.field]
            label = step.label or step.prompt.split("?")[0].rstrip(".")
            if step.kind == "text":
                rows.append((label, raw, bool(raw)))
            else:
                rows.append((label, next((c.label for c in step.choices if c.value == raw), raw), False))
        return rows

    def after(self, step: Step) -> str:
        """The step that follows when the step (or its chosen choice) names none: the next in the file."""
        if step.next:
            return step.next
        position = self.steps.index(step)
        return self.steps[position + 1].id if position + 1 < len(self.steps) else END


def _check(flow: FlowDefinition, path: Path, actions: frozenset[str]) -> None:
    ids = [s.id for s in flow.steps]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise FlowDefinitionError(f"{path}: step {sorted(duplicates)[0]!r} is defined twice")
    targets = set(ids) | {END}
    for step in flow.steps:
        where = f"{path}: step {step.id!r}"
        for target in [step.next, *(c.next for c in step.choices)]:
            if target is not None and target not in targets:
                raise FlowDefinitionError(f"{where}: goes to {target!r}, which is not a step of this flow")
        if step.kind == "choice" and not step.choices:
            raise FlowDefinitionError(f"{where}: a choice step needs choices")
        if step.kind in ("choice", "text") and not step.field:
            raise FlowDefinitionError(f"{where}: a {step.kind} step needs `field` (where the answer is kept)")
        if step.kind == "action" and step.action not in actions:
            known = ", ".join(sorted(actions)) or "none registered"
            raise FlowDefinitionError(f"{where}: unknown action {step.action!r} (known: {known})")
        if step.kind in ("choice", "text", "confirm") and not step.prompt:
            raise FlowDefinitionError(f"{where}: needs a prompt")


def load_flow(path: Path, actions: frozenset[str]) -> FlowDefinition:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FlowDefinitionError(f"{path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise FlowDefinitionError(f"{path}:{where} not valid YAML ({getattr(exc, 'problem', None) or exc})") from exc
    try:
        flow = FlowDefinition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int) and isinstance(data, dict):
            steps = data.get("steps") or []
            step_id = steps[loc[1]].get("id", f"#{loc[1] + 1}") if loc[1] < len(steps) else f"#{loc[1] + 1}"
            where = f" step {step_id!r}:"
            loc = loc[2:]
        field = ".".join(str(p) for p in loc)
        raise FlowDefinitionError(f"{path}:{where} {field + ': ' if field else ''}{first['msg']}") from exc
    _check(flow, path, actions)
    return flow


def load_flows(actions: frozenset[str], folder: Path = FLOWS_DIR) -> dict[str, FlowDefinition]:
    flows: dict[str, FlowDefinition] = {}
    for path in sorted(folder.glob("*.yaml")):
        flow = load_flow(path, actions)
        if flow.name in flows:
            raise FlowDefinitionError(f"{path}: flow name {flow.name!r} is already used by another file")
        flows[flow.name] = flow
    return flows
