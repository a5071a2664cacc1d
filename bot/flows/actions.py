"""What the ``action`` steps of a flow do: route a concern, quote the grievance procedure.

Every sentence here that says what the protocol says is a quote with its citation; the only words of
our own are the framing ("Your council's protocol says ...") and routes labelled as not from the
protocol. Whether anyone can receive a report is settled here, before its details are asked for
(``bot.flows.delivery``).
"""

from __future__ import annotations

from bot.accepted_routing import learn
from bot.context import Services
from bot.flows.definition import END
from bot.flows.delivery import GRIEVANCE, plan, reporter_of
from bot.flows.engine import ActionResult, FlowAction, FlowRun
from bot.flows.outside import no_recipient_reply, not_covered_reply, quoted_text
from bot.messages import QuoteBlock, Reply, Text
from bot.routing import Route, RoutingBook, load_book
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
    """What the protocol says about a covered route: the recipient, the clauses quoted, what comes next."""
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
    reporter, about, concern = answers.get("reporter", ""), answers.get("about", ""), answers.get("concern", "")
    book = book_for(run.turn.services, council)
    await learn(run.turn.store, council, book.written.source)  # another worker may have had a change confirmed
    route = book.route(reporter, about, concern)
    if not route.covered:
        return ActionResult([not_covered_reply(book, reporter=reporter, about=about, concern=concern)], next=END)
    reply = route_reply(route)
    delivery = await plan(run.turn, book, run.flow.name, answers)
    if not delivery.possible:
        stop = no_recipient_reply(book, delivery.reason or "", reporter=reporter, about=about, concern=concern,
                                  quoted=quoted_text(route))
        return ActionResult([reply, stop], next=END)
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
    else:  # who to turn to instead depends on who it is about: said after that is asked (``recipient_action``)
        replies.append(Reply((Text("Your council's protocol does not set out a grievance procedure."),),
                             meta={"kind": "route_not_covered"}))
    index = turn.services.qa.library.council(council)
    found = turn.services.qa.library.ask(council, PROTECTIONS_QUERY, role="officer", k=1)
    if found.hits and not found.abstain:
        clause = found.hits[0].clause
        replies.append(Reply((Text("What the protocol promises officers:"),
                              QuoteBlock(clause.text, cite(clause, index.meta), clause.clause_id)),
                             meta={"kind": "protections"}))
    return ActionResult(replies)


async def recipient_action(run: FlowRun) -> ActionResult:
    """A grievance, once it is known who it is about: if nobody can receive it, say so before the details are asked
    for, with the routes that are not from the protocol; otherwise carry on."""
    council = _council(run)
    if council is None:
        return ActionResult([Reply((Text("I need to know your council first: type /council."),))], next=END)
    book = book_for(run.turn.services, council)
    delivery = await plan(run.turn, book, GRIEVANCE, run.answers)
    if delivery.possible:
        return ActionResult([])
    reporter, about = reporter_of(run.turn, GRIEVANCE, run.answers), run.answers.get("about", "")
    procedure = book.route("officer", "councillor", "relationship_breakdown")
    # a grievance is a complaint about how someone behaved towards you: "conduct" picks its outside routes
    stop = no_recipient_reply(book, delivery.reason or "", reporter=reporter, about=about, concern="conduct",
                              quoted=quoted_text(procedure))
    return ActionResult([stop], next=END)


def default_actions(submit: FlowAction | None = None) -> dict[str, FlowAction]:
    actions: dict[str, FlowAction] = {"route": route_action, "procedure": procedure_action,
                                      "recipient": recipient_action}
    if submit is not None:
        actions["submit"] = submit
    return actions


