"""Routing rules for "report a concern", read from the ``routing:`` section of a council's profile.

The rules are data a Clerk can read and correct: who raises what about whom, who the protocol says it
goes to (in the protocol's own words), and the clauses that say so. Whether those clauses really exist
and say so is checked against the live index by ``bot.routing``; this module only checks the shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

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
    """What comes next if the first step fails: verbatim sentences from the cited clauses, never the sentence that
    names the recipient (that is the first step, already quoted)."""
    applies_because: str | None = None
    """A verbatim phrase showing the cited clauses serve this rule's reporters though printed under one side's
    procedure ("Procedure for officers"): Cheshire's Code of Conduct paragraph applies to any complaint, Ledbury 5.4
    begins "If a Councillor is dissatisfied". Without it a clause printed as one side's procedure never justifies
    the other side's route."""

    def matches(self, reporter: str, about: str, concern: str) -> bool:
        return reporter in self.reporter and about in self.about and concern in self.concern


class OutsideRoute(BaseModel):
    """Somewhere to turn that does not come from the council's protocol (an advice line, the principal authority's
    Monitoring Officer): offered only where the protocol is silent or names nobody a report can be sent to, and
    always shown as "not from your council's protocol", never quoted as if the protocol said it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    purpose: str = Field(min_length=1)
    """What it is for, in a phrase that follows the name ("the whistleblowing advice charity: ...")."""
    contact: str = Field(min_length=1)
    reporter: tuple[Reporter, ...] = REPORTERS  # type: ignore[assignment]
    about: tuple[About, ...] = ABOUTS  # type: ignore[assignment]
    concern: tuple[Concern, ...] = CONCERNS  # type: ignore[assignment]
    known_as: tuple[str, ...] = ()
    """How a protocol would name it: where a quoted clause already does, it is not offered again as an outside
    route (Blaby's whistleblowing clause names Protect itself)."""

    def matches(self, reporter: str, about: str, concern: str) -> bool:
        return reporter in self.reporter and about in self.about and concern in self.concern


STAFF: tuple[Reporter, ...] = ("officer", "clerk")
PROTECT = OutsideRoute(
    id="protect", name="Protect",
    purpose="the whistleblowing advice charity, giving free, confidential advice to workers unsure whether or how "
            "to raise a concern about wrongdoing",
    contact="protect-advice.org.uk, advice line 020 3117 2520",
    reporter=STAFF, concern=("fraud", "criminal", "confidential_information"), known_as=("Protect",))
ACAS = OutsideRoute(
    id="acas", name="ACAS",
    purpose="free, impartial advice for employees and employers on workplace disputes and grievances",
    contact="acas.org.uk, helpline 0300 123 1100",
    reporter=("officer", "clerk", "councillor"), about=("officer", "clerk", "councillor", "chair"),
    concern=("conduct", "performance", "bullying", "relationship_breakdown"), known_as=("ACAS", "Acas"))
NATIONAL_OUTSIDE_ROUTES: tuple[OutsideRoute, ...] = (PROTECT, ACAS)
"""Routes open to anyone in England whatever their council's protocol says (ACAS for a councillor only where the
concern is about the council's own staff: the council is their employer)."""
STANDARDS_CONCERNS: tuple[Concern, ...] = ("code_of_conduct_breach", "conduct", "bullying",
                                           "confidential_information", "fraud")


class MonitoringOfficer(BaseModel):
    """The principal authority whose Monitoring Officer hears standards complaints about this council's
    councillors (Localism Act 2011): a parish or town council's district or unitary council, a district its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    authority: str | None = None
    """``East Devon District Council``; without it the principal authority is described, not named."""
    contact: str = "through the authority's website or main switchboard"

    def route(self) -> OutsideRoute:
        name = (f"the Monitoring Officer of {self.authority}" if self.authority
                else "your principal authority's Monitoring Officer (at the district or unitary council for your area)")
        return OutsideRoute(
            id="monitoring-officer", name=name,
            purpose="receives complaints that a councillor has broken the Code of Conduct",
            contact=self.contact, about=("councillor", "chair"), concern=STANDARDS_CONCERNS,
            known_as=("Monitoring Officer",))


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
    applies_because: str | None = None
    """As for a rule: why clauses printed as one side's procedure also serve the other."""
    reporter: tuple[Reporter, ...] = REPORTERS  # type: ignore[assignment]
    about: tuple[About, ...] = ABOUTS  # type: ignore[assignment]
    concern: tuple[Concern, ...] = ("conduct", "performance", "bullying", "confidential_information",
                                    "relationship_breakdown")
    """Who the cited clauses let this body hear from, about whom, on what: a clause about a councillor's concern
    over the Clerk never justifies sending an officer's grievance there. Personnel matters only by default (a Code of
    Conduct complaint, fraud or a crime is not one)."""

    def serves(self, reporter: str, about: str, concern: str | None) -> bool:
        """``concern`` ``None``: a grievance, which is always a personnel matter."""
        return reporter in self.reporter and about in self.about and (concern is None or concern in self.concern)


class RoutingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[RouteRule, ...] = ()
    fallback: Fallback = Fallback()
    personnel: Personnel | None = None
    monitoring_officer: MonitoringOfficer = MonitoringOfficer()
    outside: tuple[OutsideRoute, ...] = NATIONAL_OUTSIDE_ROUTES
    """Routes not from the protocol, besides the Monitoring Officer (a profile may replace the national list)."""
    confirms_recipient_changes: Holder | None = None
    """Who must confirm a roster change that would change who receives reports about the Clerk (``{role:
    vice-chair}``); without it, the Chair. A Clerk never can, whatever this says (``bot.clerk_recipients``)."""
    _source: Path | None = PrivateAttr(default=None)
    """The profile it was read from (``load_routing``): what the bot remembers the accepted routing by."""

    def outside_routes(self) -> tuple[OutsideRoute, ...]:
        return (self.monitoring_officer.route(), *self.outside)

    @property
    def source(self) -> Path | None:
        return self._source


CLERK: About = "clerk"


class ClerkRouting(BaseModel):
    """The part of a council's routing that decides who receives reports about the Clerk and who confirms a change
    to that: every rule about the Clerk, the personnel body where it hears about the Clerk, and
    ``confirms_recipient_changes``. The Clerk may be the one editing the profile, so this part is kept as last
    accepted (``bot.roster_sync``) and governs until a second person accepts the file's version of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[RouteRule, ...] = ()
    personnel: Personnel | None = None
    confirms: Holder | None = None

    @classmethod
    def of(cls, config: RoutingConfig) -> ClerkRouting:
        personnel = config.personnel if config.personnel is not None and CLERK in config.personnel.about else None
        return cls(rules=tuple(r for r in config.rules if CLERK in r.about), personnel=personnel,
                   confirms=config.confirms_recipient_changes)

    def alone(self) -> RoutingConfig:
        """This part as a routing of its own (enough to say who receives and who confirms)."""
        return RoutingConfig(rules=self.rules, personnel=self.personnel, confirms_recipient_changes=self.confirms)

    def governing(self, config: RoutingConfig) -> RoutingConfig:
        """``config`` with reports about the Clerk routed, and changes to that confirmed, as this part says; the
        rest as ``config`` says. A rule of ``config`` about the Clerk and others keeps the others (renamed where
        its id is also one of this part's, so each rule id names one holder); the personnel body is this part's
        whole where it has one (one body hears grievances and reports about the Clerk alike)."""
        if ClerkRouting.of(config) == self:
            return config
        ours = {rule.id for rule in self.rules}
        rest = []
        for rule in config.rules:
            about = tuple(a for a in rule.about if a != CLERK)
            if about:
                rest.append(rule.model_copy(update={"about": about, "id": f"{rule.id}~file" if rule.id in ours
                                                    else rule.id}))
        rules = (*(rule.model_copy(update={"about": (CLERK,)}) for rule in self.rules), *rest)
        personnel = self.personnel
        if personnel is None and config.personnel is not None:
            about = tuple(a for a in config.personnel.about if a != CLERK)
            personnel = config.personnel.model_copy(update={"about": about}) if about else None
        return config.model_copy(update={"rules": rules, "personnel": personnel,
                                         "confirms_recipient_changes": self.confirms})


def load_routing(slug: str, home: Path) -> tuple[RoutingConfig, Path | None]:
    """The council's routing section and the file it came from (``None``: no profile, so no rules)."""
    for path in profile_paths(slug, home):
        if path.exists():
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            try:
                config = RoutingConfig.model_validate(data.get("routing") or {})
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise RoutingConfigError(f"{path}: routing.{where}: {first['msg']}") from exc
            config._source = path
            return config, path
    return RoutingConfig(), None
