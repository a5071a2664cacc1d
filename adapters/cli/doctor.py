"""``protocol-bot doctor``: everything a deployment needs, checked in one go, each with what to do about it.

A council's IT volunteer should not have to start the bot and read a traceback to learn that a token was revoked
or the case key is missing. Each check prints one line, ``ok``, ``warning`` (works, but worth knowing; the bot
mends some of these itself at its next start) or ``problem`` (the bot will not work until someone acts), and the
exit code is 1 when any problem was found, so a deploy script can stop on it.

Doctor changes nothing: no migration, no key created or recorded, no index built (those are ``db upgrade``,
``keys init`` and ``index``, or the next ``chat`` / ``serve`` start). Platform checks run only for the platforms
whose tokens are set, through the same clients and start-up checks the adapters use. Secrets (tokens, the
database password, the case key) are never printed, even inside an error a library raised.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.cli.checks.councils import councils
from adapters.cli.checks.database import database_and_key
from adapters.cli.checks.findings import Finding, problem, scrub
from adapters.cli.checks.home import home_finding
from adapters.cli.checks.platforms import slack, telegram


async def _guarded(check: str, run: Callable[[], Awaitable[list[Finding]]]) -> list[Finding]:
    """One check failing in a way nobody foresaw is that check's problem, not the end of the others."""
    try:
        return await run()
    except Exception as exc:  # reported, and the other checks still run
        return [problem(check, f"the check itself failed ({type(exc).__name__}: {scrub(str(exc))})")]


async def diagnose() -> list[Finding]:
    async def local() -> list[Finding]:
        return await asyncio.to_thread(councils)

    found = [home_finding()]
    found += await _guarded("database", database_and_key)
    found += await _guarded("councils", local)
    found += await _guarded("slack", slack)
    found += await _guarded("telegram", telegram)
    return found


def cmd_doctor(args: argparse.Namespace) -> int:
    found = asyncio.run(diagnose())
    for finding in found:
        print(finding.line())
    problems = sum(f.level == "problem" for f in found)
    warnings = sum(f.level == "warning" for f in found)
    print(f"{problems} problem{'s' if problems != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
          file=sys.stderr)
    return 1 if problems else 0


def add_parser(sub: Any) -> None:
    sub.add_parser("doctor", help="check the database, case key, councils and platform tokens; print what to fix"
                   ).set_defaults(func=cmd_doctor)
