"""Codes people type back to the bot (receipt codes, link codes): easy to read out, kept only as hashes."""

from __future__ import annotations

import hashlib
import re
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


_CHAR = f"[{ALPHABET}{ALPHABET.lower()}]"
_RECEIPT = re.compile(rf"(?<![A-Za-z0-9])(?:{_CHAR}{{4}}-){{3}}{_CHAR}{{4}}(?![A-Za-z0-9])"
                      rf"|(?<![A-Za-z0-9])(?:[{ALPHABET}]{{4}} ?){{3}}[{ALPHABET}]{{4}}(?![A-Za-z0-9])")
"""Four groups of four code characters joined by hyphens (any case), or by spaces or nothing (capitals only, so
neither four short words nor one long one is mistaken for a code)."""


def contains_receipt_code(text: str) -> bool:
    """Whether ``text`` holds something shaped like a receipt code (``ABCD-EFGH-JKMN-PQRS``)."""
    return bool(_RECEIPT.search(text))
