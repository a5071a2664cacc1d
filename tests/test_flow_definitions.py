"""Flow definitions are data, checked at load with errors that name the file and the step."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.definition import FLOWS_DIR, FlowDefinitionError, load_flow, load_flows

ACTIONS = frozenset({"route", "submit", "procedure", "recipient"})


def test_shipped_flows_load_and_each_has_a_diagram() -> None:
    flows = load_flows(ACTIONS)
    assert set(flows) == {"concern", "grievance"}
    assert all(flow.dm_only for flow in flows.values())
    for name in flows:
        assert "```mermaid" in (FLOWS_DIR / f"{name}.md").read_text(encoding="utf-8")
    concern = [c.value for c in flows["concern"].step("concern").choices]
    assert concern == ["conduct", "performance", "bullying", "code_of_conduct_breach", "fraud", "criminal",
                       "confidential_information", "relationship_breakdown"]


def write(tmp_path: Path, steps: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(f"name: broken\ntitle: Broken\nsteps:\n{steps}", encoding="utf-8")
    return path


@pytest.mark.parametrize(("steps", "complaint"), [
    ("  - {id: ask, kind: choice, field: x, prompt: Question, choices: [{label: A, value: a, next: nowhere}]}\n",
     "step 'ask': goes to 'nowhere'"),
    ("  - {id: go, kind: action, action: teleport}\n", "step 'go': unknown action 'teleport'"),
    ("  - {id: ask, kind: choice, field: x, prompt: Question}\n", "step 'ask': a choice step needs choices"),
    ("  - {id: ask, kind: text, prompt: Question}\n", "step 'ask': a text step needs `field`"),
    ("  - {id: ask, kind: dance, prompt: Question}\n", "step 'ask': kind:"),
    ("  - {id: a, kind: text, field: x, prompt: Question}\n  - {id: a, kind: text, field: y, prompt: Other}\n",
     "step 'a' is defined twice"),
])
def test_broken_definitions_name_file_and_step(tmp_path: Path, steps: str, complaint: str) -> None:
    path = write(tmp_path, steps)
    with pytest.raises(FlowDefinitionError) as caught:
        load_flow(path, ACTIONS)
    assert str(path) in str(caught.value) and complaint in str(caught.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ntitle: Bad\nsteps:\n  - {id: x, kind: text\n", encoding="utf-8")
    with pytest.raises(FlowDefinitionError, match=r"bad\.yaml: line \d+: not valid YAML"):
        load_flow(path, ACTIONS)
