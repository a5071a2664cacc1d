"""What every page handler reaches: the dialogue and store, sessions, sign-in, templates, and who is asking.

``WebContext`` is kept on the aiohttp application; ``Visitor`` on each request once the session is read. The
browser's identity towards the dialogue is ``web`` / ``m<member id>`` (``identity.py``), attached at sign-in and put
back after a restart re-synced the roster (the session proves who it is; its barring was recorded at sign-in).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from adapters.web.identity import PLATFORM, web_user
from adapters.web.sessions import Sessions, WebSession
from adapters.web.settings import WebSettings
from adapters.web.signin import SignIn
from bot.dialogue import Dialogue
from bot.people import Member, can
from bot.store import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class WebContext:
    dialogue: Dialogue
    settings: WebSettings
    sessions: Sessions
    signin: SignIn
    templates: jinja2.Environment
    jobs: dict[str, Any] = field(default_factory=dict)
    """Publications running in the background, by a random id (``pages/publish.py``)."""
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def store(self) -> Store:
        return self.dialogue.store

    @property
    def home(self) -> Path:
        return self.dialogue.services.qa.library.home


@dataclass(frozen=True, slots=True)
class Visitor:
    session: WebSession
    member: Member | None

    @property
    def user_id(self) -> str:
        assert self.member is not None
        return web_user(self.member.id)


def templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"]),
                             trim_blocks=True, lstrip_blocks=True)
    env.globals["form_id"] = lambda: uuid.uuid4().hex  # each form's message id: sent twice, answered once
    return env


CONTEXT: web.AppKey[WebContext] = web.AppKey("protocol_bot_web", WebContext)
VISITOR: web.RequestKey[Visitor] = web.RequestKey("protocol_bot_visitor", Visitor)


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]


def visitor_of(request: web.Request) -> Visitor:
    return request[VISITOR]


def member_of(request: web.Request) -> Member:
    member = visitor_of(request).member
    if member is None:
        raise web.HTTPSeeOther("/sign-in")
    return member


def may(request: web.Request, member: Member, action: str) -> bool:
    profile = context_of(request).dialogue.services.profile(member.council)
    return can(member, action, deputy_clerk_administers=profile.deputy_clerk_administers)


def require(request: web.Request, action: str) -> Member:
    """The signed-in member if they hold ``action`` (``bot.people.PERMISSIONS``); else 403, as chat refuses."""
    member = member_of(request)
    if not may(request, member, action):
        raise web.HTTPForbidden(text="You do not have permission to see this page.")
    return member


async def ensure_identity(context: WebContext, member: Member) -> None:
    """The web account back on the member after a restart's roster sync removed it (a plain link, no barring:
    the session was signed in before and the barring happened then)."""
    user = web_user(member.id)
    if await context.store.links.owner(PLATFORM, user) != member.id:
        await context.store.members.link(member.id, PLATFORM, user)


def render(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    context = context_of(request)
    visitor = request.get(VISITOR)
    member = visitor.member if visitor else None
    clerk = member is not None and may(request, member, "publish")
    html = context.templates.get_template(template).render(
        csrf=visitor.session.csrf if visitor else "", member=member, clerk=clerk, path=request.path, **values)
    return web.Response(text=html, content_type="text/html", status=status)
