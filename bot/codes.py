"""Codes people type back to the bot (receipt codes, link codes): easy to read out, kept only as hashes."""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: a code read out over the phone survives."""


def new_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(purpose: str, code: str) -> str:
    """SHA-256 of the normalised code, salted by purpose so a receipt code is never a valid link code."""
    return hashlib.sha256(f"protocol-bot {purpose}\0".encode() + normalise(code).encode()).hexdigest()
