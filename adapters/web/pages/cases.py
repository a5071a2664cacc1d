"""Cases, for the people they were sent to: the list, one case, acknowledge, ask the reporter, close.

Everything goes through the dialogue's ``/cases`` (``bot.cases.recipients``), which decides who may read what:
only recipients, never a case's subject, never a case with a subject the member received before their web sign-in.
The list shows references, dates and states only, never content; a case's words appear only on its own page, in
the response to the recipient who opened it, and are never cached.
"""

from __future__ import annotations

import re

from aiohttp import web

from adapters.web.context import context_of, member_of, render
from adapters.web.identity import web_user
from adapters.web.turns import say, shown

REFERENCE = re.compile(r"^[A-Z0-9-]{3,32}$")
VERBS = {"ack": "ack", "ask": "ask", "close": "close"}


async def listing(request: web.Request) -> web.StreamResponse:
    member = member_of(request)
    context = context_of(request)
    mine = await context.store.cases.for_recipient(member.id, "web", web_user(member.id))
    return render(request, "cases.html", cases=mine)


def _reference(request: web.Request) -> str:
    reference = request.match_info["reference"].upper()
    if not REFERENCE.match(reference):
        raise web.HTTPNotFound(text="No case with that reference was sent to you.")
    return reference


async def _open(request: web.Request, reference: str) -> bool:
    """Whether the case is still open to act on (the forms are shown only then); read after the dialogue let the
    member read it, from the same list ``/cases`` uses."""
    member = member_of(request)
    mine = await context_of(request).store.cases.for_recipient(member.id, "web", web_user(member.id))
    return any(c.reference == reference and c.status == "open" for c in mine)


async def case(request: web.Request) -> web.StreamResponse:
    member = member_of(request)
    reference = _reference(request)
    replies = await say(context_of(request), member, f"/cases {reference}")
    readable = any(r.kind == "case_read" for r in replies)
    return render(request, "case.html", reference=reference, replies=[shown(r) for r in replies],
                  readable=readable and await _open(request, reference), status=200 if readable else 404)


async def act(request: web.Request) -> web.StreamResponse:
    member = member_of(request)
    reference = _reference(request)
    data = await request.post()
    verb = VERBS.get(str(data.get("verb", "")))
    if verb is None:
        raise web.HTTPBadRequest(text="Unknown action.")
    words = " ".join(str(data.get("text", "")).split())[:4000] if verb != "ack" else ""
    command = f"/cases {reference} {verb} {words}".strip()
    context = context_of(request)
    done = await say(context, member, command, message_id=str(data.get("form_id", "")) or None)
    again = await say(context, member, f"/cases {reference}")
    readable = any(r.kind == "case_read" for r in again)
    return render(request, "case.html", reference=reference, done=[shown(r) for r in done],
                  replies=[shown(r) for r in again], readable=readable and await _open(request, reference),
                  status=200 if readable else 404)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/cases", listing)
    app.router.add_get("/cases/{reference}", case)
    app.router.add_post("/cases/{reference}", act)
