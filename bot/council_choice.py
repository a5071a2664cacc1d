"""Which council a chat speaks for: bound in config, else the member's own, else asked once and remembered.

While the bot waits for the choice it keeps the question that prompted it, and answers it once the
council is known, so nobody has to type it twice.
"""

from __future__ import annotations

import re

from bot import answering
from bot.context import Turn
from bot.messages import Action, Button, Reply, say
from knowledge.errors import KnowledgeError

ACTION = "council"


def names(turn: Turn) -> dict[str, str]:
    """Slug -> the council's name as its protocol gives it ("Honiton Town Council"); the slug where unreadable."""
    sources = turn.services.qa.library.sources()
    found: dict[str, str] = {}
    for slug in turn.services.councils:
        try:
            found[slug] = sources[slug].meta().council_name or slug
        except (KeyError, KnowledgeError):
            found[slug] = slug
    return found


def which_council(turn: Turn) -> Reply:
    shown = names(turn)
    return say(f"Which council are you with? ({', '.join(f'{shown[c]} ({c})' if shown[c] != c else c for c in shown)})",
               buttons=tuple(Button(shown[c], Action(ACTION, c)) for c in shown), kind="ask_council")


async def ask(turn: Turn, *, pending: str | None = None) -> list[Reply]:
    state = dict(turn.conversation.state)
    if state.get("awaiting") != "council":
        state["awaiting"] = "council"
        if pending:
            state["pending"] = pending
        await turn.save(flow=turn.conversation.flow, state=state)
    return [which_council(turn)]


async def stop_asking(turn: Turn) -> None:
    """The chat already has a council and the person moved on: stop waiting for a choice."""
    state = {k: v for k, v in turn.conversation.state.items() if k not in ("awaiting", "pending")}
    await turn.save(flow=turn.conversation.flow, state=state)


_GENERIC = re.compile(r"\b(?:the|town|parish|city|community|council)\b")


def _plain(text: str) -> str:
    return " ".join(_GENERIC.sub(" ", text.lower().replace("-", " ")).split())


def match(turn: Turn, text: str) -> str | None:
    """A slug ("honiton"), the council's name ("Honiton Town Council") or the name without its kind ("Honiton")."""
    choice = text.strip().lower()
    if choice in turn.services.councils:
        return choice
    wanted = _plain(choice)
    found = [slug for slug, name in names(turn).items() if wanted and wanted in (_plain(name), _plain(slug))]
    return found[0] if len(found) == 1 else None


async def choose(turn: Turn, council: str) -> list[Reply]:
    """Remember the choice for this chat; refuse to override a binding the council configured."""
    if council not in turn.services.councils:
        return [which_council(turn)]
    incoming = turn.incoming
    if not await turn.store.bindings.remember(incoming.platform, incoming.chat_id, council,
                                                 workspace=incoming.workspace):
        return [say(f"This chat is set to {turn.council} by the council's configuration; "
                    "please ask the Clerk to change it.", kind="refusal")]
    state = dict(turn.conversation.state)
    pending = state.pop("pending", None)
    state.pop("awaiting", None)
    await turn.save(flow=turn.conversation.flow, state=state)
    await turn.audit("council.chosen", ref=council)
    turn.council = council
    replies = [say(f"Council: {names(turn).get(council, council)}. Ask away.", kind="council")]
    if pending:
        replies += await answering.answer(turn, pending)
    return replies
