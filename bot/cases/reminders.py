"""The reminder to a case's recipients when nobody has acknowledged it for a week.

Meant to run with the other periodic sweeps (``Dialogue.sweep``: at start and every few minutes while messages
arrive). Each case is reminded about once: the claim (``cases.reminded_at``) and the outbox rows are written in one
transaction by whichever worker gets there first. The reminder goes through the outbox to the platforms a bot can
write to first (Slack, Telegram), to the recipients only (never anyone the case is about), and says nothing of what
the case holds.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from bot.broadcasts.compose import to_json
from bot.broadcasts.settings import DELIVERY_PLATFORMS
from bot.cases import notices
from bot.messages import Text
from bot.store import Store

REMIND_AFTER = timedelta(days=7)


async def remind_unacknowledged(store: Store, *, now: datetime | None = None, after: timedelta = REMIND_AFTER,
                                platforms: Collection[str] = DELIVERY_PLATFORMS) -> list[str]:
    """Queue one reminder for every open case filed more than ``after`` ago that nobody has acknowledged; the
    references reminded about (each audited without content as ``case.reminded``)."""
    cutoff = (now or datetime.now(UTC)) - after
    reminded: list[str] = []
    for case in await store.cases.unacknowledged_since(cutoff):
        queued = await store.cases.remind(case, to_json([Text(notices.reminder(case))]), platforms)
        if queued is not None:
            await store.audit.record("case.reminded", council=case.council, ref=case.reference)
            reminded.append(case.reference)
    return reminded
