"""What a broadcast says: for a new version, what changed with the changed clauses quoted and cited; for a
notice, the Clerk's words. Stored once as JSON blocks; each delivery is rendered from them when it is sent.
"""

from __future__ import annotations

from typing import Any

from bot.messages import Action, Block, Button, QuoteBlock, Reply, Text, Typed
from bot.store.broadcasts import Broadcast, Standing
from knowledge.citation import cite
from knowledge.clauses import DocumentMeta
from knowledge.diff import ProtocolDiff

ACK = "broadcast.ack"
MAX_QUOTED = 12
"""Changes quoted in full; beyond these the message lists clause numbers (members can ask about each)."""


def to_json(blocks: list[Block]) -> list[dict[str, Any]]:
    return [{"quote": b.text, "citation": b.citation, "clause_id": b.clause_id} if isinstance(b, QuoteBlock)
            else {"typed": b.text} if isinstance(b, Typed) else {"text": b.text} for b in blocks]


def from_json(items: list[dict[str, Any]]) -> tuple[Block, ...]:
    """A person's words (``typed``) stay marked as theirs through the outbox."""
    return tuple(QuoteBlock(str(i["quote"]), str(i["citation"]), str(i["clause_id"])) if "quote" in i
                 else Typed(str(i["typed"])) if "typed" in i else Text(str(i.get("text", ""))) for i in items)


def version_content(meta: DocumentMeta, diff: ProtocolDiff, *, previous: str | None,
                    note: str | None = None) -> list[Block]:
    """``meta``: the new version's; ``previous``: the version it replaces (``None``: the original text)."""
    was = f"version {previous}" if previous else "the previous text"
    counts = ", ".join(f"{len(diff.of_kind(k))} {k}" for k in ("changed", "added", "removed") if diff.of_kind(k))
    lead = (f"{meta.council_name} has published version {meta.version} of its {meta.title} (replacing {was}): "
            f"{counts}.")
    blocks: list[Block] = [Text(lead + (f"\nFrom the Clerk: {note}" if note else ""))]
    for change in diff.changes[:MAX_QUOTED]:
        clause = change.new or change.old
        assert clause is not None
        if change.kind == "removed":
            blocks.append(Text(f"Removed: {change.label}. It read:"))
        else:
            blocks.append(Text(f"{change.kind.capitalize()}: {change.label}. It now reads:"))
        blocks.append(QuoteBlock(clause.text, cite(clause, meta), clause.clause_id))
    rest = diff.changes[MAX_QUOTED:]
    if rest:
        blocks.append(Text(f"Also {', '.join(f'{c.kind} {c.label}' for c in rest)}. Ask me about any clause."))
    blocks.append(Text("Please press Acknowledge to confirm you have read the changes."))
    return blocks


def notice_content(council_name: str, text: str) -> list[Block]:
    return [Text(f"Notice from the Clerk of {council_name}:\n{text}")]


def acknowledge_button(broadcast_id: int) -> Button:
    return Button("Acknowledge", Action(ACK, str(broadcast_id)))


def delivery_reply(broadcast: Broadcast, purpose: str, *, standing: Standing | None = None) -> Reply:
    """The message one outbox row carries: the broadcast, a reminder of it, or a report to its sender."""
    if purpose == "report":
        return Reply((Text(report_text(standing)),) if standing else (), meta={"kind": "broadcast_report"})
    blocks = from_json(broadcast.content)
    buttons = (acknowledge_button(broadcast.id),) if broadcast.needs_ack else ()
    if purpose == "reminder":
        when = broadcast.created_at.strftime("%d %B %Y")
        blocks = (Text(f"Reminder: this was sent on {when} and is waiting for your acknowledgement."), *blocks)
    return Reply(blocks, buttons, meta={"kind": f"broadcast_{purpose}", "broadcast": str(broadcast.id)})


def what(broadcast: Broadcast) -> str:
    return f"version {broadcast.version}" if broadcast.kind == "version" else f"notice #{broadcast.id}"


def report_text(standing: Standing | None) -> str:
    if standing is None:
        return ""
    lines = [f"Some members could not be reached with {what(standing.broadcast)}:"]
    lines += [f"  {name} on {platform} ({_why(error)})" for name, platform, error in standing.failed]
    lines.append("Please let them know another way, or check how they are linked on the roster.")
    return "\n".join(lines)


def standing_text(standing: Standing) -> str:
    """``/acks``: who has acknowledged, who has not, what could not be delivered."""
    lines = [f"Acknowledgements of {what(standing.broadcast)} "
             f"(sent {standing.broadcast.created_at.strftime('%d %B %Y %H:%M')} UTC):"]
    lines.append(f"Acknowledged ({len(standing.acknowledged)}):")
    lines += [f"  {name}, {at.strftime('%d %B %H:%M')}" for name, at in standing.acknowledged] or ["  nobody yet"]
    lines.append(f"Not yet ({len(standing.waiting)}):")
    lines += [f"  {name}" for name in standing.waiting] or ["  nobody"]
    if standing.failed:
        lines.append(f"Could not be delivered ({len(standing.failed)}):")
        lines += [f"  {name} on {platform} ({_why(error)})" for name, platform, error in standing.failed]
    if standing.outstanding:
        lines.append(f"Still being delivered: {standing.outstanding} message(s).")
    return "\n".join(lines)


_REASONS = {"blocked": "has blocked the bot or never started it", "left": "is no longer in the workspace",
            "not_found": "unknown to the platform", "gave_up": "the platform kept failing"}


def _why(error: str) -> str:
    return _REASONS.get(error, error)
