"""What is said when nobody can receive a report: plainly that, then routes that do not come from the protocol.

Every outside route (the principal authority's Monitoring Officer, Protect, ACAS; ``config.routing``) is listed
under a label saying it is not from the council's protocol, so nobody mistakes advice of ours for what their
council adopted; the council's own "you could ask ..." keeps its own label and never names a Clerk the concern is
about (``RoutingBook.suggestion``).
"""

from __future__ import annotations

from bot.messages import Reply, Text
from bot.routing import NOT_COVERED, Route, RoutingBook
from config.routing import OutsideRoute

OUTSIDE_LABEL = "Other routes (not from your council's protocol):"
NO_DETAILS = "So I won't ask you for the details."


def outside_lines(routes: tuple[OutsideRoute, ...]) -> str:
    """The labelled list: "- ACAS: free, impartial advice .... Contact: acas.org.uk, helpline 0300 123 1100."."""
    lines = [f"- {o.name[:1].upper()}{o.name[1:]}: {o.purpose}. Contact: {o.contact}." for o in routes]
    return "\n".join([OUTSIDE_LABEL, *lines])


def quoted_text(route: Route | None) -> str:
    """What the protocol text shown for this route says (an outside route it names is the protocol's own)."""
    if route is None:
        return ""
    return " ".join([*(p.clause.text for p in route.passages), *route.next_steps])


def no_recipient_reply(book: RoutingBook, reason: str, *, reporter: str, about: str, concern: str,
                       quoted: str = "", kind: str = "route_no_recipient", then: str = NO_DETAILS) -> Reply:
    """``reason`` (why nobody can receive it), ``then`` (that no details will be asked), the outside routes that fit
    and the council's own suggestion: all before a word of what happened is typed."""
    blocks = [Text(f"{reason} {then}")]
    routes = book.outside(reporter, about, concern, quoted)
    if routes:
        blocks.append(Text(outside_lines(routes)))
    suggestion = book.suggestion(reporter, about, concern)
    if suggestion:
        blocks.append(Text(suggestion))
    return Reply(tuple(blocks), meta={"kind": kind, "outside": ",".join(o.id for o in routes)})


def not_covered_reply(book: RoutingBook, *, reporter: str, about: str, concern: str) -> Reply:
    """The protocol is silent: say so, then the same as when nobody can receive it."""
    return no_recipient_reply(book, f"{NOT_COVERED} There is no one I can send a report to.", reporter=reporter,
                              about=about, concern=concern, kind="route_not_covered")
