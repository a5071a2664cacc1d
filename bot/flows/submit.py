"""The ``submit`` step: seal the report as a case and tell its recipients, privately, that it exists.

Who receives it comes from the council's routing (``bot.flows.delivery``, the same decision the route step
made before asking for details): the holder of the routed role, or, for a grievance and for a route that would
reach the very person the report is about (Ledbury 5.4 read literally), the body the profile names under
``personnel`` where its own clauses cover the case. Notices to recipients say only that a case
exists and where to read it, never what it says, and never go to anyone the case is about (the desk fixes the
recipients and records the subjects when it files the case).
"""

from __future__ import annotations

import logging

from bot.accepted_routing import learn
from bot.broadcasts.compose import to_json
from bot.broadcasts.settings import DELIVERY_PLATFORMS
from bot.cases.desk import CaseDesk, NoRecipients, Submission
from bot.cases.keyring import Keyring
from bot.cases.keys import CaseKeyError
from bot.context import Turn
from bot.flows.actions import book_for
from bot.flows.definition import END
from bot.flows.delivery import plan, reporter_of
from bot.flows.engine import ActionResult, FlowRun
from bot.flows.outside import no_recipient_reply, quoted_text
from bot.messages import Reply, Target, Text, Visibility

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


async def submit_action(run: FlowRun) -> ActionResult:
    turn = run.turn
    council = turn.council or str(turn.conversation.state.get("council") or "") or None
    if council is None:
        return ActionResult([Reply((Text(f"I need to know your council first. {NOT_DELIVERED}"),))], next=END)
    book = book_for(turn.services, council)
    await learn(turn.store, council, book.written.source)  # another worker may have had a change confirmed
    delivery = await plan(turn, book, run.flow.name, run.answers)
    route, notes, recipients = delivery.route, list(delivery.notes), delivery.recipients
    about = run.answers.get("about", "")
    if route is None or not delivery.possible:  # the route step checked this; the roster changed since
        stop = no_recipient_reply(book, delivery.reason or "", then=NOT_DELIVERED,
                                  reporter=reporter_of(turn, run.flow.name, run.answers), about=about,
                                  concern=run.answers.get("concern") or "conduct", quoted=quoted_text(route),
                                  kind="not_delivered")
        return ActionResult([stop], next=END)
    answers = {**run.answers, **run.opened}
    desk = desk_for(turn)
    try:
        submitted = await desk.submit(Submission(
            council=council, flow=run.flow.name, about=about, recipient=route.recipient or "",
            recipients=recipients, reporter=turn.member,
            anonymous=answers.get("anonymous") == "yes" or turn.member is None,
            answers=answers, account=(turn.incoming.platform, turn.incoming.user_id)))
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
                          "/case CODE (its status and any question from the recipients), /case CODE reply ANSWER, "
                          "/case CODE add TEXT, /case CODE withdraw.")),
                    meta={"kind": "case_receipt", "reference": case.reference})
    return ActionResult([*notes, receipt, *notices])

