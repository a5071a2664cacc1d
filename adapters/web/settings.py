"""What a deployment sets for the web console, read from the environment once at start.

``PROTOCOL_BOT_WEB_URL``: the address people open (sign-in links are printed with it).
``PROTOCOL_BOT_WEB_SECURE_COOKIES``: ``1`` behind TLS (the default when the URL starts ``https://``): cookies are
then sent over HTTPS only. ``PROTOCOL_BOT_WEB_SESSION_HOURS``: how long a signed-in session lasts unused (8).
``PROTOCOL_BOT_WEB_SESSION_MAX_HOURS``: how long it lasts at all, however busy (24): the idle limit already ends
ordinary use overnight, so the cap costs a Clerk almost nothing and bounds what a stolen cookie kept busy is worth.
``PROTOCOL_BOT_WEB_TRUSTED_PROXIES``: the reverse proxies (addresses or CIDRs, comma-separated) whose
``X-Forwarded-For`` is believed (``proxies.py``); empty by default, so no header can choose the address.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from adapters.web.proxies import Network

URL_ENV = "PROTOCOL_BOT_WEB_URL"
SECURE_ENV = "PROTOCOL_BOT_WEB_SECURE_COOKIES"
HOURS_ENV = "PROTOCOL_BOT_WEB_SESSION_HOURS"
MAX_HOURS_ENV = "PROTOCOL_BOT_WEB_SESSION_MAX_HOURS"
PROXIES_ENV = "PROTOCOL_BOT_WEB_TRUSTED_PROXIES"
DEFAULT_URL = "http://localhost:8080"


class SettingError(ValueError):
    """A setting that must not be guessed at (a trusted proxy): the console refuses to start and says which."""


@dataclass(frozen=True, slots=True)
class WebSettings:
    base_url: str = DEFAULT_URL
    secure_cookies: bool = False
    session_for: timedelta = timedelta(hours=8)
    """How long a session lasts unused (each request pushes its end on)."""
    session_at_most: timedelta = timedelta(hours=24)
    """How long a session lasts from sign-in whatever its use; then the person signs in again."""
    code_for: timedelta = timedelta(minutes=10)
    """How long a sign-in code sent to a chat stays usable."""
    link_for: timedelta = timedelta(hours=24)
    """How long a printed sign-in link stays usable."""
    trusted_proxies: tuple[Network, ...] = ()
    """Proxies whose ``X-Forwarded-For`` names the client; none by default."""


def _flag(raw: str) -> bool | None:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def _hours(raw: str, default: float) -> timedelta:
    try:
        hours = float(raw or default)
    except ValueError:
        hours = default
    return timedelta(hours=max(hours, 0.1))


def networks(raw: str) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/16, ::1"``: each an address or a network; a typo is refused, never skipped (a
    proxy silently not trusted would count every visitor as one address, and lock them all out together)."""
    found: list[Network] = []
    for item in raw.replace(";", ",").split(","):
        if item.strip():
            try:
                found.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise SettingError(f"{PROXIES_ENV}: {item.strip()!r} is neither an address nor a network "
                                   "(e.g. 10.0.0.5 or 10.0.0.0/24).") from None
    return tuple(found)


def from_env(environ: Mapping[str, str] | None = None) -> WebSettings:
    env: Mapping[str, str] = os.environ if environ is None else environ
    url = env.get(URL_ENV, "").strip().rstrip("/") or DEFAULT_URL
    secure = _flag(env.get(SECURE_ENV, ""))
    return WebSettings(base_url=url, secure_cookies=url.startswith("https://") if secure is None else secure,
                       session_for=_hours(env.get(HOURS_ENV, ""), 8),
                       session_at_most=_hours(env.get(MAX_HOURS_ENV, ""), 24),
                       trusted_proxies=networks(env.get(PROXIES_ENV, "")))
