"""Changing a council's profile file from the command line without ever leaving it broken or half-written.

The deployment's profile is ``<home>/councils/<slug>/profile.yaml`` (``config.councils``); a bundled council has
none there until someone copies the shipped one, so the first edit copies it, routing rules and all, rather than
start an empty file that would silently drop them. Every edit is made under a lock (two commands at once must not
each write their own version), checked as the bot will read it (a profile or routing error is refused with the file
unchanged), written beside and moved over the old one in one step, and the previous file is kept as
``profile.yaml.bak``. PyYAML does not keep comments: when the old file had some, the caller says where they went.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.roster_sync import sync_roster_file
from bot.store import Store
from bot.store.role_changes import RoleChange
from config.councils import DEFAULT_ASK_INSTEAD, ProfileError, load_profile, parse_profile, profile_paths
from config.routing import RoutingConfig, load_routing
from config.settings import home

Profile = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Edited:
    path: Path
    changed: bool
    comments_dropped: bool
    """The old file had comments, which the rewrite could not keep."""
    copied_from: Path | None = None
    """The shipped profile this first edit started from (``None``: the home's own file was edited)."""

    def note(self) -> str:
        """Where the file came from and where its comments went, for the command's output."""
        if self.copied_from is not None:
            return (f" (started from a copy of {self.copied_from}, which keeps its comments)" if self.comments_dropped
                    else f" (started from a copy of {self.copied_from})")
        if self.comments_dropped:
            return f" (comments are not kept in the rewritten file; the previous file is {backup(self.path)})"
        return ""


def backup(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _starting_text(slug: str, path: Path, shipped: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8")
    if shipped.exists():
        return shipped.read_text(encoding="utf-8")
    return yaml.safe_dump({"council": slug, "ask_instead": DEFAULT_ASK_INSTEAD}, sort_keys=False)


def read(slug: str) -> Profile:
    """The profile as the bot reads it now (the home's file, else the shipped one), as plain data."""
    for path in profile_paths(slug, home()):
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return data if isinstance(data, dict) else {}
    return {}


def _check(slug: str, data: Profile, where: Path) -> None:
    """Refuse a result the bot would not start with, naming the file and field as a start would."""
    parse_profile(slug, where)
    try:
        RoutingConfig.model_validate(data.get("routing") or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ProfileError(f"{where}: routing.{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc


def edit(slug: str, change: Callable[[Profile], bool]) -> Edited:
    """Apply ``change`` (which returns whether it changed anything) to ``slug``'s profile in the home."""
    path, shipped = profile_paths(slug, home())
    with _locked(path):
        copied = None if path.exists() or not shipped.exists() else shipped
        text = _starting_text(slug, path, shipped)
        loaded = yaml.safe_load(text) or {}
        data: Profile = loaded if isinstance(loaded, dict) else {}
        if not change(data):
            return Edited(path, False, False)
        fd, name = tempfile.mkstemp(prefix=".profile-", suffix=".yaml", dir=path.parent)
        staged = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                yaml.safe_dump(data, out, sort_keys=False, allow_unicode=True, width=110)
            _check(slug, data, staged)
            if path.exists():
                shutil.copy2(path, backup(path))
            os.replace(staged, path)
        finally:
            staged.unlink(missing_ok=True)
    comments = any(line.lstrip().startswith("#") for line in text.splitlines())
    return Edited(path, True, comments, copied)


async def sync(store: Store, slug: str) -> list[RoleChange]:
    """The profile's roster and bindings into the database, as every start does (``Dialogue.start``): a roster
    change that would change who receives reports about the Clerk is not made but held for a second person
    (``bot.roster_sync``); the changes newly held are returned."""
    profile = load_profile(slug, home())
    held = await sync_roster_file(store, slug, profile.roster, load_routing(slug, home())[0])
    await store.bindings.sync_config(slug, profile.bindings)
    return held


async def bring_in(slug: str) -> None:
    """``sync`` on a store of its own: a running bot reads members and bindings from the database, so a change
    written to the file takes effect now, not at its next start."""
    store = await Store.open()
    try:
        await sync(store, slug)
    finally:
        await store.close()
