"""The master key checked against the database before it seals or opens anything; first key, rotation.

The database keeps a key record (``case_keys``): the key's id, a key-check value and the receipt-code secret
wrapped by the key. A key that does not match it is refused with a message naming where the key came from, so a
lost key file or a stray ``PROTOCOL_BOT_CASE_KEY`` stops the bot instead of sealing new cases under a key the
old ones do not open. The record is written at first use; a key is only ever created by ``protocol-bot keys init``
or by the first start of a database with no cases and no record (``start``).

Rotation writes the new key to ``<key file>.new`` first, re-wraps every case's data key and replaces the record in
one transaction, and only then moves the new file over the old: a failure before the commit leaves the old key
and every case as they were; a crash after it is finished by the next start (the ``.new`` file matches the record).
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.cases.keys import (
    ENV_VAR,
    CaseKeyError,
    MasterKey,
    create_key_file,
    find_master_key,
    key_file,
    key_source,
    load_master_key,
    pending_file,
    read_key_file,
    write_key_file,
)
from bot.cases.sealing import Sealed, rewrap
from bot.store import Store
from bot.store.cases import KeyRecord, Rewrapped, StoredCase

SECRET_BYTES = 32
_SECRET_CONTEXT = b"protocol-bot receipt secret"


@dataclass(frozen=True, slots=True)
class CaseKeys:
    master: MasterKey
    receipt_secret: bytes
    """The HMAC key for receipt codes; kept in the database wrapped by the master key, so it survives rotation."""
    note: str | None = None
    """Something the operator should hear once (a key created, an interrupted rotation finished)."""

    def __repr__(self) -> str:
        return f"CaseKeys(key_id={self.master.key_id!r})"


@dataclass(frozen=True, slots=True)
class Rotation:
    count: int
    old_key_id: str
    new_key_id: str


def _wrap_secret(master: MasterKey, secret: bytes) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(master.material).encrypt(nonce, secret, _SECRET_CONTEXT)


def _unwrap_secret(master: MasterKey, blob: bytes) -> bytes:
    try:
        return AESGCM(master.material).decrypt(blob[:12], blob[12:], _SECRET_CONTEXT)
    except InvalidTag as exc:
        raise CaseKeyError("the receipt secret in the database does not open with the case key") from exc


def _record(master: MasterKey, secret: bytes) -> KeyRecord:
    return KeyRecord(master.key_id, master.check, _wrap_secret(master, secret))


def matches(master: MasterKey, record: KeyRecord) -> bool:
    """Whether ``master`` is the key the database recorded (public: ``protocol-bot doctor`` checks without writing)."""
    return master.key_id == record.key_id and hmac.compare_digest(master.check, record.check)


def mismatch(home: Path, master: MasterKey, expected: str) -> CaseKeyError:
    """What to tell someone whose key is not the database's: where the key came from and how to put it right."""
    source = key_source(home)
    stray = f", or unset {ENV_VAR} if it was set by mistake" if source == ENV_VAR else ""
    return CaseKeyError(f"The case master key from {source} (key id {master.key_id}) is not the key this database's "
                        f"cases are sealed with (key id {expected}). Nothing was read or changed. Put the right key "
                        f"back in {source} (from your backup){stray}.")


def _finish_rotation(home: Path, record: KeyRecord) -> MasterKey | None:
    """A rotation that committed but died before moving its new key file into place: move it now."""
    if os.environ.get(ENV_VAR):
        return None
    path = key_file(home)
    pending = pending_file(path)
    try:
        candidate = read_key_file(pending)
    except FileNotFoundError:
        return None
    if not matches(candidate, record):
        return None
    with contextlib.suppress(FileNotFoundError):  # another worker may have moved it a moment ago
        os.replace(pending, path)
    return candidate


async def verify(store: Store, home: Path) -> CaseKeys:
    """The key, proven to be the database's (``CaseKeyError`` otherwise). With no key record yet (a new database,
    or one from before key records) it is recorded now, provided any cases there are sealed with this key."""
    master = load_master_key(home)
    record = await store.cases.key_record()
    note = None
    if record is None:
        sealed_under = await store.cases.key_ids()
        if sealed_under and master.key_id not in sealed_under:
            raise mismatch(home, master, ", ".join(sorted(sealed_under)))
        record = await store.cases.record_key(_record(master, secrets.token_bytes(SECRET_BYTES)))
    if not matches(master, record):
        finished = _finish_rotation(home, record)
        if finished is None:
            raise mismatch(home, master, record.key_id)
        master = finished
        note = f"Finished an interrupted key rotation: {key_file(home)} now holds key {master.key_id}."
    return CaseKeys(master, _unwrap_secret(master, record.receipt_secret), note)


async def start(store: Store, home: Path) -> CaseKeys:
    """At start-up: ``verify``, except that a database with no cases and no key record, where no key exists
    either, gets a new key (the very first start; ``note`` says so)."""
    if find_master_key(home) is None and await store.cases.key_record() is None and await store.cases.count() == 0:
        path = key_file(home)
        create_key_file(path, MasterKey.generate())
        keys = await verify(store, home)
        return CaseKeys(keys.master, keys.receipt_secret,
                        f"Created a new case master key at {path} (key id {keys.master.key_id}). Back it up apart "
                        "from the database: without it no confidential case can be read.")
    return await verify(store, home)


async def init(store: Store, home: Path) -> CaseKeys:
    """``protocol-bot keys init``: the key for a new database. An existing key (file or environment) is
    recorded as the database's; otherwise one is made. Refused where the database already has another key."""
    record = await store.cases.key_record()
    master = find_master_key(home)
    if record is not None:
        if master is not None and matches(master, record):
            return CaseKeys(master, _unwrap_secret(master, record.receipt_secret),
                            f"The case key is already set up (key id {master.key_id}, {key_source(home)}).")
        raise CaseKeyError(f"This database already has a case key (key id {record.key_id}); `keys init` is for a new "
                           f"database. Put that key back in {key_source(home)}, or change it with `keys rotate`.")
    if master is None:
        if await store.cases.count():
            raise CaseKeyError(f"This database holds cases but there is no key at {key_source(home)}: restore the key "
                               "they were sealed with (from your backup) instead of making a new one.")
        path = key_file(home)
        create_key_file(path, MasterKey.generate())
        keys = await verify(store, home)
        return CaseKeys(keys.master, keys.receipt_secret, f"Created a new case master key at {path} (key id "
                        f"{keys.master.key_id}). Back it up apart from the database.")
    keys = await verify(store, home)
    return CaseKeys(keys.master, keys.receipt_secret,
                    f"Recorded the key from {key_source(home)} (key id {keys.master.key_id}) as this database's.")


async def rotate(store: Store, home: Path, new: MasterKey | None = None) -> Rotation:
    """Re-wrap every case's data key under a new master key, atomically (module docstring). ``new`` is required
    when the key comes from the environment (there is no file to write it to)."""
    keys = await verify(store, home)
    old = keys.master
    strays = {key_id: refs for key_id, refs in (await store.cases.key_ids()).items() if key_id != old.key_id}
    if strays:
        refs = sorted(ref for refs in strays.values() for ref in refs)
        raise CaseKeyError(f"Nothing was changed: {len(refs)} case(s) are sealed under a key that is not the current "
                           f"one ({', '.join(refs[:10])}). Restore or re-seal them before rotating.")
    from_environment = bool(os.environ.get(ENV_VAR))
    if new is None:
        if from_environment:
            raise CaseKeyError(f"The case key comes from {ENV_VAR}: give the new key too.")
        new = MasterKey.generate()
    if new.key_id == old.key_id:
        raise CaseKeyError("The new key is the current key: nothing to rotate.")
    path = key_file(home)
    pending = pending_file(path)
    if not from_environment:
        write_key_file(pending, new)  # on disk before any case depends on it

    def rewrapped(case: StoredCase) -> Rewrapped:
        assert case.wrapped_key is not None
        sealed = rewrap(old, new, case.reference, Sealed(case.key_id, case.wrapped_key, case.ciphertext or b""))
        return Rewrapped(case.id, sealed.key_id, sealed.wrapped_key)

    try:
        count = await store.cases.rotate(old.key_id, _record(new, keys.receipt_secret), rewrapped)
    except BaseException:
        if not from_environment:
            pending.unlink(missing_ok=True)
        raise
    if not from_environment:
        os.replace(pending, path)
    return Rotation(count, old.key_id, new.key_id)


class Keyring:
    """The key for one process: ``keys`` verifies (once, and again whenever the database's record changes, i.e.
    after a rotation elsewhere); ``current`` is the key as configured now, for sealing an unfinished report."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._keys: CaseKeys | None = None

    def current(self) -> MasterKey:
        return load_master_key(self.home)

    async def keys(self, store: Store) -> CaseKeys:
        if self._keys is not None:
            record = await store.cases.key_record()
            if record is not None and matches(self._keys.master, record):
                return self._keys
        self._keys = await verify(store, self.home)
        return self._keys
