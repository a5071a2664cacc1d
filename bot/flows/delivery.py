"""Who a report or grievance would actually reach, decided before anyone is asked for its details.

A route can be right and still reach nobody: the protocol names a procedure and no person (Wendlebury's
"Grievance Procedure"), someone the roster does not record (Blaby's Chief Executive), or only the person the
report is about. Asking for what happened and then saying "Nothing was sent" wastes the hardest part of a
report, so the route step and the submit step share this one decision: the route step stops before the details
when it fails, and the submit step rechecks it (the roster may have changed in between).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.cases.desk import recipients_for
from bot.context import Turn
from bot.messages import QuoteBlock, Reply, Text
from bot.people import Member
from bot.routing import Route, RoutingBook

GRIEVANCE = "grievance"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The route a case goes on and the roster members who would receive it, or why nobody would."""

    route: Route | None
    recipients: tuple[Member, ...] = ()
    notes: tuple[Reply, ...] = ()
    """Why the recipient differs from the one the protocol names first (``route_alternative``)."""
    reason: str | None = None
    """Shown to the reporter when nobody can receive it; ``None`` when someone can."""

    @property
    def possible(self) -> bool:
        return self.reason is None and self.route is not None and bool(self.recipients)


def reporter_of(turn: Turn, flow: str, answers: dict[str, str]) -> str:
    """The reporter side: the concern flow asks; a grievance is an officer's, or the Clerk's."""
    if flow != GRIEVANCE:
        return answers.get("reporter", "")
    return "clerk" if turn.member is not None and "clerk" in turn.member.roles else "officer"


def delivery_route(book: RoutingBook, flow: str, reporter: str, answers: dict[str, str]
                   ) -> tuple[Route | None, tuple[Reply, ...]]:
    """The route a case is delivered on, and any explanation of a change of recipient. The personnel body is used
    only where its own clauses cover this reporter, subject and concern."""
    about = answers.get("about", "")
    if flow == GRIEVANCE:
        return book.personnel(reporter, about), ()
    concern = answers.get("concern", "")
    route = book.route(reporter, about, concern)
    holder = book.holders(route)
    if route.covered and holder is not None and holder[0] != about:
        return route, ()
    personnel = book.personnel(reporter, about, concern) if route.covered else None
    if personnel is None:
        return route if route.covered else None, ()
    why = ("The protocol sends this to the person it is about, so I will send your report instead to"
           if route.recipient_is_subject or (holder and holder[0] == about)
           else "The protocol names a procedure rather than a person, so I will send your report to")
    note = Reply((Text(f"{why} {personnel.recipient}:"),
                  *(QuoteBlock(p.clause.text, p.citation, p.clause.clause_id) for p in personnel.passages)),
                 meta={"kind": "route_alternative"})
    return personnel, (note,)


def _unnamed(flow: str, route: Route | None) -> str:
    noun = "a grievance" if flow == GRIEVANCE else "a report"
    if route is None:
        return f"Your council's protocol does not name anyone to receive {noun}, so there is no one I can send it to."
    recipient = route.recipient or "someone"
    if "procedure" in recipient.lower():
        return (f"Your council's protocol names {recipient} but not who receives it, so there is no one I can send "
                f"{noun} to.")
    return (f"Your council's protocol names {recipient}, but your council has not told me who that is, so I cannot "
            f"send {noun} to them.")


async def plan(turn: Turn, book: RoutingBook, flow: str, answers: dict[str, str]) -> Delivery:
    """Whether a case from this flow, with these answers, would reach anyone, and whom."""
    reporter = reporter_of(turn, flow, answers)
    route, notes = delivery_route(book, flow, reporter, answers)
    holder = book.holders(route) if route is not None else None
    if route is None or holder is None:
        return Delivery(route, notes=notes, reason=_unnamed(flow, route))
    about = answers.get("about", "")
    members = await turn.store.members.of_council(book.council)
    holders = recipients_for(members, holder[0], holder[1], "")
    if not holders:
        return Delivery(route, notes=notes, reason=f"Nobody on your council's roster is recorded as {route.recipient}, "
                                                   "so there is no one I can send it to.")
    recipients = recipients_for(members, holder[0], holder[1], about)
    if not recipients:
        return Delivery(route, notes=notes, reason=f"Everyone recorded as {route.recipient} is someone this is about, "
                                                   "so there is no one I can send it to.")
    return Delivery(route, recipients, notes)
