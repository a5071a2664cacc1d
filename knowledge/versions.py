"""Versions of a council's protocol, kept side by side, and a pointer saying which one is live.

    <home>/councils/<slug>/versions/<V>/protocol.txt + meta.yaml   (one folder per version, never rewritten)
    <home>/councils/<slug>/live                                    (the live version's name)

Every write goes to a temporary name first and is swapped in with ``os.replace``, so another process
reading the pointer or a version folder sees the old state or the new one, never half of either. A
bundled council gets this folder the first time a new version is published; its original text is kept
as the first version so ``diff`` can compare against it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from knowledge.documents import LIVE_FILE, META_FILE, PROTOCOL_FILE, VERSIONS_DIR, CouncilSource, runtime_dir
from knowledge.errors import KnowledgeError

VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


class VersionError(KnowledgeError):
    """A version name that is malformed, taken, or unknown."""


@dataclass(frozen=True, slots=True)
class VersionInfo:
    version: str
    published_at: str | None
    note: str | None
    live: bool


def council_dir(home: Path, slug: str) -> Path:
    return runtime_dir(home) / slug


def live_pointer(home: Path, slug: str) -> Path:
    return council_dir(home, slug) / LIVE_FILE


def version_dir(home: Path, slug: str, version: str) -> Path:
    return council_dir(home, slug) / VERSIONS_DIR / version


def live_version(home: Path, slug: str) -> str | None:
    try:
        name = live_pointer(home, slug).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None


def check_name(version: str) -> str:
    if not VERSION_NAME.match(version):
        raise VersionError(f"version {version!r}: use letters, digits, '.', '-' or '_' (at most 32)")
    return version


def versions(home: Path, slug: str) -> list[VersionInfo]:
    """Oldest first (by publication time, then name)."""
    root = council_dir(home, slug) / VERSIONS_DIR
    live = live_version(home, slug)
    found: list[VersionInfo] = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not (folder / PROTOCOL_FILE).exists():
            continue
        data = _meta_dict(folder)
        found.append(VersionInfo(folder.name, _text(data.get("published_at")), _text(data.get("note")),
                                 folder.name == live))
    return sorted(found, key=lambda v: (v.published_at or "", _natural(v.version)))


def source_of(home: Path, slug: str, version: str) -> CouncilSource:
    folder = version_dir(home, slug, check_name(version))
    if not (folder / PROTOCOL_FILE).exists():
        known = ", ".join(v.version for v in versions(home, slug)) or "none"
        raise VersionError(f"{slug} has no version {version!r} (versions: {known})")
    return CouncilSource(slug, folder)


def next_name(home: Path, slug: str) -> str:
    """One more than the highest numbered version (``2`` after the original, kept as ``1``)."""
    numbers = [int(v.version) for v in versions(home, slug) if v.version.isdigit()]
    return str(max(numbers, default=1) + 1)


def write_version(home: Path, slug: str, version: str, text: str, meta: dict[str, object],
                  *, note: str | None = None) -> CouncilSource:
    """Keep ``text`` as version ``version`` (refused if that name is taken); returns its source."""
    target = version_dir(home, slug, check_name(version))
    if target.exists():
        raise VersionError(f"{slug} already has a version {version!r}; choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
    try:
        (staging / PROTOCOL_FILE).write_text(text, encoding="utf-8")
        data = {**meta, "version": version, "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "note": note}
        (staging / META_FILE).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return CouncilSource(slug, target)


def set_live(home: Path, slug: str, version: str) -> None:
    """Point readers at ``version``: a whole new pointer file replaces the old one in one step."""
    pointer = live_pointer(home, slug)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".live-", dir=pointer.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(version + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, pointer)


def live_stamp(home: Path, slug: str) -> tuple[int, int] | None:
    """What a worker compares to notice a new live version: one ``stat``, no read."""
    try:
        stat = live_pointer(home, slug).stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_ino


def meta_dict(source: CouncilSource) -> dict[str, object]:
    """The metadata as written (for copying into a new version)."""
    return _meta_dict(source.folder)


def _meta_dict(folder: Path) -> dict[str, object]:
    try:
        data = yaml.safe_load((folder / META_FILE).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return dict(data) if isinstance(data, dict) else {}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _natural(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (1 << 30, name)
