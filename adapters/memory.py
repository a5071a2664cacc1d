"""An adapter with no platform: push a message, pop the replies. Scenario tests drive the real
``Dialogue`` through it, as errbot's TestBackend drives a real bot on in-memory queues.
"""

from __future__ import annotations

import uuid
from collections import deque

from bot.dialogue import Dialogue
from bot.messages import Action, ChatKind, Incoming, Reply


class MemoryAdapter:
    def __init__(self, dialogue: Dialogue, *, platform: str = "memory") -> None:
        self.dialogue = dialogue
        self.platform = platform
        self.outbox: deque[Reply] = deque()

    def message(self, text: str = "", *, user: str = "u1", chat: str | None = None, kind: ChatKind = "dm",
                action: Action | None = None, workspace: str | None = None, message_id: str | None = None,
                from_bot: bool = False) -> Incoming:
        """A delivery as a platform would make it; each gets a fresh message id unless one is given."""
        return Incoming(platform=self.platform, user_id=user, chat_id=chat or f"dm-{user}", chat_kind=kind,
                        text=text, action=action, workspace=workspace,
                        message_id=message_id or uuid.uuid4().hex, from_bot=from_bot)

    async def push(self, incoming: Incoming | str, *, user: str = "u1", chat: str | None = None,
                   kind: ChatKind = "dm", workspace: str | None = None) -> list[Reply]:
        """Deliver a message; its replies are returned and also queued for ``pop``."""
        if isinstance(incoming, str):
            incoming = self.message(incoming, user=user, chat=chat, kind=kind, workspace=workspace)
        replies = await self.dialogue.handle(incoming)
        self.outbox.extend(replies)
        return replies

    async def press(self, reply: Reply, label: str, *, user: str = "u1", chat: str | None = None,
                    kind: ChatKind = "dm") -> list[Reply]:
        """Press the button labelled ``label`` on an earlier reply."""
        button = next((b for b in reply.buttons if b.label == label), None)
        if button is None:
            raise LookupError(f"no button {label!r}; the reply has {[b.label for b in reply.buttons]}")
        return await self.push(self.message(action=button.action, user=user, chat=chat, kind=kind))

    def pop(self) -> Reply:
        return self.outbox.popleft()
