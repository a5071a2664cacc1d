"""One platform slash command carrying everything (Slack's ``/protocol ...``) read as what the person meant.

- nothing -> ``/help``; ``/name args`` -> as typed (an unknown name is told how to list the commands);
- a command word alone (``help``, ``whoami``, ``publish``) -> that command;
- a command word and arguments -> that command with the arguments unchanged, when they are the kind it takes
  (``ARGUMENTS``: ``publish 2026-11 note``, ``council ledbury``, ``role add @x clerk``, ``case ABCD-...``), or,
  for a command whose arguments are free text (``FREE``), when the sender holds its permission (the Clerk's
  ``broadcast TEXT``, ``publish NOTE``);
- ``report`` / ``grievance`` alone -> the wish to report a concern or raise a grievance, so the dialogue makes its
  private offer exactly as it would for the same words typed in chat (a command of that name takes precedence);
- anything else is a question.

So a question that happens to start with a command word stays a question: ``help me understand who I report
bullying to`` (``/help`` takes no arguments), ``council tax question`` (not a council's name), ``publish the
minutes online?`` (not a version, and the sender may not publish). Text ending in ``?`` is always a question
(``ask`` apart): a question is never broadcast, and never starts a publication, because of its first word.
Where that overrides a command the sender could have meant, or a lone word is a near miss of a command name
(``ack``, ``pubish``), ``Reading.note`` says how to run the command; ``/protocol /name ...`` always does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from difflib import get_close_matches

from bot.cases.desk import looks_like_code
from bot.codes import ALPHABET, normalise
from bot.commands import Command, CommandTable, parse
from bot.linking import CODE_LENGTH
from bot.publish.chat import parse_args

COMMAND = "/protocol"
WISHES = {
    "report": "I want to report a concern",
    "concern": "I want to report a concern",
    "grievance": "I want to raise a grievance",
}
NEAR_MISS = 0.85
"""How alike (``difflib`` ratio) a lone word and a command name must be to suggest the command: ``ack`` -> acks,
``pubish`` -> publish; not ``rule`` -> role or ``stats`` -> start."""
_FIRST_WORD = re.compile(r"(\S+)(?:\s+(.*))?", re.DOTALL)
_REFERENCE = re.compile(r"^[A-Z]{3}-\d{4}-\d{4,}$", re.IGNORECASE)
"""A case reference as ``bot.cases.desk`` makes it: ``WEN-2026-0001``."""

Shape = Callable[[str, Collection[str]], bool]
"""Whether ``args`` (the councils known) are the kind of arguments a command takes."""


def _anything(_args: str, _councils: Collection[str]) -> bool:
    return True


def _free_text(_args: str, _councils: Collection[str]) -> bool:
    """No shape of its own (a notice to every member, a person's name): run only for someone who may (``FREE``)."""
    return False


def _council_name(args: str, councils: Collection[str]) -> bool:
    """A council, or one word close to one (``/council`` then says it does not know it, and offers the list)."""
    name = args.strip().lower()
    return name in councils or (" " not in name and bool(get_close_matches(name, list(councils), 1, NEAR_MISS)))


_ROLE_DECISION = re.compile(r"^(?:pending|(?:confirm|refuse)\s+\d+)$", re.IGNORECASE)
"""What the Chair sends about a change the Clerk asked for (``bot.roster_confirm``): the hint it is given,
``/protocol role confirm 3`` on Slack, must run, not be read as a question."""


def _role_change(args: str, _councils: Collection[str]) -> bool:
    return args.split(maxsplit=1)[0].lower() in ("add", "remove") or bool(_ROLE_DECISION.match(args.strip()))


def _version_first(args: str, _councils: Collection[str]) -> bool:
    return parse_args(args)[0] is not None


def _version_only(args: str, _councils: Collection[str]) -> bool:
    version, rest = parse_args(args)
    return version is not None and rest is None


def _link_code(args: str, _councils: Collection[str]) -> bool:
    code = normalise(args)
    return " " not in args.strip() and len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def _receipt_code_first(args: str, _councils: Collection[str]) -> bool:
    return looks_like_code(args.split(maxsplit=1)[0])


def _reference(args: str, _councils: Collection[str]) -> bool:
    return bool(_REFERENCE.match(args.strip()))


ARGUMENTS: dict[str, Shape] = {
    "ask": _anything,
    "council": _council_name,
    "role": _role_change,
    "publish": _version_first,
    "acks": _version_only,
    "broadcast": _free_text,
    "linkcode": _free_text,
    "link": _link_code,
    "case": _receipt_code_first,
    "cases": _reference,
}
"""Every command that takes arguments (``Command.usage``), by name; a test keeps it complete. A command missing
here is run from ``/protocol`` only alone or as ``/protocol /name ...``."""
FREE = frozenset({"publish", "broadcast", "linkcode"})
"""Commands whose arguments may be any text (``/publish``'s note without a version too): run for someone who
holds the command's permission, since only they could mean it."""


@dataclass(frozen=True, slots=True)
class Reading:
    text: str
    """What the dialogue reads."""
    note: str | None = None
    """Said to the person after the dialogue's replies: how to run a command they may have meant."""


def _split(typed: str) -> tuple[str, str]:
    found = _FIRST_WORD.fullmatch(typed)
    assert found is not None  # ``typed`` is stripped and not empty
    return found.group(1), found.group(2) or ""


def permission_asked(typed: str, commands: CommandTable) -> str | None:
    """The permission whose holding decides how ``typed`` is read (a ``FREE`` command with arguments), so the
    adapter looks the sender up only then."""
    typed = typed.strip()
    if not typed or typed.startswith("/"):
        return None
    word, rest = _split(typed)
    command = commands.get(word.lower())
    if command is None or not rest or command.name not in FREE:
        return None
    return command.permission


def read(typed: str, commands: CommandTable, *, councils: Collection[str] = (),
         holds: Collection[str] = ()) -> Reading:
    """``typed`` as the dialogue should read it; ``holds``: the permissions the sender holds (those asked for by
    ``permission_asked`` are enough)."""
    typed = typed.strip()
    if not typed:
        return Reading("/help")
    if typed.startswith("/"):
        named = parse(typed)
        if named is not None and commands.get(named[0]) is None:
            return Reading(typed, f"On Slack, {COMMAND} help lists my commands.")
        return Reading(typed)
    word, rest = _split(typed)
    name = word.lower()
    command = commands.get(name)
    if command is None:
        if not rest and name in WISHES:
            return Reading(WISHES[name])
        return Reading(typed, None if rest else _near_miss(name, commands))
    if not rest:
        return Reading(f"/{name}")
    if not command.usage:  # "help me understand ...": the command takes no arguments, so this is a question
        return Reading(typed)
    meant = _takes(command, rest, councils, holds)
    if meant and (name == "ask" or not rest.endswith("?")):
        return Reading(f"/{name} {rest}")
    if meant and (command.permission is None or command.permission in holds):
        return Reading(typed, f"I read that as a question because it ends with \"?\". To run /{name} with it, "
                              f"send {COMMAND} /{name} {command.usage}")
    return Reading(typed)


def _takes(command: Command, args: str, councils: Collection[str], holds: Collection[str]) -> bool:
    shape = ARGUMENTS.get(command.name, _free_text)
    held = command.name in FREE and command.permission is not None and command.permission in holds
    return shape(args, councils) or held


def _near_miss(word: str, commands: CommandTable) -> str | None:
    close = get_close_matches(word, [c.name for c in commands.all()], 1, NEAR_MISS)
    if not close:
        return None
    return (f"\"{word}\" is not one of my commands; did you mean {COMMAND} {close[0]}? "
            f"{COMMAND} help lists them all.")
