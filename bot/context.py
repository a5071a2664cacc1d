"""What a handler needs to answer one message: who sent it, for which council, and the services.

Handlers (commands, button actions, flows) receive a ``Turn`` rather than the ``Dialogue`` so features can
be added without reaching into the dispatcher.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from bot.intent import ReportIntent
from bot.messages import Block, Button, Incoming, Reply, Target, Text, Visibility
from bot.people import Member, can
from bot.qa import QaService
from bot.store import Conversation, Store, StoreError
from config.councils import CouncilProfile

if TYPE_CHECKING:
    from bot.commands import CommandTable

log = logging.getLogger(__name__)


@dataclass
class Services:
    qa: QaService
    store: Store
    councils: list[str]
    commands: CommandTable
    extras: dict[str, Any] = field(default_factory=dict)
    """Room for later features (routing, cases, broadcasts) without widening every signature."""
    report_intent: ReportIntent = field(init=False)
    """Whether a message wants the report offer: the learned decision needs the question encoder (``bot.intent``)."""

    def __post_init__(self) -> None:
        self.report_intent = ReportIntent.for_service(self.qa)

    def profile(self, council: str) -> CouncilProfile:
        return self.qa.profile(council)

    async def sender_holds(self, platform: str, user_id: str, permission: str) -> bool:
        """Whether whoever sent a message holds ``permission``, asked by adapters before the dialogue sees it
        (before fetching a file; before reading a slash command's words as a command). A database that does not
        answer means no: the message is then handled as the harmless thing (no file, a question)."""
        try:
            member = await self.store.members.by_identity(platform, user_id)
        except (StoreError, SQLAlchemyError, OSError) as exc:
            log.warning("could not look up a sender's permission: %s", type(exc).__name__)
            return False
        if member is None:
            return False
        return can(member, permission, deputy_clerk_administers=self.profile(member.council).deputy_clerk_administers)


@dataclass
class Turn:
    incoming: Incoming
    services: Services
    member: Member | None
    council: str | None
    conversation: Conversation

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def in_private(self) -> bool:
        return self.incoming.chat_kind == "dm"

    def privately(self, text: str, **kwargs: Any) -> Reply:
        """A reply only the sender sees: in their DM when the message came from a group."""
        return self.privately_blocks((Text(text),), **kwargs)

    def privately_blocks(self, blocks: tuple[Block, ...], *, buttons: tuple[Button, ...] = (),
                         kind: str = "text") -> Reply:
        if self.in_private:
            return Reply(blocks, buttons, meta={"kind": kind})
        target = Target(self.incoming.platform, user_id=self.incoming.user_id)
        return Reply(blocks, buttons, Visibility.DIRECT_MESSAGE, target, {"kind": kind})

    async def save(self, *, flow: str | None = None, state: dict[str, Any] | None = None) -> None:
        """Write the conversation (optimistic lock: raises ``ConcurrentUpdate`` if another worker did first)."""
        self.conversation = await self.store.conversations.advance(
            self.conversation, flow=flow, state=state if state is not None else {})

    async def audit(self, event: str, *, ref: str | None = None, person: bool = True) -> None:
        """``person=False``: the event is recorded without who did it (their platform, user id and member id), as
        every event of a confidential report is: the audit trail must never say who reported what."""
        if not person:
            await self.store.audit.record(event, council=self.council, ref=ref)
            return
        await self.store.audit.record(event, council=self.council, platform=self.incoming.platform,
                                      user_id=self.incoming.user_id,
                                      member_id=self.member.id if self.member else None, ref=ref)
