"""One message from the browser through ``Dialogue.handle``, and its replies as the page shows them.

The web is a private chat between the bot and the signed-in member (``chat_kind="dm"``), so flows, cases and
publishing behave as in a Slack DM. Replies addressed to anyone else (a case notice for a recipient who also uses
the web, say) are never shown here: the browser cannot push them, and they are not this person's to read.
Citations link to the clause's anchor on the protocol page.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from adapters.web.context import WebContext
from adapters.web.identity import PLATFORM, web_user
from bot.messages import Action, Attachment, Incoming, QuoteBlock, Reply, Typed
from bot.people import Member

_NOT_ANCHOR = re.compile(r"[^A-Za-z0-9._-]")


def anchor(clause_id: str) -> str:
    """A clause's stable anchor on the protocol page: its id without the council, made safe for a fragment
    (``ledbury:5.4`` -> ``clause-5.4``; ``ledbury:2.3.5~2`` -> ``clause-2.3.5_2``)."""
    _, _, local = clause_id.partition(":")
    return "clause-" + _NOT_ANCHOR.sub("_", local or clause_id)


@dataclass(frozen=True, slots=True)
class ShownBlock:
    kind: str
    """``text``, ``quote`` (protocol words with a citation) or ``typed`` (a person's words, shown quoted)."""
    text: str
    citation: str = ""
    href: str = ""


@dataclass(frozen=True, slots=True)
class ShownButton:
    label: str
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Shown:
    kind: str
    blocks: tuple[ShownBlock, ...]
    buttons: tuple[ShownButton, ...] = field(default=())


def shown(reply: Reply) -> Shown:
    blocks: list[ShownBlock] = []
    for block in reply.blocks:
        if isinstance(block, QuoteBlock):
            blocks.append(ShownBlock("quote", block.text, block.citation, f"/protocol#{anchor(block.clause_id)}"))
        elif isinstance(block, Typed):
            blocks.append(ShownBlock("typed", block.text))
        else:
            blocks.append(ShownBlock("text", block.text))
    buttons = tuple(ShownButton(b.label, b.action.name, b.action.value) for b in reply.buttons)
    return Shown(reply.kind, tuple(blocks), buttons)


def for_me(reply: Reply, user_id: str) -> bool:
    target = reply.target
    return target is None or (target.platform == PLATFORM and target.user_id in (None, user_id))


async def say(context: WebContext, member: Member, text: str = "", *, action: Action | None = None,
              attachment: Attachment | None = None, message_id: str | None = None) -> list[Reply]:
    """``message_id``: the form's own id, so a form sent twice (a reload, a double click) is answered once."""
    user = web_user(member.id)
    incoming = Incoming(platform=PLATFORM, user_id=user, chat_id=user, chat_kind="dm", text=text, action=action,
                        message_id=f"web:{message_id or uuid.uuid4().hex}"[:128], user_name=member.name,
                        attachment=attachment)
    return [r for r in await context.dialogue.handle(incoming) if for_me(r, user)]
