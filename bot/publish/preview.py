"""What the Clerk sees before publishing: every clause added, removed or changed (old and new text, by clause
number), and the routing rules whose cited clauses change (worth a look; a version under which a rule no longer
holds is refused before any preview, see ``routing_check``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.messages import Block, Text
from config.routing import RoutingConfigError, load_routing
from knowledge.clauses import Clause
from knowledge.diff import ProtocolDiff
from knowledge.publishing import Draft


@dataclass(frozen=True, slots=True)
class RuleImpact:
    rule: str
    ref: str
    """The clause as the rule cites it (a printed number or a clause id)."""
    kind: str
    """``changed`` or ``removed``."""


def _resolve(ref: str, clauses: tuple[Clause, ...] | list[Clause]) -> Clause | None:
    by_id = [c for c in clauses if c.clause_id == ref]
    if by_id:
        return by_id[0]
    by_number = [c for c in clauses if c.number == ref]
    return by_number[0] if len(by_number) == 1 else None


def affected_rules(draft: Draft, home: Path) -> list[RuleImpact]:
    """Rules citing a clause the draft changes or removes. A profile whose routing section does not load is
    left to the routing checks that run at start (it names its own error)."""
    try:
        config, _ = load_routing(draft.slug, home)
    except RoutingConfigError:
        return []
    cited = [(rule.id, ref) for rule in config.rules for ref in rule.clauses]
    if config.personnel is not None:
        cited += [("personnel", ref) for ref in config.personnel.clauses]
    kinds = {c.old.clause_id: c.kind for c in draft.diff.changes if c.old is not None}
    impacts: list[RuleImpact] = []
    for rule, ref in cited:
        old = _resolve(ref, draft.live.clauses)
        if old is None or old.clause_id not in kinds:
            continue
        gone = kinds[old.clause_id] == "removed" or _resolve(ref, draft.document.clauses) is None
        impacts.append(RuleImpact(rule, ref, "removed" if gone else "changed"))
    return impacts


def preview_blocks(draft: Draft, impacts: list[RuleImpact], *, note: str | None = None) -> list[Block]:
    meta = draft.document.meta
    live = f"version {draft.live_version}" if draft.live_version else "the text in use now"
    counts = ", ".join(f"{len(draft.diff.of_kind(k))} {k}" for k in ("changed", "added", "removed")
                       if draft.diff.of_kind(k))
    blocks: list[Block] = [Text(f"Preview: version {draft.version} of {meta.council_name}'s {meta.title}, "
                                f"compared with {live}: {counts}; {draft.diff.unchanged} clauses unchanged."
                                + (f"\nNote: {note}" if note else ""))]
    blocks += change_blocks(draft.diff)
    if impacts:
        lines = ["Routing rules citing clauses that change (check them in config/councils/<council>.yaml):"]
        lines += [f"  rule {i.rule!r} cites {i.ref}, which is {i.kind}" for i in impacts]
        blocks.append(Text("\n".join(lines)))
    blocks.append(Text("Nothing is published until you confirm. Members will be sent the changes to acknowledge."))
    return blocks


def change_blocks(diff: ProtocolDiff) -> list[Block]:
    """One block per clause, by clause number: the old text and the new one beneath it."""
    blocks: list[Block] = []
    for change in diff.changes:
        if change.kind == "changed" and change.old and change.new:
            blocks.append(Text(f"{change.label} changed\n  was: {_one_line(change.old.text)}\n"
                               f"  now: {_one_line(change.new.text)}"))
        elif change.kind == "added" and change.new:
            blocks.append(Text(f"{change.label} added\n  now: {_one_line(change.new.text)}"))
        elif change.old:
            blocks.append(Text(f"{change.label} removed\n  was: {_one_line(change.old.text)}"))
    return blocks


def _one_line(text: str) -> str:
    return text.replace("\n", " / ")
