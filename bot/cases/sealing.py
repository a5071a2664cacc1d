"""Envelope encryption of case details: a fresh AES-256-GCM data key per case, wrapped by the master key.

The case reference is bound in as associated data, so ciphertext moved from one case row to another
fails to open instead of showing the wrong person's report. Rotating the master key re-wraps the small
data keys only; the details themselves are never decrypted to rotate.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.cases.keys import MasterKey

NONCE_BYTES = 12


class SealError(RuntimeError):
    """Raised without any detail of the content: the message is safe to log."""


@dataclass(frozen=True, slots=True)
class Sealed:
    key_id: str
    wrapped_key: bytes
    """nonce + AES-GCM(master, data key)."""
    ciphertext: bytes
    """nonce + AES-GCM(data key, details)."""


def _encrypt(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def _decrypt(key: bytes, blob: bytes, associated: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated)
    except InvalidTag as exc:
        raise SealError("case details could not be opened (wrong key or tampered record)") from exc


def _key_context(reference: str) -> bytes:
    return b"protocol-bot data key\0" + reference.encode()


def seal(master: MasterKey, reference: str, details: str) -> Sealed:
    data_key = AESGCM.generate_key(bit_length=256)
    return Sealed(master.key_id, _encrypt(master.material, data_key, _key_context(reference)),
                  _encrypt(data_key, details.encode("utf-8"), reference.encode()))


def unseal(master: MasterKey, reference: str, sealed: Sealed) -> str:
    if sealed.key_id != master.key_id:
        raise SealError(f"case sealed with key {sealed.key_id}, not the current key {master.key_id}")
    data_key = _decrypt(master.material, sealed.wrapped_key, _key_context(reference))
    return _decrypt(data_key, sealed.ciphertext, reference.encode()).decode("utf-8")


def rewrap(old: MasterKey, new: MasterKey, reference: str, sealed: Sealed) -> Sealed:
    if sealed.key_id == new.key_id:
        return sealed
    if sealed.key_id != old.key_id:
        raise SealError(f"case sealed with key {sealed.key_id}, which is neither the old nor the new key")
    data_key = _decrypt(old.material, sealed.wrapped_key, _key_context(reference))
    return Sealed(new.key_id, _encrypt(new.material, data_key, _key_context(reference)), sealed.ciphertext)
