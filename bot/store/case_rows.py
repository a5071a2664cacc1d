"""What the case tables hand back and take in: plain frozen records, never plaintext details.

Kept apart from the repository (``bot.store.cases``) so the key, receipt and lifecycle modules share them without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.models import CaseRow, aware


def aware_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else aware(moment)


@dataclass(frozen=True, slots=True)
class StoredCase:
    id: int
    reference: str
    council: str
    flow: str
    status: str
    about_role: str
    recipient: str
    anonymous: bool
    key_id: str
    wrapped_key: bytes | None
    ciphertext: bytes | None
    created_at: datetime
    closed_at: datetime | None
    acknowledged_at: datetime | None = None
    reminded_at: datetime | None = None
    revision: int = 0
    """The sealed details' revision as read; a write naming an older one is refused (``update_details``)."""

    @property
    def shown_status(self) -> str:
        """What people are told: an open case a recipient has acknowledged is "acknowledged"."""
        return "acknowledged" if self.status == "open" and self.acknowledged_at is not None else self.status


def stored(row: CaseRow) -> StoredCase:
    return StoredCase(row.id, row.reference, row.council, row.flow, row.status, row.about_role, row.recipient,
                      row.anonymous, row.key_id, row.wrapped_key, row.ciphertext, aware(row.created_at),
                      aware_or_none(row.closed_at),
                      aware_or_none(row.acknowledged_at), aware_or_none(row.reminded_at), row.revision or 0)


@dataclass(frozen=True, slots=True)
class NewCase:
    council: str
    flow: str
    about_role: str
    recipient: str
    receipt_hash: str
    anonymous: bool
    """The reporter chose not to be named (or is not on the roster). Who reported is never a column: a named
    reporter's name is inside the sealed details only."""
    key_id: str
    wrapped_key: bytes
    ciphertext: bytes


@dataclass(frozen=True, slots=True)
class Subject:
    """A member a case is about, with one platform identity they had when it was filed (or none)."""

    member_id: int
    platform: str | None = None
    user_id: str | None = None


class DuplicateReference(Exception):
    pass
