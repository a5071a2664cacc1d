"""The case key record (which master key the cases are sealed with) and rotation, at rest.

Every write of sealed details checks, inside its transaction, that it was sealed under the key ``case_keys`` names
(``KeyChanged`` otherwise), and a rotation changes that row in the transaction that re-wraps the cases: so a
worker still holding the old key can never add a case the new key cannot open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.case_rows import StoredCase, stored
from bot.store.models import CaseKeyRow, CaseRow, utcnow

KEY_ROW = 1


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: str
    check: str
    receipt_secret: bytes
    """The receipt-code secret, wrapped by the master key named here."""


@dataclass(frozen=True, slots=True)
class Rewrapped:
    case_id: int
    key_id: str
    wrapped_key: bytes


class KeyChanged(Exception):
    """The master key was rotated (by another process) since this worker sealed what it is writing."""


def _key(row: CaseKeyRow) -> KeyRecord:
    return KeyRecord(row.key_id, row.check, row.receipt_secret)


async def require_key(session: AsyncSession, key_id: str, *, written: bool) -> None:
    """The key row names ``key_id`` (``KeyChanged`` otherwise). PostgreSQL: called before the write, reading the row
    with a share lock, so a rotation in progress is waited for and its new key seen, and locks are taken in the
    order rotation takes them (key row, then cases). SQLite: called after the write, which holds the database's one
    write lock, so the read sees the latest commit."""
    if (session.get_bind().dialect.name == "sqlite") != written:
        return
    current = await session.scalar(select(CaseKeyRow.key_id).where(CaseKeyRow.id == KEY_ROW)
                                   .with_for_update(read=True))
    if current is not None and current != key_id:
        raise KeyChanged(current)


class CaseKeyRecords:
    """The key record's part of ``bot.store.cases.Cases``."""

    sessions: async_sessionmaker[AsyncSession]

    async def key_record(self) -> KeyRecord | None:
        async with self.sessions() as session:
            row = await session.get(CaseKeyRow, KEY_ROW)
            return _key(row) if row else None

    async def record_key(self, record: KeyRecord) -> KeyRecord:
        """Store the key record at first use; if another worker just did, theirs stands and is returned."""
        try:
            async with self.sessions.begin() as session:
                session.add(CaseKeyRow(id=KEY_ROW, key_id=record.key_id, check=record.check,
                                       receipt_secret=record.receipt_secret, created_at=utcnow()))
            return record
        except IntegrityError:
            found = await self.key_record()
            assert found is not None
            return found

    async def key_ids(self) -> dict[str, list[str]]:
        """Key id -> references of the cases whose details are still sealed under it."""
        async with self.sessions() as session:
            rows = await session.execute(select(CaseRow.key_id, CaseRow.reference)
                                         .where(CaseRow.wrapped_key.is_not(None)).order_by(CaseRow.id))
            found: dict[str, list[str]] = {}
            for key_id, reference in rows:
                found.setdefault(str(key_id), []).append(str(reference))
            return found

    async def count(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(CaseRow)) or 0)

    async def rotate(self, old_key_id: str, new: KeyRecord,
                     rewrap: Callable[[StoredCase], Rewrapped]) -> int:
        """In one transaction: claim the key row (still ``old_key_id``, else ``KeyChanged``), re-wrap every sealed
        case with ``rewrap`` and point the key row at ``new``. Anything raised rolls all of it back."""
        async with self.sessions.begin() as session:
            claimed = await session.execute(update(CaseKeyRow).where(
                CaseKeyRow.id == KEY_ROW, CaseKeyRow.key_id == old_key_id).values(rotated_at=utcnow()))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise KeyChanged("the key record is not the old key's")
            rows = (await session.scalars(select(CaseRow).where(CaseRow.wrapped_key.is_not(None))
                                          .order_by(CaseRow.id))).all()
            count = 0
            for row in rows:
                done = rewrap(stored(row))
                if (done.key_id, done.wrapped_key) != (row.key_id, row.wrapped_key):
                    row.key_id, row.wrapped_key = done.key_id, done.wrapped_key
                    await session.flush()  # one statement per case, so a failure is met where it happens
                    count += 1
            await session.execute(update(CaseKeyRow).where(CaseKeyRow.id == KEY_ROW).values(
                key_id=new.key_id, check=new.check, receipt_secret=new.receipt_secret))
            return count
