"""A previewed version waiting for the Clerk's Publish or Cancel, kept on disk (``<home>/councils/<slug>/
drafts/<token>.json``) rather than in a button or in memory: a button carries 64 bytes at most, and the press
may reach another worker or come after a restart. A used or cancelled draft is deleted; one never confirmed is
deleted once it is ``PROTOCOL_BOT_DRAFT_HOURS`` old (24 by default) by the next preview or press, since each
holds a whole protocol text.

A token is the time it was issued (base 36, seven characters) and eight random hex digits, so a press on a
preview whose file is already gone can still be told "expired" rather than "already published".
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.publish import kept

DRAFTS = "drafts"
AGE_ENV = "PROTOCOL_BOT_DRAFT_HOURS"
DEFAULT_HOURS = 24.0
_STAMP = 7
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class PreviewExpired(Exception):
    """The preview was never confirmed and is older than ``max_age()``: it has been (or is now) deleted."""


@dataclass(frozen=True, slots=True)
class StagedDraft:
    slug: str
    version: str
    text: str
    name: str
    """The file name the Clerk sent, for messages."""
    note: str | None
    live_version: str | None
    """The live version the preview compared with: publishing is refused if it has changed since."""
    by_member: int


def max_age() -> float:
    """Seconds an unconfirmed preview is kept."""
    return kept.limit(AGE_ENV, DEFAULT_HOURS, unit=3600)


def _path(home: Path, slug: str, token: str) -> Path:
    return kept.folder(home, slug, DRAFTS) / f"{token}.json"


def _new_token(now: float) -> str:
    stamp, seconds = "", int(now)
    while seconds:
        seconds, digit = divmod(seconds, 36)
        stamp = _DIGITS[digit] + stamp
    return stamp.rjust(_STAMP, "0") + secrets.token_hex(4)


def _issued(token: str) -> int | None:
    """When a token was issued; ``None`` for a token from before tokens carried the time."""
    if len(token) != _STAMP + 8 or any(c not in _DIGITS for c in token):
        return None
    return int(token[:_STAMP], 36)


def _well_formed(token: str) -> bool:
    return bool(token) and token.replace("-", "").replace("_", "").isalnum()


def stage(home: Path, draft: StagedDraft, *, now: float | None = None) -> str:
    """Keep ``draft`` for the press; drafts left unconfirmed too long are deleted first."""
    now = time.time() if now is None else now
    kept.sweep(kept.folder(home, draft.slug, DRAFTS), max_age(), now)
    token = _new_token(now)
    kept.write(_path(home, draft.slug, token), asdict(draft), now=now)
    return token


def load(home: Path, slug: str, token: str, *, now: float | None = None) -> StagedDraft | None:
    """The draft, or ``None`` when it is unknown or was already used; ``PreviewExpired`` when it is too old.
    Other drafts too old are deleted on the way."""
    if not _well_formed(token):
        return None
    now = time.time() if now is None else now
    age, path = max_age(), _path(home, slug, token)
    if kept.expired(path, age, now):
        kept.drop(path)
        raise PreviewExpired(token)
    kept.sweep(path.parent, age, now)
    data = kept.read(path)
    if data is None:
        issued = _issued(token)
        if issued is not None and now - issued >= age:
            raise PreviewExpired(token)
        return None
    try:
        return StagedDraft(**data)
    except TypeError:
        return None


def drop(home: Path, slug: str, token: str) -> bool:
    """``False`` when it was already gone (pressed twice, or on two workers at once: only one publishes)."""
    return _well_formed(token) and kept.drop(_path(home, slug, token))
