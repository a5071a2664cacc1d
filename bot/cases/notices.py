"""What a case's recipients are told as it changes, and how it reaches them.

A notice says what happened and where to read it, never what the case says: it may sit in a phone's lock-screen
preview. It goes to the case's recipients (fixed when it was filed) and never to anyone the case is about, nor to
any account one of them had when it was filed (``Cases.notice_targets``); the recipient who acted is not told of
their own act. Recipients on the platform the message came from get it with this turn's replies (a direct
message, as the notice of a new case does); on the other platforms it goes through the outbox, paced and retried
like a broadcast. The reporter is never sent anything: the bot does not know who they are, so they see questions
and the outcome when they check with their receipt code.
"""

from __future__ import annotations

from bot.broadcasts.compose import to_json
from bot.broadcasts.settings import DELIVERY_PLATFORMS
from bot.context import Turn
from bot.messages import Reply, Target, Text, Visibility
from bot.people import Member
from bot.store.cases import StoredCase


def read_it(reference: str) -> str:
    return f"Read it in a private chat with me: /cases {reference}"


def added(reference: str) -> str:
    return f"The reporter added information to the confidential case {reference}. {read_it(reference)}"


def answered(reference: str) -> str:
    return f"The reporter answered a question on the confidential case {reference}. {read_it(reference)}"


def withdrawn(reference: str) -> str:
    return (f"The reporter withdrew the confidential case {reference}. Its details are no longer shown, and will "
            "be deleted after the retention period.")


def acknowledged(reference: str, by: Member) -> str:
    return f"{by.name} acknowledged the confidential case {reference}."


def asked(reference: str, by: Member) -> str:
    return f"{by.name} asked the reporter a question on the confidential case {reference}. {read_it(reference)}"


def closed(reference: str, by: Member) -> str:
    return f"{by.name} closed the confidential case {reference} with an outcome. {read_it(reference)}"


def reminder(case: StoredCase) -> str:
    return (f"Reminder: the confidential case {case.reference}, sent to you on {case.created_at:%d %B %Y}, has not "
            f"been acknowledged yet. {read_it(case.reference)}, then acknowledge it with /cases {case.reference} "
            "ack (the reporter sees that it was).")


async def tell_recipients(turn: Turn, case: StoredCase, text: str, *, event: str,
                          actor: Member | None = None) -> list[Reply]:
    """Direct messages for recipients on this platform (returned, to go out with the turn's replies) and outbox
    rows for the others; ``actor``: the recipient who acted, left out."""
    here = turn.incoming.platform
    leave_out = {actor.id} if actor is not None else set()
    notices = [Reply((Text(text),), visibility=Visibility.DIRECT_MESSAGE, target=Target(here, user_id=user_id),
                     meta={"kind": "case_notice", "event": event, "member_id": str(member_id)})
               for member_id, _, user_id in await turn.store.cases.notice_targets(case.id, [here])
               if member_id not in leave_out]
    elsewhere = [p for p in DELIVERY_PLATFORMS if p != here]
    if elsewhere:
        await turn.store.cases.queue_notice(case.id, case.council, to_json([Text(text)]), elsewhere,
                                            exclude=leave_out)
    return notices
