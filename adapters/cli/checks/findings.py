"""What a check found, and how it is said: one line each, with every secret masked.

Shared by every ``doctor`` check so that no line, whatever library error it quotes, ever carries a token, the
database password or the case key.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Literal

from bot.cases.keys import ENV_VAR as CASE_KEY_ENV
from bot.store import StoreError
from bot.store.database import database_url

Level = Literal["ok", "warning", "problem"]
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "TELEGRAM_BOT_TOKEN",
                    "TELEGRAM_WEBHOOK_SECRET", CASE_KEY_ENV)


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    check: str
    """What was checked, as the operator knows it: ``database``, ``case key``, ``council ledbury``, ``slack`` ..."""
    message: str

    def line(self) -> str:
        return f"{self.level:<8} {self.check}: {self.message}"


def ok(check: str, message: str) -> Finding:
    return Finding("ok", check, message)


def warning(check: str, message: str) -> Finding:
    return Finding("warning", check, message)


def problem(check: str, message: str) -> Finding:
    return Finding("problem", check, message)


def scrub(text: str) -> str:
    """``text`` with every configured secret (and the database password) replaced by ``***``: a library's own
    error message may echo a token (python-telegram-bot's InvalidToken does)."""
    secrets = [os.environ.get(name, "").strip() for name in SECRET_VARIABLES]
    with contextlib.suppress(StoreError):
        secrets.append(database_url().password or "")
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):  # "s" would garble all
        text = text.replace(secret, "***")
    return " ".join(text.split())


def reason(exc: BaseException) -> str:
    """The first line of what went wrong underneath (SQLAlchemy wraps the driver's error in ``orig``)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__
