"""The aiohttp application: middlewares, static files and each page's routes. No state of its own beyond the
``WebContext``; the dialogue, store and library are the caller's, started and closed by them (``runner.py``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from adapters.web import errors, security
from adapters.web.context import CONTEXT, WebContext, templates
from adapters.web.pages import ask, cases, clerk_acks, clerk_asked, clerk_roster, home, protocol, publish, signin
from adapters.web.sessions import Sessions
from adapters.web.settings import WebSettings
from adapters.web.signin import SignIn
from bot.dialogue import Dialogue

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = 2 * 1024 * 1024
"""A protocol upload is refused past 1 MB (``pages/publish.py``); the form around it needs a little more."""
FORGET_EVERY = 60.0
"""Seconds between sweeps of expired sign-in codes out of the outbox (``SignIn.forget_codes``)."""
log = logging.getLogger(__name__)


def make_context(dialogue: Dialogue, settings: WebSettings) -> WebContext:
    store = dialogue.store
    return WebContext(dialogue=dialogue, settings=settings,
                      sessions=Sessions(store.database.sessions, signed_in_for=settings.session_for,
                                        at_most=settings.session_at_most),
                      signin=SignIn(store, code_for=settings.code_for, link_for=settings.link_for),
                      templates=templates())


def web_app(dialogue: Dialogue, settings: WebSettings | None = None) -> web.Application:
    app = web.Application(middlewares=[security.forwarded, security.headers, security.sessions, errors.pages,
                                       security.csrf], client_max_size=MAX_BODY)
    app[CONTEXT] = make_context(dialogue, settings or WebSettings())
    app.router.add_static("/static/", STATIC, append_version=False)
    for page in (home, signin, ask, protocol, cases, publish, clerk_acks, clerk_asked, clerk_roster):
        page.add_routes(app)
    app.cleanup_ctx.append(forgetting_codes)
    return app


async def forgetting_codes(app: web.Application) -> AsyncIterator[None]:
    """While the console runs, a sign-in code that expired undelivered leaves the outbox within a minute, even
    when nobody signs in (the sweep also runs as each code is sent). A failed sweep is tried again next time."""
    async def sweep() -> None:
        while True:
            try:
                await app[CONTEXT].signin.forget_codes()
            except Exception as error:
                log.warning("expired sign-in codes could not be removed from the outbox (%s)", type(error).__name__)
            await asyncio.sleep(FORGET_EVERY)

    task = asyncio.create_task(sweep(), name="web-forget-codes")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
