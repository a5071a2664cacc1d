"""The broadcast outbox worker inside ``protocol-bot serve --telegram``: a background task beside polling or the
webhook, delivering over Telegram only (``TelegramSender``; another platform's rows are left for its own worker).

Stopping sets the worker's stop event, so sends in flight finish and are recorded before the store closes; a
worker that does not finish within ``STOP_SECONDS`` is cancelled (its in-flight rows stay claimed and are sent
again after their lease, as after a crash). With SQLite only one outbox worker may hold the database: when
another does (``protocol-bot outbox``, a second ``serve``), this one says so once, serves updates as usual and
tries again now and then, taking over when the other stops. A worker that fails is restarted the same way.
"""

from __future__ import annotations

import asyncio
import logging

from adapters.telegram.sender import TelegramSender
from bot.broadcasts.worker import OutboxBusy, OutboxWorker, WorkerOptions
from bot.store import Store

log = logging.getLogger(__name__)

OUTBOX_ENV = "PROTOCOL_BOT_TELEGRAM_OUTBOX"
"""``0`` (or ``false``, ``no``, ``off``): run no outbox worker in ``serve`` (``protocol-bot outbox`` delivers)."""
STOP_SECONDS = 15.0
RETRY_SECONDS = 60.0


def outbox_enabled(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("0", "false", "no", "off")


class Outbox:
    def __init__(self, store: Store, token: str, *, base_url: str | None = None,
                 options: WorkerOptions | None = None, retry_seconds: float = RETRY_SECONDS) -> None:
        self.store = store
        self.sender = TelegramSender(token, base_url=base_url)
        self.options = options
        self.retry_seconds = retry_seconds
        self.worker: OutboxWorker | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="telegram-outbox")

    async def stop(self, *, timeout: float = STOP_SECONDS) -> None:
        """Ask the worker to finish what is in flight, wait for it (then cancel it), and close the sender."""
        self._stop.set()
        try:
            if self._task is not None:
                try:
                    await asyncio.wait_for(self._task, timeout)
                except TimeoutError:
                    log.warning("the Telegram outbox did not stop within %.0fs; its in-flight sends are retried "
                                "after their lease", timeout)
                except Exception as error:  # already logged by _run; never let shutdown fail on it
                    log.warning("the Telegram outbox ended with %s", type(error).__name__)
        finally:
            await self.sender.close()

    async def _run(self) -> None:
        told_busy = False
        while not self._stop.is_set():
            self.worker = OutboxWorker(self.store, {"telegram": self.sender}, options=self.options)
            try:
                await self.worker.run(self._stop)
                return
            except OutboxBusy:
                if not told_busy:
                    log.warning("another outbox worker holds this SQLite database; it delivers broadcasts, and "
                                "this process takes over if it stops (set %s=0 to stop trying)", OUTBOX_ENV)
                    told_busy = True
            except Exception as error:  # the outbox must not take the bot down; log the kind, never content
                log.error("the Telegram outbox failed (%s); restarting in %.0fs", type(error).__name__,
                          self.retry_seconds)
            try:
                await asyncio.wait_for(self._stop.wait(), self.retry_seconds)
            except TimeoutError:
                continue
