"""Reading updates one at a time, so one the library cannot parse is skipped instead of jamming the bot.

python-telegram-bot parses a whole ``getUpdates`` answer at once: one update it cannot read (Telegram's own
documented ``/start`` example lacks ``from.is_bot``) fails the batch, the poller never confirms it (the offset
stays put) and asks again at once, forever, logging the whole answer, message text and all, every time. Here
each update is parsed on its own; one that fails becomes an empty ``Update`` with its id, which no handler takes
but which moves the offset past it. The log names only its ``update_id`` and the error's type. The webhook
(``webhook.py``) reads its posts through the same ``parse_update``.
"""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import ExtBot
from telegram.request import BaseRequest, HTTPXRequest

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
DEFAULT: Any = BaseRequest.DEFAULT_NONE
"""The library's "not given" for a timeout (the request's own default applies)."""
POOL_SIZE = 256
"""Connections for ordinary calls (as ``ApplicationBuilder`` gives them); long polling needs one."""


def parse_update(data: JSONDict, bot: ExtBot[Any]) -> Update:
    """The update, or, when the library cannot read it, an empty one carrying only its ``update_id``."""
    try:
        update = Update.de_json(data, bot)
    except Exception as error:  # any shape the library refuses: the update is skipped, never retried
        update_id = data.get("update_id")
        log.warning("skipped update %s: it could not be read (%s)", update_id, type(error).__name__)
        update = Update(update_id if isinstance(update_id, int) else 0)
        update.set_bot(bot)
    bot.insert_callback_data(update)
    return update


class TolerantBot(ExtBot[None]):
    """``ExtBot`` whose ``get_updates`` skips what it cannot parse (see the module docstring)."""

    def __init__(self, token: str, *, base_url: str, base_file_url: str) -> None:
        self._polling = HTTPXRequest(connection_pool_size=1)
        super().__init__(token, base_url=base_url, base_file_url=base_file_url,
                         request=HTTPXRequest(connection_pool_size=POOL_SIZE), get_updates_request=self._polling)

    async def get_updates(self, offset: int | None = None, limit: int | None = None,
                          timeout: float | dtm.timedelta | None = None,
                          allowed_updates: Sequence[str] | None = None, *, read_timeout: Any = DEFAULT,
                          write_timeout: Any = DEFAULT, connect_timeout: Any = DEFAULT, pool_timeout: Any = DEFAULT,
                          api_kwargs: JSONDict | None = None) -> tuple[Update, ...]:
        data: JSONDict = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        seconds = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else float(timeout or 0)
        base = read_timeout if isinstance(read_timeout, (int, float)) else self._polling.read_timeout
        result = await self._post("getUpdates", data, read_timeout=(base or 0) + seconds,
                                  write_timeout=write_timeout, connect_timeout=connect_timeout,
                                  pool_timeout=pool_timeout, api_kwargs=api_kwargs)
        return tuple(parse_update(item, self) for item in result if isinstance(item, dict))
