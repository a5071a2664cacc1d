"""A previewed version waiting for the Clerk's Publish or Cancel, kept on disk (``<home>/councils/<slug>/
drafts/<token>.json``) rather than in a button or in memory: a button carries 64 bytes at most, and the press
may reach another worker or come after a restart. Tokens are random; a used or cancelled draft is deleted.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from knowledge.versions import council_dir

DRAFTS = "drafts"


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


def _path(home: Path, slug: str, token: str) -> Path:
    return council_dir(home, slug) / DRAFTS / f"{token}.json"


def stage(home: Path, draft: StagedDraft) -> str:
    token = secrets.token_urlsafe(9)
    path = _path(home, draft.slug, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".draft-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(draft), handle, ensure_ascii=False)
    os.replace(temporary, path)
    return token


def load(home: Path, slug: str, token: str) -> StagedDraft | None:
    if not token.replace("-", "").replace("_", "").isalnum():
        return None
    try:
        return StagedDraft(**json.loads(_path(home, slug, token).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def drop(home: Path, slug: str, token: str) -> bool:
    """``False`` when it was already gone (pressed twice, or on two workers at once: only one publishes)."""
    try:
        _path(home, slug, token).unlink()
        return True
    except OSError:
        return False
