"""What a case's recipients are told as it changes, and how it reaches them.

A notice says what happened and where to read it, never what the case says: it may sit in a phone's lock-screen
preview. It goes to the case's recipients (fixed when it was filed) and never to anyone the case is about, nor to
any account one of them had when it was filed (``Cases.notice_targets``); the recipient who acted is not told of
their own act. Recipients on the platform the message came from get it with this turn's replies (a direct
message, as the notice of a new case does); on the other platforms it goes through the outbox, paced and retried
like a broadcast.

A reporter who gave their name is told privately, on the account they sent the report from (not whatever accounts
their roster entry has now: the Clerk could link one of hers to it), that a recipient asked them a question: that one
is waiting, never what it says nor which case (the account may be shared, the outbox is plain text, and only the
receipt code opens a case). Its outbox row names that account and no member or case; what remains is that a row
exists at the moment a question was asked, which says no more than the name the reporter chose to give the
recipients. An anonymous reporter is told nothing: the bot does not know who they are; they see questions, like the
outcome, when they check with their receipt code.
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


QUESTION_WAITING = ("A recipient of a confidential report you sent has asked you a question. To read and answer it, "
                    "send me /case followed by your receipt code, here in this private chat. (I cannot show it "
                    "without the code.)")


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


async def tell_reporter(turn: Turn, case: StoredCase, account: tuple[str, str] | None) -> tuple[list[Reply], bool]:
    """``QUESTION_WAITING`` for a named reporter, on the ``account`` the report was sent from: a direct message with
    this turn's replies when that is this platform, the outbox when a bot can write first there (Slack, Telegram).
    Whether they were told: never an anonymous one (``None``), nor where neither reaches them (they see the
    question when they check with their code)."""
    if account is None:
        return [], False
    platform, user_id = account
    if platform == turn.incoming.platform:
        return [Reply((Text(QUESTION_WAITING),), visibility=Visibility.DIRECT_MESSAGE,
                      target=Target(platform, user_id=user_id),
                      meta={"kind": "reporter_notice", "event": "asked"})], True
    if platform in DELIVERY_PLATFORMS:
        await turn.store.cases.queue_to_account(case.council, to_json([Text(QUESTION_WAITING)]), platform, user_id)
        return [], True
    return [], False
