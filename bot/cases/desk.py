"""Submitting, finding and reading confidential cases; the only place case details are sealed or opened.

The reporter gets a reference (``LED-2026-0007``) and a receipt code shown once; only the code's hash is
kept, so the database cannot tell anyone who holds a code. Recipients are roster members chosen by the
council's routing, minus anyone holding the role the case is about. Wrong codes are counted per person and
answered with the same words as unknown ones, so guessing learns nothing and is slowed down.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.cases.keys import MasterKey
from bot.cases.sealing import Sealed, rewrap, seal, unseal
from bot.codes import ALPHABET, code_hash, new_code, normalise
from bot.people import Member
from bot.store import Store
from bot.store.cases import DuplicateReference, NewCase, StoredCase

CODE_GROUPS = 4
ATTEMPTS_PER_HOUR = 5
RETENTION_DAYS = 180


def new_receipt_code() -> str:
    return "-".join(new_code(4) for _ in range(CODE_GROUPS))


def receipt_hash(code: str) -> str:
    return code_hash("receipt", code)


def looks_like_code(text: str) -> bool:
    cleaned = normalise(text)
    return len(cleaned) == 4 * CODE_GROUPS and all(ch in ALPHABET for ch in cleaned)


@dataclass(frozen=True, slots=True)
class Submission:
    council: str
    flow: str
    about: str
    recipient: str
    recipients: tuple[Member, ...]
    reporter: Member | None
    anonymous: bool
    answers: dict[str, str]
    """Everything the person answered, sensitive free text included; sealed before it is stored."""


@dataclass(frozen=True, slots=True)
class Submitted:
    case: StoredCase
    receipt_code: str


@dataclass(frozen=True, slots=True)
class CaseContent:
    answers: dict[str, str]
    reporter: str | None
    additions: list[str]


class TooManyAttempts(Exception):
    pass


class CaseDesk:
    def __init__(self, store: Store, master_key: Callable[[], MasterKey], *,
                 retention: timedelta = timedelta(days=RETENTION_DAYS)) -> None:
        self.store = store
        self._master_key = master_key
        self.retention = retention

    async def submit(self, submission: Submission) -> Submitted:
        year = datetime.now(UTC).year
        prefix = f"{submission.council[:3].upper()}-{year}"
        content: dict[str, object] = {"answers": submission.answers, "additions": [],
                   "reporter": submission.reporter.name if submission.reporter else None}
        code = new_receipt_code()
        for _ in range(20):
            reference = f"{prefix}-{await self.store.cases.next_number(prefix):04d}"
            sealed = seal(self._master_key(), reference, json.dumps(content))
            new = NewCase(submission.council, submission.flow, submission.about, submission.recipient,
                          receipt_hash(code), submission.reporter.id if submission.reporter else None,
                          submission.anonymous, sealed.key_id, sealed.wrapped_key, sealed.ciphertext)
            try:
                case = await self.store.cases.create(reference, new, [m.id for m in submission.recipients])
                return Submitted(case, code)
            except DuplicateReference:
                continue  # another worker took this number a moment ago
        raise RuntimeError("could not allocate a case reference")

    async def by_code(self, platform: str, user_id: str, code: str) -> StoredCase | None:
        """``None`` for a wrong or unknown code alike; ``TooManyAttempts`` after too many wrong ones."""
        attempts = await self.store.cases.wrong_receipts_since(platform, user_id, timedelta(hours=1))
        if attempts >= ATTEMPTS_PER_HOUR:
            raise TooManyAttempts()
        case = await self.store.cases.by_receipt(receipt_hash(code))
        if case is None:
            await self.store.cases.record_wrong_receipt(platform, user_id)
        return case

    def open(self, case: StoredCase) -> CaseContent:
        if case.ciphertext is None:
            return CaseContent({}, None, [])
        data = json.loads(unseal(self._master_key(), case.reference,
                                 Sealed(case.key_id, case.wrapped_key, case.ciphertext)))
        reporter = None if case.anonymous else data.get("reporter")
        return CaseContent(dict(data.get("answers", {})), reporter, list(data.get("additions", [])))

    async def add_information(self, case: StoredCase, text: str) -> None:
        if case.ciphertext is None:
            return
        key = self._master_key()
        data = json.loads(unseal(key, case.reference, Sealed(case.key_id, case.wrapped_key, case.ciphertext)))
        data.setdefault("additions", []).append(text)
        sealed = seal(key, case.reference, json.dumps(data))
        await self.store.cases.update_details(case.id, key_id=sealed.key_id, wrapped_key=sealed.wrapped_key,
                                              ciphertext=sealed.ciphertext)

    async def withdraw(self, case: StoredCase) -> None:
        await self.store.cases.set_status(case.id, "withdrawn")

    async def purge(self) -> list[str]:
        return await self.store.cases.purge_closed_before(datetime.now(UTC) - self.retention)

    async def rotate(self, old: MasterKey, new: MasterKey) -> int:
        """Re-wrap every case's data key under ``new``; the sealed details are not decrypted."""
        count = 0
        for case in await self.store.cases.all_sealed():
            if case.ciphertext is None or case.key_id == new.key_id:
                continue
            sealed = rewrap(old, new, case.reference, Sealed(case.key_id, case.wrapped_key, case.ciphertext))
            await self.store.cases.update_details(case.id, key_id=sealed.key_id, wrapped_key=sealed.wrapped_key,
                                                  ciphertext=sealed.ciphertext)
            count += 1
        return count


def recipients_for(members: list[Member], role: str, committee: str | None, about: str) -> tuple[Member, ...]:
    """Holders of ``role`` (of ``committee``), never anyone holding the role the case is about."""
    chosen = [m for m in members if role in m.roles
              and (committee is None or (m.committee or "").lower() == committee.lower())]
    if about in ("clerk", "chair"):
        chosen = [m for m in chosen if about not in m.roles]
    return tuple(chosen)
