"""The python-telegram-bot ``Application`` for one dialogue, pointed at any Bot API server.

``PROTOCOL_BOT_TELEGRAM_API_URL`` moves the whole bot to another server (a local Bot API server, or the
fake one the tests run); python-telegram-bot appends the token to it, so the value ends in ``/bot``
(``https://api.telegram.org/bot``). A bare server address gets ``/bot`` added. Files (a Clerk's ``/publish``
document) are downloaded from the same server: ``.../bot`` becomes ``.../file/bot``, as Telegram lays it out.
The bot is a ``TolerantBot`` (``updates.py``): an update the library cannot parse is skipped, not retried forever.
"""

from __future__ import annotations

from telegram.ext import Application, ApplicationBuilder

from adapters.telegram.bridge import TelegramBridge
from adapters.telegram.updates import TolerantBot
from bot.dialogue import Dialogue

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
CONCURRENT_UPDATES = 16
"""Updates handled at once: one slow answer must not hold up everyone else (the dialogue is safe to run
concurrently: its store resolves two workers advancing one conversation)."""


def api_url(configured: str | None) -> str:
    """``https://host[:port][/prefix]`` -> the base python-telegram-bot appends the token to."""
    url = (configured or "").strip().rstrip("/") or DEFAULT_API_URL
    if "{token}" in url or url.endswith("/bot"):
        return url
    return f"{url}/bot"


def file_url(configured: str | None) -> str:
    """The file download base on the same server as ``api_url``: ``http://host:port/file/bot``."""
    url = api_url(configured)
    if url.endswith("/bot"):
        return f"{url[: -len('/bot')]}/file/bot"
    if "/bot{token}" in url:
        return url.replace("/bot{token}", "/file/bot{token}", 1)
    return DEFAULT_FILE_URL


def build_application(dialogue: Dialogue, token: str, *, base_url: str | None = None,
                      updater: bool = True) -> Application:  # type: ignore[type-arg]
    """An application with our handlers installed; ``updater=False`` for callers that feed updates themselves."""
    bot = TolerantBot(token, base_url=api_url(base_url), base_file_url=file_url(base_url))
    builder = ApplicationBuilder().bot(bot).concurrent_updates(CONCURRENT_UPDATES)
    if not updater:
        builder = builder.updater(None)
    app = builder.build()
    bridge = TelegramBridge(dialogue)
    bridge.install(app)
    app.bot_data["bridge"] = bridge
    return app


async def announce(app: Application) -> None:  # type: ignore[type-arg]
    """After ``initialize`` (which learns the bot's username): register the command menu."""
    bridge: TelegramBridge = app.bot_data["bridge"]
    await bridge.announce(app)
