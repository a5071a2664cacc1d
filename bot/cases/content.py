"""What a case's sealed details hold, and how the lifecycle adds to them.

Everything anyone wrote about a case lives in one sealed document, opened only by ``bot.cases.desk``:

    {"answers": {...}, "reporter": name or null, "reporter_account": [platform, user id] or null,
     "additions": [legacy texts],
     "thread": [{"kind": "addition" | "question" | "answer", "text": ..., "by": recipient's name or null, "at": ...}],
     "outcome": text or null, "closed_by": recipient's name or null}

Questions, answers and the outcome are sealed with the case rather than kept in rows of their own, so no table
says who asked or answered what or when, the key rotation re-wraps them with the case, and the purge shreds them
with it. A reporter's entries never carry who they are (``by`` is only ever a recipient's name). A named report also
seals the account it was sent from, so the reporter can be told privately that a question waits for them
(``bot.cases.notices.tell_reporter``); an anonymous one never holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ADDITION, QUESTION, ANSWER = "addition", "question", "answer"


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    """``addition`` and ``answer`` from the reporter, ``question`` from a recipient."""
    text: str
    by: str | None = None
    """The recipient who asked; ``None`` for the reporter's entries (who they are is never written here)."""
    answered: bool = False
    """A question the reporter has answered since (an answer answers every question before it)."""


@dataclass(frozen=True, slots=True)
class CaseContent:
    answers: dict[str, str]
    reporter: str | None
    additions: list[str]
    """Every text the reporter added, oldest first (also in ``thread``, where they stand among questions)."""
    thread: tuple[Entry, ...] = ()
    outcome: str | None = None
    closed_by: str | None = None
    reporter_account: tuple[str, str] | None = None
    """(platform, user id) a named report was sent from; ``None`` for an anonymous one, or one filed before."""

    @property
    def questions(self) -> list[Entry]:
        return [e for e in self.thread if e.kind == QUESTION]

    @property
    def waiting(self) -> bool:
        """A question the reporter has not answered yet."""
        return any(not e.answered for e in self.questions)


def content_of(data: dict[str, Any], *, anonymous: bool) -> CaseContent:
    """The opened document as the desk hands it out (an anonymous case's reporter is never shown, whatever an
    older document still held)."""
    raw: list[dict[str, Any]] = [{"kind": ADDITION, "text": str(t)} for t in data.get("additions", [])]
    raw += [dict(e) for e in data.get("thread", [])]
    entries: list[Entry] = []
    for index, item in enumerate(raw):
        kind = str(item.get("kind", ADDITION))
        answered = kind == QUESTION and any(later.get("kind") == ANSWER for later in raw[index + 1:])
        by = item.get("by")
        entries.append(Entry(kind, str(item.get("text", "")), str(by) if by else None, answered))
    account = data.get("reporter_account")
    return CaseContent(answers=dict(data.get("answers", {})), reporter=None if anonymous else data.get("reporter"),
                       additions=[e.text for e in entries if e.kind == ADDITION], thread=tuple(entries),
                       outcome=data.get("outcome"), closed_by=data.get("closed_by"),
                       reporter_account=None if anonymous or not account else (str(account[0]), str(account[1])))


def with_entry(data: dict[str, Any], kind: str, text: str, by: str | None = None) -> dict[str, Any]:
    """``data`` with one more entry at the end of the thread (``by`` only for a recipient's question)."""
    entry: dict[str, Any] = {"kind": kind, "text": text, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    if by is not None and kind == QUESTION:
        entry["by"] = by
    return {**data, "thread": [*data.get("thread", []), entry]}


def with_outcome(data: dict[str, Any], outcome: str, by: str) -> dict[str, Any]:
    return {**data, "outcome": outcome, "closed_by": by}
