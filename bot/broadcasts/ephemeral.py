"""Messages that carry a secret (a web sign-in code) keep it in the outbox only while it is on its way.

The outbox is the one place such a code is written in plain text (the web console keeps only its digest), and a
database backup or a reader of the table could otherwise sign in as its owner while it lasts. A block marked
``secret`` loses its words once no delivery of its message is outstanding (each one sent, or failed for good):
the outbox worker does it the moment it records the last one, in a single ``UPDATE`` that checks and writes, so
two platforms' workers finishing together cannot both leave it. The web console blanks a code that expired before
it could be delivered (``adapters/web/signin.py``), where nothing else would.

Candidate to move into ``bot/store/broadcasts.py``: it is the one place outside the store that writes a broadcast.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, update

from bot.store import Store
from bot.store.deliveries import PENDING, SENDING
from bot.store.models import BroadcastRow, DeliveryRow

SECRET = "forget_after_delivery"
"""The key that marks a content block (``compose.to_json``) whose words must not outlive delivery."""
DELIVERED = "(A one-time code was here; removed once delivered.)"

Content = list[dict[str, Any]]


def secret_content(content: Content) -> Content:
    return [{**item, SECRET: True} for item in content]


def holds_secret(content: Content) -> bool:
    return any(item.get(SECRET) for item in content)


def without_secrets(content: Content, replacement: str) -> Content:
    return [{"text": replacement} if item.get(SECRET) else item for item in content]


async def forget(store: Store, broadcast_id: int, content: Content, *, replacement: str = DELIVERED,
                 only_when_settled: bool = True) -> bool:
    """Blank the secret blocks of ``content`` (the broadcast's, as read); with ``only_when_settled``, only if no
    delivery of it is still pending or being sent. True when the row was written."""
    query = update(BroadcastRow).where(BroadcastRow.id == broadcast_id)
    if only_when_settled:
        query = query.where(~exists().where(DeliveryRow.broadcast_id == broadcast_id,
                                            DeliveryRow.status.in_([PENDING, SENDING])))
    async with store.database.sessions.begin() as session:
        result = await session.execute(query.values(content=without_secrets(content, replacement)))
    return bool(getattr(result, "rowcount", 0))
