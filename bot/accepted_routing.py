"""This worker learns, from the database, the routing of reports about the Clerk that was last accepted.

Each process remembers the accepted routing (``bot.clerk_recipients.remember``) at its syncs and at the
confirmations it handles itself. With several workers on one PostgreSQL database, a routing change the Chair
confirmed in one worker would otherwise reach the others only at their next start: meanwhile they would route
reports about the Clerk, and say who receives them, by the routing that was replaced. So every step that shows or
uses that route reads the accepted routing first (one indexed row).
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from pydantic import ValidationError

from bot.clerk_recipients import remember
from bot.store import Store
from config.routing import ClerkRouting


async def learn(store: Store, council: str, source: Path | None) -> None:
    """Remember what the database holds as ``council``'s accepted routing for the profile at ``source``; nothing
    when none is stored yet (the council's first sync accepts the file's) or it can no longer be read (an older
    schema: the next sync accepts the file's)."""
    accepted = await store.clerk_routings.accepted(council)
    if accepted is None:
        return
    with suppress(ValidationError):
        remember(council, source, ClerkRouting.model_validate(accepted.routing))
