"""The ``submit`` step: seal the report as a case and tell its recipients, privately, that it exists.

Who receives it comes from the council's routing: the holder of the routed role, or, for a grievance and
for a route that would reach the very person the report is about (Ledbury 5.4 read literally), the body
the profile names under ``personnel`` with its own citation. Notices to recipients say only that a case
exists and where to read it, never what it says, and never go to anyone the case is about (the desk fixes the
recipients and records the subjects when it files the case).
"""

from __future__ import annotations

import logging

from bot.broadcasts.compose import to_json
from bot.broadcasts.settings import DELIVERY_PLATFORMS
from bot.cases.desk import CaseDesk, NoRecipients, Submission, recipients_for
from bot.cases.keyring import Keyring
from bot.cases.keys import CaseKeyError
from bot.context import Turn
from bot.flows.actions import book_for
from bot.flows.definition import END
from bot.flows.engine import ActionResult, FlowRun
from bot.messages import QuoteBlock, Reply, Target, Text, Visibility
from bot.routing import Route

log = logging.getLogger(__name__)
NOT_DELIVERED = "Nothing was sent, and what you typed has been deleted."
KEY_PROBLEM = ("Confidential reports are unavailable just now: the key that protects them is not set up correctly "
               "on this server. Nothing was sent or read. Please tell your Clerk or whoever runs this bot.")


def desk_for(turn: Turn) -> CaseDesk:
    desk = turn.services.extras.get("case_desk")
    if not isinstance(desk, CaseDesk):
        desk = CaseDesk(turn.store, Keyring(turn.services.qa.library.home))
        turn.services.extras["case_desk"] = desk
    return desk


def _delivery_route(run: FlowRun, council: str) -> tuple[Route | None, list[Reply]]:
    """The route a submitted case is delivered on, and any explanation of a change of recipient."""
    book = book_for(run.turn.services, council)
    answers = run.answers
    personnel = book.personnel()
    if run.flow.name == "grievance":
        return personnel, []
    route = book.route(answers.get("reporter", ""), answers.get("about", ""), answers.get("concern", ""))
    holder = book.holders(route)
    if route.covered and holder is not None and holder[0] != answers.get("about"):
        return route, []
    if personnel is None:
        return None, []
    why = ("The protocol sends this to the person it is about, so I will send your report instead to"
           if route.recipient_is_subject or (holder and holder[0] == answers.get("about"))
           else "The protocol names a procedure rather than a person, so I will send your report to")
    note = Reply((Text(f"{why} {personnel.recipient}:"),
                  *(QuoteBlock(p.clause.text, p.citation, p.clause.clause_id) for p in personnel.passages)),
                 meta={"kind": "route_alternative"})
    return personnel, [note]


async def submit_action(run: FlowRun) -> ActionResult:
    turn = run.turn
    council = turn.council or str(turn.conversation.state.get("council") or "") or None
    if council is None:
        return ActionResult([Reply((Text(f"I need to know your council first. {NOT_DELIVERED}"),))], next=END)
    route, notes = _delivery_route(run, council)
    book = book_for(turn.services, council)
    holder = book.holders(route) if route else None
    if route is None or holder is None:
        fallback = book.route("", "", "").fallback or ""
        return ActionResult([Reply((Text("Your council has not named anyone I can deliver this to. "
                                         f"{NOT_DELIVERED} {fallback}".strip()),), meta={"kind": "not_delivered"})],
                            next=END)
    about = run.answers.get("about", "")
    members = await turn.store.members.of_council(council)
    recipients = recipients_for(members, holder[0], holder[1], about)
    if not recipients:
        return ActionResult([Reply((Text(f"Nobody on your council's roster is recorded as {route.recipient} yet, so I "
                                         f"cannot deliver this. {NOT_DELIVERED} Please ask the Clerk to update the "
                                         "roster, or contact them directly."),), meta={"kind": "not_delivered"})],
                            next=END)
    answers = {**run.answers, **run.opened}
    desk = desk_for(turn)
    try:
        submitted = await desk.submit(Submission(
            council=council, flow=run.flow.name, about=about, recipient=route.recipient or "",
            recipients=recipients, reporter=turn.member,
            anonymous=answers.get("anonymous") == "yes" or turn.member is None,
            answers=answers))
    except NoRecipients:
        return ActionResult([Reply((Text(f"Everyone recorded as {route.recipient} is someone this is about, so I "
                                         f"cannot deliver it. {NOT_DELIVERED}"),), meta={"kind": "not_delivered"})],
                            next=END)
    except CaseKeyError as exc:
        log.error("confidential cases unavailable: %s", exc)
        return ActionResult([Reply((Text(f"{KEY_PROBLEM} What you typed has been deleted."),),
                                   meta={"kind": "not_delivered"})], next=END)
    case, recipients = submitted.case, submitted.recipients
    await turn.audit("case.submitted", ref=case.reference, person=False)
    text = (f"A confidential {run.flow.noun} ({case.reference}) has been sent to you through Protocol Bot. Read it "
            f"in a private chat with me: /cases {case.reference}")
    here = turn.incoming.platform
    notices: list[Reply] = []
    for member_id, platform, user_id in await turn.store.cases.identities([m.id for m in recipients]):
        if platform != here:
            continue  # other platforms: through the outbox, below
        notices.append(Reply((Text(text),), visibility=Visibility.DIRECT_MESSAGE,
                             target=Target(platform, user_id=user_id),
                             meta={"kind": "case_notice", "member_id": str(member_id)}))
        await turn.store.cases.mark_notified(case.id, member_id)
    elsewhere = [p for p in DELIVERY_PLATFORMS if p != here]
    if elsewhere:
        await turn.store.broadcasts.direct(council, to_json([Text(text)]), [m.id for m in recipients],
                                           platforms=elsewhere)
    names = ", ".join(m.name for m in recipients)
    receipt = Reply((Text(f"Sent to {route.recipient} ({names}). Your reference is {case.reference}."),
                     Text(f"Your receipt code, shown only this once: {submitted.receipt_code}\n"
                          "Keep it somewhere safe. With it you can check the status, add information or withdraw: "
                          "/case CODE, /case CODE add TEXT, /case CODE withdraw.")),
                    meta={"kind": "case_receipt", "reference": case.reference})
    return ActionResult([*notes, receipt, *notices])

