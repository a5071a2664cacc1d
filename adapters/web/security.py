"""Middlewares: the client's address behind a trusted proxy, security headers, the session behind the cookie,
sign-in required, CSRF on every form.

Only ``/healthz``, the static files and the sign-in pages answer without signing in. Every POST must carry the
session's CSRF token (synchroniser token, compared in constant time); SameSite=Lax cookies already keep most
cross-site posts out, the token keeps the rest. Nothing here logs a form field.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web

from adapters.web.context import VISITOR, Visitor, context_of, ensure_identity
from adapters.web.proxies import client_address

COOKIE = "pb_session"
PUBLIC_PREFIXES = ("/static/", "/sign-in", "/login/")
PUBLIC = {"/healthz", "/favicon.ico"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def set_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    secure = context_of(request).settings.secure_cookies
    response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", secure=secure, path="/")


@web.middleware
async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``request.remote`` becomes the client's address when a trusted proxy forwarded the request (aiohttp's
    ``clone(remote=...)``, meant for this); from anyone else ``X-Forwarded-For`` is ignored."""
    proxies = context_of(request).settings.trusted_proxies
    if proxies:
        client = client_address(request.remote, request.headers.getall(hdrs.X_FORWARDED_FOR, []), proxies)
        if client is not None and client != request.remote:
            request = request.clone(remote=client)
    return await handler(request)


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _secure(response, request)
        raise
    _secure(response, request)
    return response


def _secure(response: web.StreamResponse, request: web.Request) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")  # a receipt code must not sit in a cache
    if context_of(request).settings.secure_cookies:  # behind TLS: browsers keep to HTTPS from now on
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")


@web.middleware
async def sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read the session (starting an anonymous one when there is none), then require sign-in off the public
    paths. A member removed from the roster since signing in is signed out."""
    if request.path == "/healthz" or request.path.startswith("/static/"):
        return await handler(request)
    context = context_of(request)
    token = request.cookies.get(COOKIE, "")
    session = await context.sessions.get(token)
    fresh: str | None = None
    if session is None:
        fresh, session = await context.sessions.start()
    member = None
    if session.member_id is not None:
        member = await context.store.members.get(session.member_id)
        if member is None:
            await context.sessions.end(session.id_hash)
            fresh, session = await context.sessions.start()
        else:
            await ensure_identity(context, member)
    request[VISITOR] = Visitor(session, member)
    if member is None and not is_public(request.path):
        response: web.StreamResponse = web.HTTPSeeOther("/sign-in")
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
    if fresh is not None and COOKIE not in response.cookies:  # a sign-in sets its own, rotated cookie
        set_cookie(request, response, fresh)
    if isinstance(response, web.HTTPException) and response.status >= 300:
        raise response
    return response


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return await handler(request)
    visitor = request.get(VISITOR)
    form = await request.post()
    sent = form.get("csrf")
    if not isinstance(visitor, Visitor) or not isinstance(sent, str) or not secrets.compare_digest(
            sent.encode(), visitor.session.csrf.encode()):
        raise web.HTTPForbidden(text="This form has expired or did not come from this site. Go back, reload the "
                                     "page and try again.")
    return await handler(request)
