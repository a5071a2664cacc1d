"""The aiohttp application: middlewares, static files and each page's routes. No state of its own beyond the
``WebContext``; the dialogue, store and library are the caller's, started and closed by them (``runner.py``)."""

from __future__ import annotations

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


def make_context(dialogue: Dialogue, settings: WebSettings) -> WebContext:
    store = dialogue.store
    return WebContext(dialogue=dialogue, settings=settings,
                      sessions=Sessions(store.database.sessions, signed_in_for=settings.session_for),
                      signin=SignIn(store, code_for=settings.code_for, link_for=settings.link_for),
                      templates=templates())


def web_app(dialogue: Dialogue, settings: WebSettings | None = None) -> web.Application:
    app = web.Application(middlewares=[security.headers, security.sessions, errors.pages, security.csrf],
                          client_max_size=MAX_BODY)
    app[CONTEXT] = make_context(dialogue, settings or WebSettings())
    app.router.add_static("/static/", STATIC, append_version=False)
    for page in (home, signin, ask, protocol, cases, publish, clerk_acks, clerk_asked, clerk_roster):
        page.add_routes(app)
    return app
