"""Signing in and out: a code sent to the member's linked chat, or a link printed for the first Clerk.

Asking for a code always gets the same answer, whether or not the name is on a roster with a linked chat, so the
page tells nobody who is who. A printed link is opened with a GET that only shows a button: the POST behind it
spends the link, so a mail scanner or link preview fetching the URL cannot use it up or sign anyone in.
"""

from __future__ import annotations

from aiohttp import web

from adapters.web.context import Visitor, WebContext, context_of, render, visitor_of
from adapters.web.identity import PLATFORM, web_user
from adapters.web.security import set_cookie

TOO_MANY = "Too many attempts from this connection. Please wait an hour and try again, or ask your Clerk."
WRONG = "That code is not right, or it has expired. Check the message and try again, or ask for a new code."


def _address(request: web.Request) -> str:
    """The client's; behind a trusted proxy, the one the proxy forwarded (``security.forwarded``), never a header
    sent by anyone else."""
    return request.remote or "unknown"


async def _councils(context: WebContext) -> list[tuple[str, str]]:
    library = context.dialogue.services.qa.library
    return [(slug, library.council(slug).meta.council_name) for slug in context.dialogue.services.councils]


async def form(request: web.Request) -> web.StreamResponse:
    if visitor_of(request).member is not None:
        raise web.HTTPSeeOther("/")
    return render(request, "signin.html", councils=await _councils(context_of(request)))


async def request_code(request: web.Request) -> web.StreamResponse:
    context, visitor = context_of(request), visitor_of(request)
    data = await request.post()
    council, name = str(data.get("council", "")), " ".join(str(data.get("name", "")).split()).casefold()
    councils = await _councils(context)
    if council not in dict(councils) or not name:
        return render(request, "signin.html", councils=councils, status=400, chosen=council,
                      error="Choose your council and type your name as it is on the council's roster.")
    if not await context.signin.address_allowed(_address(request)):
        return render(request, "signin.html", councils=councils, status=429, error=TOO_MANY)
    member = next((m for m in await context.store.members.of_council(council) if m.name.casefold() == name), None)
    if member is not None:
        await context.signin.send_code(member)
    await context.sessions.await_code(visitor.session.id_hash, member.id if member else None)
    raise web.HTTPSeeOther("/sign-in/code")


async def code_form(request: web.Request) -> web.StreamResponse:
    return render(request, "signin_code.html")


async def take_code(request: web.Request) -> web.StreamResponse:
    context, visitor = context_of(request), visitor_of(request)
    data = await request.post()
    typed = str(data.get("code", ""))[:40]
    if not await context.signin.address_allowed(_address(request)):
        return render(request, "signin_code.html", status=429, error=TOO_MANY)
    pending = visitor.session.pending_member_id
    if pending is None or not await context.signin.take_code(pending, typed):
        await context.store.audit.record("web.code_refused", platform=PLATFORM)
        return render(request, "signin_code.html", status=400, error=WRONG)
    return await _signed_in(request, context, visitor, pending)


async def link_form(request: web.Request) -> web.StreamResponse:
    return render(request, "signin_link.html", token=request.match_info["token"])


async def take_link(request: web.Request) -> web.StreamResponse:
    context, visitor = context_of(request), visitor_of(request)
    if not await context.signin.address_allowed(_address(request)):
        return render(request, "signin_link.html", status=429, error=TOO_MANY, token="")
    member_id = await context.signin.take_link(request.match_info["token"][:100])
    if member_id is None:
        return render(request, "signin_link.html", status=400, token="",
                      error="This sign-in link has been used or has expired. Ask for a new one.")
    return await _signed_in(request, context, visitor, member_id)


async def _signed_in(request: web.Request, context: WebContext, visitor: Visitor, member_id: int) -> web.Response:
    member = await context.store.members.get(member_id)
    if member is None:
        return render(request, "signin_code.html", status=400, error=WRONG)
    # reads what the accounts that vouched for it may read
    await context.store.links.attach_vouched(member.id, PLATFORM, web_user(member.id))
    token, _ = await context.sessions.sign_in(visitor.session, member.id)  # a new id: no fixation
    await context.store.audit.record("web.signed_in", council=member.council, platform=PLATFORM,
                                     user_id=web_user(member.id), member_id=member.id)
    response = web.HTTPSeeOther("/")
    set_cookie(request, response, token)
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    context, visitor = context_of(request), visitor_of(request)
    await context.sessions.end(visitor.session.id_hash)
    response = web.HTTPSeeOther("/sign-in")
    response.del_cookie("pb_session", path="/")
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/sign-in", form)
    app.router.add_post("/sign-in", request_code)
    app.router.add_get("/sign-in/code", code_form)
    app.router.add_post("/sign-in/code", take_code)
    app.router.add_get("/login/{token}", link_form)
    app.router.add_post("/login/{token}", take_link)
    app.router.add_post("/sign-out", sign_out)
