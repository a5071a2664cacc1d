"""An unfinished flow's answers, sealed with the case key before the conversation row is written.

Every answer (the choices, ``about: clerk``, ``concern: bullying``, as much as the free text) goes into one
sealed ``draft`` bound to its conversation, so an unfinished report is as unreadable in the database as a submitted
one and nothing in the row says who a report is about. The answers are open only in memory while a message is
handled (``answers`` in the state dict), never written back so.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cases.keys import CaseKeyError, MasterKey
from bot.cases.sealing import Sealed, SealError, seal, unseal
from bot.context import Turn


def encode(sealed: Sealed) -> dict[str, str]:
    return {"key_id": sealed.key_id, "wrapped": base64.b64encode(sealed.wrapped_key).decode(),
            "ciphertext": base64.b64encode(sealed.ciphertext).decode()}


def decode(data: dict[str, str]) -> Sealed:
    return Sealed(data["key_id"], base64.b64decode(data["wrapped"]), base64.b64decode(data["ciphertext"]))


def reference(turn: Turn, name: str) -> str:
    """Associated data binding a sealed draft to its conversation (``name``: one answer, the old format)."""
    return f"draft:{turn.conversation.id}:{name}" if name else f"draft:{turn.conversation.id}"


def open_draft(turn: Turn, master_key: Callable[[], MasterKey], timeout: timedelta) -> dict[str, Any] | None:
    """The state with its answers open (in memory only); ``None`` when the draft is too old, or sealed under a
    master key that has since been rotated away (or one that is missing now)."""
    stored = dict(turn.conversation.state)
    if "step" not in stored:
        return None
    updated = stored.get("updated")
    if updated and datetime.now(UTC) - datetime.fromisoformat(str(updated)) > timeout:
        return None
    answers: dict[str, str] = dict(stored.pop("answers", {}) or {})  # a draft written before drafts were sealed
    sealed = {"": stored.pop("draft")} if "draft" in stored else {}
    sealed.update(stored.pop("sealed", {}) or {})
    try:
        for name, data in sealed.items():
            opened = unseal(master_key(), reference(turn, name), decode(data))
            answers.update(json.loads(opened)["answers"] if not name else {name: opened})
    except (CaseKeyError, SealError, KeyError, ValueError):
        return None
    return {**stored, "answers": answers}


def sealed_state(turn: Turn, master_key: Callable[[], MasterKey], state: dict[str, Any]) -> dict[str, Any]:
    """What the conversation row keeps: the answers sealed into ``draft`` (``CaseKeyError`` without a key)."""
    stored = {k: v for k, v in state.items() if k not in ("answers", "sealed")}
    answers = state.get("answers") or {}
    if answers:
        stored["draft"] = encode(seal(master_key(), reference(turn, ""), json.dumps({"answers": answers})))
    return stored
