"""Calls to the Bot API that survive flood control and a flaky network.

``429 Too Many Requests`` carries ``retry_after``: we wait exactly that long and try again (Telegram
counts early retries against us). Network errors and timeouts are retried with exponential backoff.
Errors that retrying cannot fix (``BadRequest``, ``Forbidden``: the person never started the bot) are
raised at once for the caller to handle.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 5
BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
MAX_WAIT_SECONDS = 300.0
"""A ``retry_after`` longer than this is not waited out inside one update; the error is raised."""

Sleep = Callable[[float], Awaitable[None]]


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` is an int in v21 and a timedelta (with a deprecation warning for ints) in v22."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def with_retries(call: Callable[[], Awaitable[T]], *, what: str, attempts: int = ATTEMPTS,
                       sleep: Sleep = asyncio.sleep) -> T:
    """Run ``call`` until it succeeds, waiting out flood control and backing off on network errors.

    ``what`` names the API method for the log; message content never reaches a log line.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            if attempt == attempts or wait > MAX_WAIT_SECONDS:
                raise
            log.info("%s: flood control, waiting %.1fs (attempt %d)", what, wait, attempt)
            await sleep(wait)
        except BadRequest:
            raise
        except NetworkError as error:  # includes TimedOut
            if attempt == attempts:
                raise
            wait = min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1))
            log.info("%s: %s, retrying in %.1fs (attempt %d)", what, type(error).__name__, wait, attempt)
            await sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")
