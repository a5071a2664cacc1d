"""The master key that wraps every case's data key.

It comes from ``PROTOCOL_BOT_CASE_KEY`` (32 bytes, URL-safe base64) or, when that is unset, from a key file
in the home created on first use with permissions 0600. The database alone therefore reveals nothing: a
copy of it without the key is ciphertext. Each key has a short id (a hash of the key, never the key) so a
sealed case records which master key wrapped it and rotation can find the cases still on an old key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "PROTOCOL_BOT_CASE_KEY"
KEY_BYTES = 32


class CaseKeyError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class MasterKey:
    material: bytes

    def __post_init__(self) -> None:
        if len(self.material) != KEY_BYTES:
            raise CaseKeyError(f"a case master key is {KEY_BYTES} bytes; this one is {len(self.material)}")

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"protocol-bot case key id\0" + self.material).hexdigest()[:16]

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
    return home / "keys" / "case-master.key"


def load_master_key(home: Path) -> MasterKey:
    """The environment wins; otherwise the key file, created (0600) the first time it is needed."""
    if os.environ.get(ENV_VAR):
        return MasterKey.decode(os.environ[ENV_VAR], source=ENV_VAR)
    path = key_file(home)
    if path.exists():
        if path.stat().st_mode & 0o077:
            raise CaseKeyError(f"{path} is readable by others; run: chmod 600 {path}")
        return MasterKey.decode(path.read_text(encoding="ascii"), source=str(path))
    return write_key_file(path, MasterKey.generate())


def write_key_file(path: Path, key: MasterKey) -> MasterKey:
    """Created with 0600 from the first byte (no window where another user could read it)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.encoded() + "\n")
    os.replace(temp, path)
    return key
