"""A reply Slack would not take (429s past the retries, 5xx, a dropped connection) goes to the outbox.

The client waits out ``Retry-After`` three times (``client.py``); after that the reply would be lost with only a
log line. Instead it is queued as a one-off ``Broadcasts.direct`` to the person on Slack: the outbox worker
(``bot.broadcasts.worker``, run beside the app by ``runner.py``) retries it, paced and durable across restarts,
and it arrives in their DM with the app, after a line saying it answers an earlier message.

What may be written to the outbox is limited to the bot's ordinary replies (``CONTENT_KINDS``: answers, help,
command results). Anything else (a step of a report, a case receipt, a person's own words) must never leave the
case store, so for those only a content-free note is queued, asking the person to send their message again.

Someone on no council's roster (anyone in a bound channel may ask) is queued for by their Slack user id alone,
as an announcement channel is: a one-off addressed to no council (``NO_COUNCIL``), so no member is added to it, and
the outbox's Slack sender posts it to that user id, which Slack delivers in their DM with the app.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.broadcasts.compose import to_json
from bot.messages import Block, Reply, Text, Typed
from bot.store import Store, StoreError

log = logging.getLogger(__name__)
PLATFORM = "slack"
CONTENT_KINDS = frozenset({"answer", "help", "whoami", "council", "roles", "roster", "usage", "refusal",
                           "unknown_command", "slash_note", "acks", "broadcast_queued", "too_long", "rate_limited",
                           "feedback", "text"})
LEAD = "My reply to your earlier message (Slack was too busy to take it then):"
NO_COUNCIL = ""
"""The council of a one-off to someone on no roster: no member belongs to it, so nobody but that person is queued."""
RESEND = ("I couldn't deliver my reply to your earlier message (Slack was too busy to take it). Please send it "
          "again.")


class Handover:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def later(self, reply: Reply, user: str) -> bool:
        """Queue ``reply`` for ``user`` (a Slack user id); whether it was queued."""
        try:
            content = to_json(list(_content(reply)))
            member = await self.store.members.by_identity(PLATFORM, user)
            if member is not None:
                await self.store.broadcasts.direct(member.council, content, [member.id], platforms=(PLATFORM,))
            else:
                await self.store.broadcasts.create(NO_COUNCIL, "direct", content, platforms=(PLATFORM,),
                                                   channels=[(PLATFORM, user)])
        except (StoreError, SQLAlchemyError, OSError) as error:
            log.warning("slack: a %s reply was lost: the outbox did not take it (%s)", reply.kind or "text",
                        type(error).__name__)
            return False
        log.info("slack: a %s reply was handed to the outbox", reply.kind or "text")
        return True


def _content(reply: Reply) -> tuple[Block, ...]:
    if reply.kind in CONTENT_KINDS and not any(isinstance(b, Typed) for b in reply.blocks):
        return (Text(LEAD), *reply.blocks)
    return (Text(RESEND),)
