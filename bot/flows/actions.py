"""What the ``action`` steps of a flow do: route a concern, quote the grievance procedure.

Every sentence here that says what the protocol says is a quote with its citation; the only words of
our own are the framing ("Your council's protocol says ...") and fallbacks labelled as not from the
protocol.
"""

from __future__ import annotations

from bot.context import Services
from bot.flows.definition import END
from bot.flows.engine import ActionResult, FlowAction, FlowRun
from bot.messages import QuoteBlock, Reply, Text
from bot.routing import NOT_COVERED, Route, RoutingBook, load_book
from knowledge.citation import cite

PROTECTIONS_QUERY = "officers can expect not to be bullied, harassed or put under undue pressure by councillors"


def _council(run: FlowRun) -> str | None:
    return run.turn.council or str(run.turn.conversation.state.get("council") or "") or None


def book_for(services: Services, council: str) -> RoutingBook:
    """One book per council's live index, checked against it the first time it is used; a newly published
    version (the library swaps its index) gets a fresh book, so routes never quote a replaced text."""
    books: dict[str, RoutingBook] = services.extras.setdefault("routing_books", {})
    library = services.qa.library
    index = library.council(council)
    if council not in books or books[council].index is not index:
        books[council] = load_book(council, index, services.profile(council), library.home)
    return books[council]


def route_reply(route: Route) -> Reply:
    if not route.covered:
        return Reply((Text(f"{NOT_COVERED} {route.fallback or ''}".strip()),), meta={"kind": "route_not_covered"})
    who = f"{route.recipient} ({route.person})" if route.person else route.recipient
    blocks: list[Text | QuoteBlock] = [Text(f"Your council's protocol says this goes first to {who}:")]
    blocks += [QuoteBlock(p.clause.text, p.citation, p.clause.clause_id) for p in route.passages]
    if route.next_steps:
        blocks.append(Text("If that does not resolve it, the protocol says:"))
        blocks += [Text(f'"{step}"') for step in route.next_steps]
    if route.recipient_is_subject:
        blocks.append(Text("Read literally, the protocol sends this to the person it is about. A report sent "
                           "through me is never delivered to the person it concerns."))
    return Reply(tuple(blocks), meta={"kind": "route"})


async def route_action(run: FlowRun) -> ActionResult:
    council = _council(run)
    if council is None:
        return ActionResult([Reply((Text("I need to know your council first: type /council."),))], next=END)
    answers = run.answers
    route = book_for(run.turn.services, council).route(answers.get("reporter", ""), answers.get("about", ""),
                                              answers.get("concern", ""))
    reply = route_reply(route)
    if not route.covered:
        return ActionResult([reply], next=END)
    return ActionResult([reply], answers={"recipient": route.recipient or "", "rule": route.rule_id or ""})


async def procedure_action(run: FlowRun) -> ActionResult:
    """The council's procedure for officers, and the protections the protocol gives them, quoted."""
    council = _council(run)
    if council is None:
        return ActionResult([Reply((Text("I need to know your council first: type /council."),))], next=END)
    turn = run.turn
    route = book_for(turn.services, council).route("officer", "councillor", "relationship_breakdown")
    replies: list[Reply] = []
    if route.covered:
        replies.append(route_reply(route))
    else:
        replies.append(Reply((Text("Your council's protocol does not set out a grievance procedure. "
                                   f"{route.fallback or ''}".strip()),), meta={"kind": "route_not_covered"}))
    index = turn.services.qa.library.council(council)
    found = turn.services.qa.library.ask(council, PROTECTIONS_QUERY, role="officer", k=1)
    if found.hits and not found.abstain:
        clause = found.hits[0].clause
        replies.append(Reply((Text("What the protocol promises officers:"),
                              QuoteBlock(clause.text, cite(clause, index.meta), clause.clause_id)),
                             meta={"kind": "protections"}))
    return ActionResult(replies)


def default_actions(submit: FlowAction | None = None) -> dict[str, FlowAction]:
    actions: dict[str, FlowAction] = {"route": route_action, "procedure": procedure_action}
    if submit is not None:
        actions["submit"] = submit
    return actions


