"""Routing rules for "report a concern", read from the ``routing:`` section of a council's profile.

The rules are data a Clerk can read and correct: who raises what about whom, who the protocol says it
goes to (in the protocol's own words), and the clauses that say so. Whether those clauses really exist
and say so is checked against the live index by ``bot.routing``; this module only checks the shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.councils import ROLES, profile_paths

Reporter = Literal["councillor", "officer", "clerk"]
About = Literal["officer", "clerk", "councillor", "chair"]
Concern = Literal["conduct", "performance", "bullying", "code_of_conduct_breach", "fraud", "criminal",
                  "confidential_information", "relationship_breakdown"]
REPORTERS: tuple[str, ...] = Reporter.__args__  # type: ignore[attr-defined]
ABOUTS: tuple[str, ...] = About.__args__  # type: ignore[attr-defined]
CONCERNS: tuple[str, ...] = Concern.__args__  # type: ignore[attr-defined]


class RoutingConfigError(ValueError):
    pass


class Holder(BaseModel):
    """Who in the roster holds the recipient role (none for a procedure such as a grievance procedure)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str
    committee: str | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, role: str) -> str:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; roles are: {', '.join(ROLES)}")
        return role


class RouteRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    reporter: tuple[Reporter, ...] = REPORTERS  # type: ignore[assignment]
    about: tuple[About, ...] = ABOUTS  # type: ignore[assignment]
    concern: tuple[Concern, ...] = CONCERNS  # type: ignore[assignment]
    recipient: str = Field(min_length=1)
    """As the protocol names it; must appear in one of the cited clauses."""
    holder: Holder | None = None
    clauses: tuple[str, ...] = Field(min_length=1)
    """Clause numbers as printed (``5.2``) or clause ids (``cheshire:if-things-go-wrong/...:p1``)."""
    next_steps: tuple[str, ...] = ()
    """What comes next if the first step fails: verbatim sentences from the cited clauses."""

    def matches(self, reporter: str, about: str, concern: str) -> bool:
        return reporter in self.reporter and about in self.about and concern in self.concern


class Fallback(BaseModel):
    """Where to point people when the protocol names no route; always labelled as not from the protocol."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: str = "the Clerk"
    code_of_conduct_breach: str | None = None
    instead_of_clerk: str | None = None
    """Who to name when the concern is about the Clerk or the Clerk raises it: pointing someone back at the
    person their concern is about, or the Clerk at themselves, is no help. Without it the default is named."""


class Personnel(BaseModel):
    """Who receives grievances, and reports the protocol would send to the person they are about: the body
    with delegated staffing authority, as the protocol names it (checked against the cited clauses)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    recipient: str = Field(min_length=1)
    holder: Holder
    clauses: tuple[str, ...] = Field(min_length=1)


class RoutingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[RouteRule, ...] = ()
    fallback: Fallback = Fallback()
    personnel: Personnel | None = None


def load_routing(slug: str, home: Path) -> tuple[RoutingConfig, Path | None]:
    """The council's routing section and the file it came from (``None``: no profile, so no rules)."""
    for path in profile_paths(slug, home):
        if path.exists():
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            try:
                return RoutingConfig.model_validate(data.get("routing") or {}), path
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise RoutingConfigError(f"{path}: routing.{where}: {first['msg']}") from exc
    return RoutingConfig(), None
