"""What a platform's "home" screen shows a person (Slack's App Home tab): what the bot does, which council
it answers for here, who it takes them to be, and the commands.

A read only: nothing is written and nothing is audited, since opening a tab is not a message. Platform
adapters add their own "how to reach me" lines around it.
"""

from __future__ import annotations

from bot.dialogue import Dialogue
from bot.messages import Reply, Text

ABOUT = ("I answer questions about your council's Member/Officer Protocol by quoting its own words, with a "
         "citation you can check. When the protocol does not cover something I say so and name who to ask. "
         "Reporting a concern or raising a grievance always happens in private.")


async def summary(dialogue: Dialogue, *, platform: str, user_id: str, chat_id: str = "",
                  workspace: str | None = None) -> Reply:
    store = dialogue.store
    member = await store.members.by_identity(platform, user_id)
    council = await store.bindings.resolve(platform, chat_id, workspace) or (member.council if member else None)
    if member is not None:
        you = f"You are {member.describe()}."
    else:
        you = "You are not on a council roster, so I answer without a role. Your Clerk can add you."
    here = (f"Council: {council}." if council else
            "Council: not set yet. I will ask which council you mean the first time you ask me something.")
    commands = "\n".join(f"/{c.name}{' ' + c.usage if c.usage else ''} - {c.help}" for c in dialogue.commands.all())
    return Reply((Text(ABOUT), Text(f"{here}\n{you}"), Text(f"Commands:\n{commands}")),
                 meta={"kind": "home", "council": council or ""})
