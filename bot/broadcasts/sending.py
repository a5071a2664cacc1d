"""The seam between the outbox and a platform: ``await sender.send(recipient, reply) -> platform message id``.

    DeliveryError
    ├── RetryAfter   the platform asked us to wait (HTTP 429 ``Retry-After`` / Telegram ``retry_after``)
    ├── Transient    worth another try later (5xx, timeouts, dropped connections)
    └── Permanent    will never work (blocked the bot, left the workspace, no such chat); reported to the Clerk

Each platform's sender lives with its adapter (``adapters/slack/sender.py``, ``adapters/telegram/sender.py``);
``MemorySender`` is a platform in memory for tests and the terminal, scriptable to fail.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Protocol

from bot.messages import Reply


class DeliveryError(Exception):
    """Base of every error a sender raises on purpose; ``kind`` is stored (never message text)."""

    kind = "error"

    def __init__(self, kind: str | None = None) -> None:
        super().__init__(kind or self.kind)
        if kind:
            self.kind = kind


class RetryAfter(DeliveryError):
    kind = "rate_limited"

    def __init__(self, seconds: float, kind: str | None = None) -> None:
        super().__init__(kind)
        self.seconds = max(0.0, seconds)


class Transient(DeliveryError):
    kind = "transient"


class Permanent(DeliveryError):
    kind = "permanent"


class Sender(Protocol):
    platform: str

    async def send(self, recipient: str, reply: Reply) -> str:
        """Deliver ``reply`` to a person (their platform user id) or a chat; the platform's message id back."""
        ...

    async def close(self) -> None:
        ...


@dataclass
class MemorySender:
    """A platform in memory: records what it accepted; ``fail`` scripts errors, per recipient or for anyone."""

    platform: str = "memory"
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    script: dict[str | None, deque[DeliveryError]] = field(default_factory=lambda: defaultdict(deque))
    attempts: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail(self, error: DeliveryError, *, recipient: str | None = None, times: int = 1) -> None:
        self.script[recipient].extend([error] * times)

    async def send(self, recipient: str, reply: Reply) -> str:
        self.attempts += 1
        for key in (recipient, None):
            if self.script.get(key):
                raise self.script[key].popleft()
        self.sent.append((recipient, reply))
        return f"{self.platform}-{next(self._ids)}"

    async def close(self) -> None:
        return None

    def to(self, recipient: str) -> list[Reply]:
        return [reply for who, reply in self.sent if who == recipient]
