"""The master key that wraps every case's data key, and where it is kept.

It comes from ``PROTOCOL_BOT_CASE_KEY`` (32 bytes, URL-safe base64) or from a key file:
``PROTOCOL_BOT_CASE_KEY_FILE``, by default ``<home>/keys/case-master.key`` (0600). Keep it outside the home
and back it up apart from the database: a copy of the database without the key is ciphertext, and the key
without a backup is every case lost. Each key has a short id (a hash of the key, never the key) so a sealed
case records which master key wrapped it.

Nothing here creates a key on its own: a missing key is an error. New keys come only from ``protocol-bot
keys init`` or the very first start of an empty database (``bot.cases.keyring``), and rotation writes the new
key beside the old one (``<key file>.new``) until the re-wrapped cases are committed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "PROTOCOL_BOT_CASE_KEY"
FILE_VAR = "PROTOCOL_BOT_CASE_KEY_FILE"
KEY_BYTES = 32


class CaseKeyError(RuntimeError):
    """The case key is missing, malformed, readable by others or not the database's; never holds case content."""


@dataclass(frozen=True, slots=True)
class MasterKey:
    material: bytes

    def __post_init__(self) -> None:
        if len(self.material) != KEY_BYTES:
            raise CaseKeyError(f"a case master key is {KEY_BYTES} bytes; this one is {len(self.material)}")

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"protocol-bot case key id\0" + self.material).hexdigest()[:16]

    @property
    def check(self) -> str:
        """The key-check value kept in the database: proves a key is the database's without revealing it."""
        return hmac.new(self.material, b"protocol-bot case key check\0", hashlib.sha256).hexdigest()

    def encoded(self) -> str:
        return base64.urlsafe_b64encode(self.material).decode("ascii")

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def decode(cls, text: str, *, source: str) -> MasterKey:
        try:
            return cls(base64.urlsafe_b64decode(text.strip().encode("ascii")))
        except (ValueError, CaseKeyError) as exc:
            raise CaseKeyError(f"{source} does not hold a valid case key ({KEY_BYTES} bytes, URL-safe base64)") from exc

    def __repr__(self) -> str:  # never print key material, even in a traceback
        return f"MasterKey(key_id={self.key_id!r})"


def key_file(home: Path) -> Path:
    """Where the key file is: ``PROTOCOL_BOT_CASE_KEY_FILE``, else ``<home>/keys/case-master.key``."""
    configured = os.environ.get(FILE_VAR, "").strip()
    return Path(configured).expanduser().resolve() if configured else home / "keys" / "case-master.key"


def pending_file(path: Path) -> Path:
    """The new key during a rotation: written before any case is re-wrapped, renamed over the old after commit."""
    return path.with_name(path.name + ".new")


def key_source(home: Path) -> str:
    return ENV_VAR if os.environ.get(ENV_VAR) else str(key_file(home))


def read_key_file(path: Path) -> MasterKey:
    if path.stat().st_mode & 0o077:
        raise CaseKeyError(f"{path} is readable by others; run: chmod 600 {path}")
    return MasterKey.decode(path.read_text(encoding="ascii"), source=str(path))


def find_master_key(home: Path) -> MasterKey | None:
    """The environment's key, else the key file's; ``None`` when there is neither (never creates one)."""
    if os.environ.get(ENV_VAR):
        return MasterKey.decode(os.environ[ENV_VAR], source=ENV_VAR)
    path = key_file(home)
    return read_key_file(path) if path.exists() else None


def load_master_key(home: Path) -> MasterKey:
    """The key, or ``CaseKeyError`` saying where it was looked for."""
    key = find_master_key(home)
    if key is None:
        path = key_file(home)
        default = home / "keys" / "case-master.key"
        moved = f" (there is one at {default}: move it there)" if path != default and default.exists() else ""
        raise CaseKeyError(f"No case master key: {ENV_VAR} is not set and there is no key file at {path}{moved}. "
                           "Restore the key from your backup; `protocol-bot keys init` makes a key for a new "
                           "database only.")
    return key


def _written(path: Path, key: MasterKey) -> Path:
    """``key`` in a private temporary file beside ``path``: 0600 from the first byte, flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.encoded() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return temp


def write_key_file(path: Path, key: MasterKey) -> MasterKey:
    """Write (or replace) the key file in one step."""
    os.replace(_written(path, key), path)
    return key


def create_key_file(path: Path, key: MasterKey) -> MasterKey:
    """A new key file, never replacing one: if another process made one a moment ago, that key is returned."""
    temp = _written(path, key)
    try:
        os.link(temp, path)
        return key
    except FileExistsError:
        return read_key_file(path)
    finally:
        temp.unlink()
