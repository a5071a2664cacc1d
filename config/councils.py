"""Council profiles (``config/councils/<slug>.yaml``, or ``<home>/councils/<slug>/profile.yaml``).

A profile says who to ask when the protocol is silent and, optionally, who is who (``roster``: people,
their roles and platform handles) and which workspaces or chats speak for this council (``bindings``).
A mistake names the file and the field, so the Clerk can fix it without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.settings import CONFIG_DIR

DEFAULT_ASK_INSTEAD = "your Clerk"
ROLES = ("councillor", "chair", "vice-chair", "committee chair", "clerk", "deputy clerk", "rfo", "officer")
PLATFORMS = ("slack", "telegram", "terminal", "web")


class ProfileError(ValueError):
    pass


class RosterEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    roles: tuple[str, ...] = Field(min_length=1)
    committee: str | None = None
    """The committee a ``committee chair`` chairs."""
    handles: dict[str, str] = Field(default_factory=dict)
    """Platform -> the member's user id there (Slack ``U...``, Telegram numeric id, terminal user name)."""

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(r.strip().lower() for r in roles)
        unknown = [r for r in cleaned if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; roles are: {', '.join(ROLES)}")
        return cleaned

    @field_validator("handles")
    @classmethod
    def _known_platforms(cls, handles: dict[str, str]) -> dict[str, str]:
        unknown = [p for p in handles if p not in PLATFORMS]
        if unknown:
            raise ValueError(f"unknown platform {unknown[0]!r}; platforms are: {', '.join(PLATFORMS)}")
        return {p: str(v) for p, v in handles.items()}

    @model_validator(mode="after")
    def _committee_named(self) -> RosterEntry:
        if "committee chair" in self.roles and not self.committee:
            raise ValueError("a committee chair needs `committee:` (the committee's name)")
        return self


class Binding(BaseModel):
    """``workspace`` binds a whole Slack team (or similar); ``chat`` one channel or group."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: str
    workspace: str | None = None
    chat: str | None = None

    @model_validator(mode="after")
    def _one_scope(self) -> Binding:
        if (self.workspace is None) == (self.chat is None):
            raise ValueError("a binding names exactly one of `workspace` or `chat`")
        return self

    @property
    def scope(self) -> str:
        return "workspace" if self.workspace is not None else "chat"

    @property
    def ref(self) -> str:
        return str(self.workspace if self.workspace is not None else self.chat)


class Announcement(BaseModel):
    """A channel or group that also receives the council's broadcasts (members still get theirs by DM)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: str
    chat: str

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, platform: str) -> str:
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}; platforms are: {', '.join(PLATFORMS)}")
        return platform

    @field_validator("chat", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> str:
        return str(value)


class _ProfileFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ask_instead: str = DEFAULT_ASK_INSTEAD
    roster: tuple[RosterEntry, ...] = ()
    bindings: tuple[Binding, ...] = ()
    announcements: tuple[Announcement, ...] = ()
    deputy_clerk_administers: bool = False
    """Whether the deputy clerk may also change roles, publish and broadcast."""

    @field_validator("ask_instead", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> str:
        return str(value)


@dataclass(frozen=True, slots=True)
class CouncilProfile:
    council: str
    ask_instead: str = DEFAULT_ASK_INSTEAD
    roster: tuple[RosterEntry, ...] = ()
    bindings: tuple[Binding, ...] = ()
    deputy_clerk_administers: bool = False
    announcements: tuple[Announcement, ...] = ()


def profile_paths(slug: str, home: Path) -> tuple[Path, Path]:
    return home / "councils" / slug / "profile.yaml", CONFIG_DIR / "councils" / f"{slug}.yaml"


def load_profile(slug: str, home: Path) -> CouncilProfile:
    for path in profile_paths(slug, home):
        if path.exists():
            return parse_profile(slug, path)
    return CouncilProfile(council=slug)


def parse_profile(slug: str, path: Path) -> CouncilProfile:
    """``path`` read as ``slug``'s profile (also a file about to replace it, so a bad edit is refused before it is
    made); ``ProfileError`` names the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        parsed = _ProfileFile.model_validate(data)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML ({exc})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ProfileError(f"{path}: {where}: {first['msg']}") from exc
    names = [entry.name for entry in parsed.roster]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ProfileError(f"{path}: roster: {duplicate!r} is listed twice")
    return CouncilProfile(council=slug, ask_instead=parsed.ask_instead, roster=parsed.roster,
                          bindings=parsed.bindings, deputy_clerk_administers=parsed.deputy_clerk_administers,
                          announcements=parsed.announcements)


def write_profile(slug: str, home: Path, *, ask_instead: str = DEFAULT_ASK_INSTEAD) -> Path:
    path = home / "councils" / slug / "profile.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"council": slug, "ask_instead": ask_instead}), encoding="utf-8")
    return path
