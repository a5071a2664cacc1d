"""Refusals and missing pages as GOV.UK pages (a Clerk should never meet a bare "403: Forbidden").

Inside the session middleware, so the page knows who is signed in; the words are ours (the exception's own text
for a refusal we raised, a fixed sentence otherwise), never anything from the request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.web.context import render

TITLES = {400: "There is a problem", 403: "You cannot see this page", 404: "Page not found",
          405: "There is a problem", 413: "That file is too large", 429: "Too many attempts"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.status not in TITLES:
            raise
        ours = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else ""
        message = ours or ("Check the address, or go back to the start page." if exc.status == 404 else
                           "Please go back and try again.")
        return render(request, "error.html", status=exc.status, heading=TITLES[exc.status], message=message)
