"""What a deployment sets for the web console, read from the environment once at start.

``PROTOCOL_BOT_WEB_URL``: the address people open (sign-in links are printed with it).
``PROTOCOL_BOT_WEB_SECURE_COOKIES``: ``1`` behind TLS (the default when the URL starts ``https://``): cookies are
then sent over HTTPS only. ``PROTOCOL_BOT_WEB_SESSION_HOURS``: how long a signed-in session lasts unused (8).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

URL_ENV = "PROTOCOL_BOT_WEB_URL"
SECURE_ENV = "PROTOCOL_BOT_WEB_SECURE_COOKIES"
HOURS_ENV = "PROTOCOL_BOT_WEB_SESSION_HOURS"
DEFAULT_URL = "http://localhost:8080"


@dataclass(frozen=True, slots=True)
class WebSettings:
    base_url: str = DEFAULT_URL
    secure_cookies: bool = False
    session_for: timedelta = timedelta(hours=8)
    code_for: timedelta = timedelta(minutes=10)
    """How long a sign-in code sent to a chat stays usable."""
    link_for: timedelta = timedelta(hours=24)
    """How long a printed sign-in link stays usable."""


def _flag(raw: str) -> bool | None:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def from_env(environ: Mapping[str, str] | None = None) -> WebSettings:
    env: Mapping[str, str] = os.environ if environ is None else environ
    url = env.get(URL_ENV, "").strip().rstrip("/") or DEFAULT_URL
    secure = _flag(env.get(SECURE_ENV, ""))
    try:
        hours = float(env.get(HOURS_ENV, "") or 8)
    except ValueError:
        hours = 8.0
    return WebSettings(base_url=url, secure_cookies=url.startswith("https://") if secure is None else secure,
                       session_for=timedelta(hours=max(hours, 0.1)))
