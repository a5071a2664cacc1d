"""Whether the bot's home can be written, asked before anything is built there.

Every command that answers questions writes into the home (indexes, the question encoder's export, the SQLite
database, the case key). A home on a read-only volume, or owned by another user, used to end in a traceback from
deep inside an index build, after minutes of embedding; it is now said first, with the variable to change.
Checked with ``os.access`` on the home (or the nearest folder that exists, where it would be created), so the
check itself writes nothing: ``doctor`` shares it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from adapters.cli.checks.findings import Finding, ok, problem
from config.settings import home

HOME_ENV = "PROTOCOL_BOT_HOME"
_UNWRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


class HomeNotWritable(OSError):
    """The home cannot be written; its message says which folder and what to do."""


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def unwritable(where: Path) -> str | None:
    """Why ``where`` cannot serve as the home, or ``None`` when it can (or can be created)."""
    folder = _existing(where)
    if not folder.is_dir():
        return "is a file, not a folder" if folder == where else f"cannot be made: {folder} is a file, not a folder"
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    created = "" if folder == where else f" (it does not exist, and {folder} cannot be written to create it)"
    return f"cannot be written{created}"


def explain(where: Path, why: str) -> str:
    return (f"The bot's home {where} {why}. It keeps its indexes, database and case key there: set {HOME_ENV} to a "
            "folder the bot's user can write to (or make this one writable), then run the command again.")


def require_writable(where: Path) -> None:
    """Raise ``HomeNotWritable`` naming the home and the fix."""
    why = unwritable(where)
    if why is not None:
        raise HomeNotWritable(explain(where, why))


def refused_write(exc: OSError, where: Path) -> str | None:
    """The message for a write refused inside the home (a folder made read-only after the check), else ``None``."""
    if exc.errno not in _UNWRITABLE or not exc.filename:
        return None
    try:
        Path(str(exc.filename)).resolve().relative_to(where.resolve())
    except ValueError:
        return None
    return explain(where, f"cannot be written ({exc.strerror}: {exc.filename})")


def home_finding() -> Finding:
    """``doctor``'s line for the home: a home nothing can be written to stops every start."""
    where = home()
    why = unwritable(where)
    if why is None:
        return ok("home", f"{where} can be written")
    return problem("home", explain(where, why))
