"""Where flows plug into the dialogue. The flow engine (config/flows/*.yaml) registers handlers here.

A conversation whose ``flow`` names a registered handler sends each message to it first; the handler
returns ``None`` for messages it does not take (a question asked mid-flow), which are then dispatched as
usual and the flow resumes with the next message. ``start`` saves the flow's state itself. A handler with a
``timeout`` (a ``timedelta``) has its unfinished conversations deleted once they are older (``Dialogue.sweep``);
one with ``expired_notice()`` says it when the person next writes.
"""

from __future__ import annotations

from typing import Protocol

from bot.context import Turn
from bot.messages import Reply


class FlowHandler(Protocol):
    name: str
    title: str
    """What the offer button says: "Report a concern"."""

    async def start(self, turn: Turn) -> list[Reply]: ...

    async def step(self, turn: Turn) -> list[Reply] | None: ...

    async def reprompt(self, turn: Turn) -> list[Reply]:
        """The current step again, after a message the flow handed back (a question) was dealt with."""
        ...


class FlowRegistry:
    def __init__(self, handlers: list[FlowHandler] | None = None) -> None:
        self._handlers: dict[str, FlowHandler] = {}
        for handler in handlers or []:
            self.register(handler)

    def register(self, handler: FlowHandler) -> None:
        if handler.name in self._handlers:
            raise ValueError(f"flow {handler.name!r} is registered twice")
        self._handlers[handler.name] = handler

    def get(self, name: str | None) -> FlowHandler | None:
        return self._handlers.get(name) if name else None

    def all(self) -> list[FlowHandler]:
        return list(self._handlers.values())
