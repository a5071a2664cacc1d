"""The roster (the Clerk): members, their roles and the platforms they are linked on (never their handles)."""

from __future__ import annotations

from aiohttp import web

from adapters.web.context import context_of, render, require


async def page(request: web.Request) -> web.StreamResponse:
    member = require(request, "roles")
    store = context_of(request).store
    members = await store.members.of_council(member.council)
    linked = await store.members.platforms_of(member.council)
    return render(request, "roster.html", members=members, linked=linked)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/clerk/roster", page)
