"""One platform slash command carrying everything (Slack's ``/protocol ...``) read as what the person meant.

- nothing, or a single word naming a command (``help``, ``whoami``, ``council``) -> that command;
- ``report`` / ``grievance`` -> the wish to report a concern or raise a grievance, so the dialogue makes its
  private offer exactly as it would for the same words typed in chat (a command of that name, once a flow
  registers one, takes precedence);
- ``/name args`` -> as typed; anything else is a question.

Only single words become commands: ``/protocol council members may ...`` is a question, not a switch.
"""

from __future__ import annotations

from bot.commands import CommandTable

WISHES = {
    "report": "I want to report a concern",
    "concern": "I want to report a concern",
    "grievance": "I want to raise a grievance",
}


def as_text(args: str, commands: CommandTable) -> str:
    args = args.strip()
    if not args:
        return "/help"
    if args.startswith("/"):
        return args
    word = args.lower()
    if " " not in word:
        if commands.get(word) is not None:
            return f"/{word}"
        if word in WISHES:
            return WISHES[word]
    return args
