"""Submitting, finding and reading confidential cases; the only place case details are sealed or opened.

The reporter gets a reference (``LED-2026-0007``) and a receipt code shown once; only an HMAC of the code is
kept, keyed by a secret the master key wraps, so the database alone cannot test guesses. Who reported is kept
nowhere but inside the sealed details, and only when they chose to be named: no column, no audit row and, for an
anonymous report, not the sealed details either; a reporter comes back to a case by its receipt code alone.
Recipients are chosen by the council's routing and fixed when the case is filed (by member id; ids are never
reused). The people it is about (every member holding the role it names, when the role is one person's) are
recorded then, with their platform identities, and never receive, list or read it, whatever the roster says later.

Wrong codes are counted per person and across everyone and answered with the same words as unknown ones. The
right code is looked up before any limit applies, so nobody (a guesser spending the shared budget included) can
lock a reporter out; with 31^16 possible codes the limits are there to notice and slow guessing, not to make it
hopeless, which the code's length already does.

What happens to a case after it is filed (acknowledged, asked about, answered, added to, withdrawn, closed,
reminded about) is ``bot.cases.lifecycle``, a part of the desk; what the sealed details hold is
``bot.cases.content``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.cases.content import CaseContent, content_of
from bot.cases.keyring import CaseKeys, Keyring
from bot.cases.lifecycle import CaseLifecycle
from bot.cases.sealing import Sealed, seal, unseal
from bot.codes import ALPHABET, code_hash, new_code, normalise
from bot.people import Member
from bot.store import Store, StoreError
from bot.store.cases import DuplicateReference, KeyChanged, NewCase, StoredCase, Subject

log = logging.getLogger(__name__)

CODE_GROUPS = 4
ATTEMPTS_PER_HOUR = 5
"""Wrong codes one person may send in an hour before further wrong ones are refused."""
ALL_ATTEMPTS_PER_HOUR = 50
"""Wrong codes everyone together may send in an hour before further wrong ones are refused."""
RETENTION_DAYS = 180
SUBJECT_ROLES = frozenset({"clerk", "deputy clerk", "rfo", "chair", "vice-chair"})
"""Roles one person holds, so a case about "the Clerk" or "the RFO" is about whoever holds them. A case about
"a councillor" or "an officer" names nobody in particular (the flows ask no name), so excludes nobody."""


def new_receipt_code() -> str:
    return "-".join(new_code(4) for _ in range(CODE_GROUPS))


def receipt_hash(secret: bytes, code: str) -> str:
    return hmac.new(secret, b"protocol-bot receipt\0" + normalise(code).encode(), hashlib.sha256).hexdigest()


def unkeyed_receipt_hash(code: str) -> str:
    """How codes were hashed before migration 0006; such a hash is replaced by the keyed one when first used."""
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
    account: tuple[str, str] | None = None
    """(platform, user id) it is sent from; sealed for a named report only (``bot.cases.content``)."""


@dataclass(frozen=True, slots=True)
class Submitted:
    case: StoredCase
    receipt_code: str
    recipients: tuple[Member, ...]
    """Who it was sent to: the routed recipients minus anyone it is about."""


class TooManyAttempts(Exception):
    pass


class NoRecipients(Exception):
    """Everyone the route names is someone the case is about: there is nobody to send it to."""


def is_subject(member: Member, about: str) -> bool:
    return about in SUBJECT_ROLES and about in member.roles


def recipients_for(members: list[Member], role: str, committee: str | None, about: str) -> tuple[Member, ...]:
    """Holders of ``role`` (of ``committee``), never anyone holding the role the case is about."""
    return tuple(m for m in members if role in m.roles and not is_subject(m, about)
                 and (committee is None or (m.committee or "").lower() == committee.lower()))


class CaseDesk(CaseLifecycle):
    def __init__(self, store: Store, keyring: Keyring, *,
                 retention: timedelta = timedelta(days=RETENTION_DAYS)) -> None:
        self.store = store
        self.keyring = keyring
        self.retention = retention

    async def _keys(self) -> CaseKeys:
        return await self.keyring.keys(self.store)

    async def subjects(self, council: str, about: str) -> list[Subject]:
        """Everyone the case is about as the roster stands now, each with every platform identity they have."""
        members = [m for m in await self.store.members.of_council(council) if is_subject(m, about)]
        found = [Subject(m.id) for m in members]
        found += [Subject(member_id, platform, user_id)
                  for member_id, platform, user_id in await self.store.cases.identities([m.id for m in members])]
        return found

    async def submit(self, submission: Submission) -> Submitted:
        """Seal and file the case (``NoRecipients`` if only people it is about would receive it)."""
        subjects = await self.subjects(submission.council, submission.about)
        excluded = {s.member_id for s in subjects}
        recipients = tuple(m for m in submission.recipients if m.id not in excluded)
        if not recipients:
            raise NoRecipients()
        year = datetime.now(UTC).year
        prefix = f"{submission.council[:3].upper()}-{year}"
        named = submission.reporter is not None and not submission.anonymous
        content: dict[str, object] = {"answers": submission.answers, "thread": [],
                                      "reporter": submission.reporter.name if named and submission.reporter else None,
                                      "reporter_account": list(submission.account) if named and submission.account
                                      else None}
        code = new_receipt_code()
        for _ in range(20):
            keys = await self._keys()
            reference = f"{prefix}-{await self.store.cases.next_number(prefix):04d}"
            sealed = seal(keys.master, reference, json.dumps(content))
            new = NewCase(submission.council, submission.flow, submission.about, submission.recipient,
                          receipt_hash(keys.receipt_secret, code), submission.anonymous or not named,
                          sealed.key_id, sealed.wrapped_key, sealed.ciphertext)
            try:
                case = await self.store.cases.create(reference, new, [m.id for m in recipients], subjects)
                return Submitted(case, code, recipients)
            except (DuplicateReference, KeyChanged):
                continue  # another worker took this number, or the key was rotated, a moment ago
        raise RuntimeError("could not allocate a case reference")

    async def by_code(self, platform: str, user_id: str, code: str) -> StoredCase | None:
        """The case for a receipt code. The right code is always accepted; a wrong or unknown one gives ``None``,
        or ``TooManyAttempts`` once this person, or everyone together, sent too many in the last hour."""
        case = None
        if await self.store.cases.key_record() is not None:  # none yet: no case was filed with a keyed hash
            case = await self.store.cases.by_receipt(receipt_hash((await self._keys()).receipt_secret, code))
        if case is None:
            case = await self.store.cases.by_receipt(unkeyed_receipt_hash(code))
            if case is not None:
                await self.store.cases.set_receipt_hash(case.id, receipt_hash((await self._keys()).receipt_secret,
                                                                               code))
        if case is not None:
            return case
        await self.store.cases.record_wrong_receipt(platform, user_id)
        mine = await self.store.cases.wrong_receipts_since(platform, user_id, timedelta(hours=1))
        everyone = await self.store.cases.all_wrong_receipts_since(timedelta(hours=1))
        if everyone == ALL_ATTEMPTS_PER_HOUR + 1:
            log.warning("receipt codes: %d wrong codes from everyone in the last hour; refusing further wrong ones",
                        everyone)
        if mine > ATTEMPTS_PER_HOUR or everyone > ALL_ATTEMPTS_PER_HOUR:
            raise TooManyAttempts()
        return None

    async def readable_by(self, member: Member, platform: str, user_id: str) -> list[StoredCase]:
        """Cases this member received, minus any they (or this account) were the subject of when filed."""
        return await self.store.cases.for_recipient(member.id, platform, user_id)

    async def open(self, case: StoredCase) -> CaseContent:
        """The case's sealed details (nothing once purged). Only the callers who may see them call this: a
        recipient reading an open or closed case, and the reporter's own view of questions and the outcome."""
        if case.ciphertext is None or case.wrapped_key is None:
            return CaseContent({}, None, [])
        keys = await self._keys()
        data = json.loads(unseal(keys.master, case.reference, Sealed(case.key_id, case.wrapped_key, case.ciphertext)))
        return content_of(data, anonymous=case.anonymous)

    async def forget_anonymous_reporters(self) -> int:
        """Anonymous cases filed before issue 14 kept the reporter's name in their sealed details: re-seal them
        without it (run at every start; a case already without a name is left alone). The number re-sealed."""
        cases = [c for c in await self.store.cases.all_sealed() if c.anonymous]
        if not cases:
            return 0
        keys = await self._keys()
        count = 0
        for case in cases:
            assert case.wrapped_key is not None and case.ciphertext is not None
            data = json.loads(unseal(keys.master, case.reference, Sealed(case.key_id, case.wrapped_key,
                                                                          case.ciphertext)))
            if data.get("reporter") is not None:
                await self._reseal(case, lambda data: {**data, "reporter": None})
                count += 1
        return count

    async def _reseal(self, case: StoredCase, change: Callable[[dict[str, Any]], dict[str, Any]], *,
                      when_open: bool = False, close: bool = False) -> bool:
        """Open the case's details as stored now, ``change`` them and seal them again, naming the revision read so
        a write made meanwhile (a question and an addition at once) is never overwritten but read again; sealed
        again under the new key if the master key is rotated meanwhile. ``when_open``: only while the case is open;
        ``close``: close it in the same write. ``False`` if nothing was written (purged, or no longer open)."""
        for _ in range(10):
            current = await self.store.cases.by_reference(case.reference)
            if current is None or current.ciphertext is None or current.wrapped_key is None:
                return False
            if (when_open or close) and current.status != "open":
                return False
            keys = await self._keys()
            data = change(json.loads(unseal(keys.master, current.reference,
                                            Sealed(current.key_id, current.wrapped_key, current.ciphertext))))
            sealed = seal(keys.master, current.reference, json.dumps(data))
            try:
                if await self.store.cases.update_details(
                        current.id, key_id=sealed.key_id, wrapped_key=sealed.wrapped_key,
                        ciphertext=sealed.ciphertext, revision=current.revision, when_open=when_open, close=close):
                    return True
            except KeyChanged:
                continue  # rotated meanwhile: read it again under the new key
        raise RuntimeError("the case's details kept changing")

    async def purge(self) -> Purged:
        """Crypto-shred cases closed longer ago than the retention period, then wipe what they leave behind in the
        database files (``Database.wipe_free_space``). The deletion is committed first; a wipe that could not
        finish is reported in ``problem`` (run the purge again, or VACUUM as the table's owner)."""
        purged = await self.store.cases.purge_closed_before(datetime.now(UTC) - self.retention)
        if not purged:
            return Purged([], None)
        try:
            await self.store.database.wipe_free_space()
        except (StoreError, SQLAlchemyError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            return Purged(purged, f"{type(exc).__name__}: {reason}")
        return Purged(purged, None)


@dataclass(frozen=True, slots=True)
class Purged:
    references: list[str]
    problem: str | None
    """Why the database's free space could not be wiped (the details are deleted all the same)."""
