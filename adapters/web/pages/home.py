"""The start page (what you can do here) and ``/healthz`` (the only page that needs no sign-in)."""

from __future__ import annotations

from aiohttp import web

from adapters.web.context import context_of, member_of, render


async def home(request: web.Request) -> web.StreamResponse:
    member = member_of(request)
    council = context_of(request).dialogue.services.qa.library.council(member.council).meta.council_name
    return render(request, "home.html", council_name=council)


async def healthz(_request: web.Request) -> web.StreamResponse:
    return web.json_response({"ok": True})


async def favicon(_request: web.Request) -> web.StreamResponse:
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/favicon.ico", favicon)
