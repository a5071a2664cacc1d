"""Who a concern goes to first, for one council, in its protocol's own words, with the clauses that say so.

Rules come from the council profile (``config.routing``). Before any rule is used it is checked against
the live index: every cited clause exists, the recipient is named in one of them that is about the people the
rule serves (a clause printed as the councillors' procedure never routes an officer's concern), and every next
step is quoted verbatim and is not the first step again. A rule that fails stops the bot with an error naming the
file and the rule, because a wrong route sends someone's complaint to the wrong person.

Where the protocol is silent the route says so and carries the outside routes that fit (``config.routing``
``OutsideRoute``: the Monitoring Officer, Protect, ACAS), which are shown as not from the protocol.

Reports about the Clerk are routed as last accepted, not as the profile now says (``bot.clerk_recipients.governing``:
the Clerk may have edited it; ``bot.roster_sync``): the book checks the file as written, then routes by the routing
in force, and binds it again whenever this process learns that a second person accepted a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.clerk_recipients import generation, governing
from config.councils import CouncilProfile, RosterEntry
from config.routing import OutsideRoute, RouteRule, RoutingConfig, RoutingConfigError, load_routing
from knowledge.citation import cite
from knowledge.clauses import Clause
from knowledge.index import CouncilIndex

NOT_COVERED = "Your council's protocol does not say who this should go to."
NOT_FROM_PROTOCOL = "(not from the protocol: your council's own suggestion)"
STAFF_SIDE = frozenset({"officer", "clerk"})
COUNCILLOR_SIDE = frozenset({"councillor"})
_SIDE_HEADING = re.compile(r"procedure for (?:the )?(officers?|employees|staff|councillors|members)\b")


@dataclass(frozen=True, slots=True)
class Passage:
    clause: Clause
    citation: str


@dataclass(frozen=True, slots=True)
class Route:
    covered: bool
    rule_id: str | None
    recipient: str | None
    person: str | None
    """The roster member holding the recipient role, where the recipient is a person."""
    passages: tuple[Passage, ...]
    next_steps: tuple[str, ...]
    fallback: str | None
    """Where the protocol is silent: who to ask instead, labelled as not from the protocol."""
    recipient_is_subject: bool = False
    """The protocol sends this concern to the person it is about (Ledbury 5.4 read literally)."""
    outside: tuple[OutsideRoute, ...] = ()
    """Where the protocol is silent: routes that do not come from it (shown labelled as such)."""


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _without_article(text: str) -> str:
    return re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)


def _side(clause: Clause) -> frozenset[str] | None:
    """Whose procedure a clause is printed as ("Procedure for officers" in its title or headings), if anyone's."""
    found = _SIDE_HEADING.search(" ".join((clause.title or "", *clause.heading_path)).lower())
    if found is None:
        return None
    return COUNCILLOR_SIDE if found.group(1) in ("councillors", "members") else STAFF_SIDE


def _names(outside: OutsideRoute, text: str) -> bool:
    """Whether protocol text already names this outside route (then it is the protocol's, not ours). A one-word
    name is matched as capitalised ("Protect", not "to protect"); longer names in any case."""
    for name in outside.known_as:
        flags = 0 if " " not in name and not name.isupper() else re.IGNORECASE
        if re.search(rf"\b{re.escape(name)}\b", text, flags=flags):
            return True
    return False


@dataclass(frozen=True, slots=True)
class _BoundRule:
    rule: RouteRule
    clauses: tuple[Clause, ...]


class RoutingBook:
    """A council's rules, each bound to the clauses it cites in the index the bot is answering from."""

    def __init__(self, council: str, config: RoutingConfig, index: CouncilIndex, profile: CouncilProfile,
                 source: Path | None = None) -> None:
        self.council = council
        self.written = config
        """As the profile has it; ``config`` is the routing in force."""
        self.index = index
        self.profile = profile
        self._where = str(source) if source else f"council {council}"
        self._load(config)  # the file as written is checked whole, a part waiting for a second person too
        self._seen = -1
        self._refresh()

    def _load(self, config: RoutingConfig) -> None:
        self.config = config
        self._rules = tuple(self._bind(rule, self._where) for rule in config.rules)
        self._personnel: _BoundRule | None = None
        if config.personnel is not None:
            staffing = config.personnel
            as_rule = RouteRule(id="personnel", recipient=staffing.recipient, holder=staffing.holder,
                                clauses=staffing.clauses, reporter=staffing.reporter, about=staffing.about,
                                concern=staffing.concern, applies_because=staffing.applies_because)
            self._personnel = self._bind(as_rule, self._where)

    def _refresh(self) -> None:
        """Bind the routing in force again if this process has learnt of a new accepted one since."""
        if self._seen != generation():
            self._seen = generation()
            config = governing(self.council, self.written)
            if config != self.config:
                self._load(config)

    def _bind(self, rule: RouteRule, where: str) -> _BoundRule:
        by_id = {c.clause_id: c for c in self.index.clauses}
        by_number: dict[str, list[Clause]] = {}
        for clause in self.index.clauses:
            if clause.number:
                by_number.setdefault(clause.number, []).append(clause)
        bound: list[Clause] = []
        for ref in rule.clauses:
            if ref in by_id:
                bound.append(by_id[ref])
            elif len(by_number.get(ref, [])) == 1:
                bound.append(by_number[ref][0])
            elif ref in by_number:
                raise RoutingConfigError(f"{where}: routing rule {rule.id!r}: clause {ref!r} is printed more than "
                                         "once in the protocol; cite it by clause id")
            else:
                raise RoutingConfigError(f"{where}: routing rule {rule.id!r} cites clause {ref!r}, which is not in "
                                         f"the {self.council} protocol")
        texts = [_flat(c.text) for c in bound]
        recipient = _flat(_without_article(rule.recipient))
        if not any(recipient in t for t in texts):
            raise RoutingConfigError(f"{where}: routing rule {rule.id!r}: recipient {rule.recipient!r} is not named "
                                     "in the clauses it cites")
        for step in rule.next_steps:
            if not any(_flat(step) in t for t in texts):
                raise RoutingConfigError(f"{where}: routing rule {rule.id!r}: next step {step!r} is not quoted "
                                         "verbatim from the clauses it cites")
            if recipient in _flat(step):
                raise RoutingConfigError(f"{where}: routing rule {rule.id!r}: next step {step!r} names the recipient "
                                         "itself: it is the first step, already quoted, not what comes next")
        self._check_sides(rule, tuple(bound), where)
        return _BoundRule(rule, tuple(bound))

    @staticmethod
    def _check_sides(rule: RouteRule, bound: tuple[Clause, ...], where: str) -> None:
        """Every reporter the rule serves is sent to its recipient by a clause about them: one printed as the other
        side's procedure (Wendlebury 5.2, "Procedure for Councillors") does not justify an officer's route, unless
        ``applies_because`` quotes the words that show it serves them."""
        recipient = _flat(_without_article(rule.recipient))
        naming = [c for c in bound if recipient in _flat(c.text)]
        if rule.applies_because is not None:
            if not any(_flat(rule.applies_because) in _flat(c.text) for c in naming):
                raise RoutingConfigError(f"{where}: routing rule {rule.id!r}: applies_because {rule.applies_because!r} "
                                         "is not quoted verbatim from a cited clause naming the recipient")
            return
        for reporter in rule.reporter:
            if not any(_side(c) is None or reporter in (_side(c) or ()) for c in naming):
                printed = ", ".join(c.number or c.clause_id for c in naming)
                raise RoutingConfigError(
                    f"{where}: routing rule {rule.id!r}: {rule.recipient!r} is named only in {printed}, printed as "
                    f"another side's procedure, so it cannot route a {reporter}'s concern; narrow `reporter:` or "
                    "cite the clause that covers them")

    def _holder(self, rule: RouteRule) -> RosterEntry | None:
        if rule.holder is None:
            return None
        for entry in self.profile.roster:
            if rule.holder.role in entry.roles and (
                rule.holder.committee is None
                or (entry.committee or "").lower() == rule.holder.committee.lower()
            ):
                return entry
        return None

    def personnel(self, reporter: str, about: str, concern: str | None = None) -> Route | None:
        """The configured body with delegated staffing authority (grievances; reports about the recipient), where
        the clauses it rests on cover this reporter, subject and concern (``None``: a grievance)."""
        self._refresh()
        staffing = self.config.personnel
        if self._personnel is None or staffing is None or not staffing.serves(reporter, about, concern):
            return None
        rule = self._personnel.rule
        holder = self._holder(rule)
        passages = tuple(Passage(c, cite(c, self.index.meta)) for c in self._personnel.clauses)
        return Route(True, rule.id, rule.recipient, holder.name if holder else None, passages, (), None)

    def holders(self, route: Route) -> tuple[str, str | None] | None:
        """(role, committee) of whoever receives deliveries for ``route``; ``None`` for a procedure."""
        self._refresh()
        rule = next((b.rule for b in self._rules if b.rule.id == route.rule_id), None)
        if rule is None and self._personnel is not None and route.rule_id == "personnel":
            rule = self._personnel.rule
        if rule is None or rule.holder is None:
            return None
        return rule.holder.role, rule.holder.committee

    def route(self, reporter: str, about: str, concern: str) -> Route:
        self._refresh()
        for bound in self._rules:
            rule = bound.rule
            if rule.matches(reporter, about, concern):
                holder = self._holder(rule)
                passages = tuple(Passage(c, cite(c, self.index.meta)) for c in bound.clauses)
                is_subject = rule.holder is not None and rule.holder.role == about and about in ("clerk", "chair")
                return Route(True, rule.id, rule.recipient, holder.name if holder else None, passages,
                             rule.next_steps, None, is_subject)
        return Route(False, None, None, None, (), (), self.suggestion(reporter, about, concern),
                     outside=self.outside(reporter, about, concern))

    def suggestion(self, reporter: str, about: str, concern: str) -> str | None:
        """The council's own "you could ask ..." (labelled not from the protocol); never a Clerk when the Clerk is
        the one the concern is about or the one raising it."""
        self._refresh()
        fallback = self.config.fallback
        if concern == "code_of_conduct_breach" and fallback.code_of_conduct_breach:
            ask = fallback.code_of_conduct_breach
        elif "clerk" in (about, reporter) and fallback.instead_of_clerk:
            ask = fallback.instead_of_clerk
        else:
            ask = fallback.default
        if "clerk" in (about, reporter) and "clerk" in ask.lower():
            return None
        return f"You could ask {ask} {NOT_FROM_PROTOCOL}."

    def outside(self, reporter: str, about: str, concern: str, quoted: str = "") -> tuple[OutsideRoute, ...]:
        """Routes not from the protocol that fit, leaving out any the quoted protocol text already names."""
        self._refresh()
        return tuple(o for o in self.config.outside_routes()
                     if o.matches(reporter, about, concern) and not _names(o, quoted))


def load_book(council: str, index: CouncilIndex, profile: CouncilProfile, home: Path) -> RoutingBook:
    config, source = load_routing(council, home)
    return RoutingBook(council, config, index, profile, source)
