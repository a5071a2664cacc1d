"""Small JSON files the Clerk's publishing leaves between messages (previews waiting for a press, files waiting
for ``/publish``), kept under ``<home>/councils/<slug>/<folder>/`` and dropped once they are too old.

They live on disk rather than in memory because the next message or press may reach another worker or come
after a restart; they are dropped when old because each holds a whole protocol text nobody is going to use.
A file's age is its modification time (each is written once, in one ``os.replace``), so sweeping needs no
parsing and reads nothing of a file it removes.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from knowledge.versions import council_dir


def folder(home: Path, slug: str, name: str) -> Path:
    return council_dir(home, slug) / name


def limit(env: str, default: float, *, unit: float) -> float:
    """A maximum age in seconds from ``env`` (a number of ``unit`` seconds: hours, minutes), else ``default``
    units. Read on every use, so a deployment's change needs no code and tests may set it."""
    raw = os.environ.get(env, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = default
    return max(value, 0.0) * unit


def write(path: Path, data: dict[str, Any], *, now: float | None = None) -> None:
    """Readers see the whole file or none: written to a temporary name, then swapped in. ``now``: the time it
    counts as written at (its age is its modification time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".kept-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
        if now is not None:
            os.utime(temporary, (now, now))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def expired(path: Path, max_age: float, now: float | None = None) -> bool:
    """Whether ``path`` is at least ``max_age`` seconds old (a missing file is not: it is simply gone)."""
    try:
        written = path.stat().st_mtime
    except OSError:
        return False
    return (time.time() if now is None else now) - written >= max_age


def read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def drop(path: Path) -> bool:
    """``False`` when it was already gone (used twice, or by two workers at once: only one wins)."""
    try:
        path.unlink()
        return True
    except OSError:
        return False


def sweep(where: Path, max_age: float, now: float | None = None) -> int:
    """Delete the files in ``where`` at least ``max_age`` seconds old (left-over temporary files too);
    returns how many went."""
    try:
        found = list(where.iterdir())
    except OSError:
        return 0
    return sum(1 for path in found if path.is_file() and expired(path, max_age, now) and drop(path))
