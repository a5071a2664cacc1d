"""Acknowledgements (the Clerk): per published version, who has acknowledged it, on which platform and when;
a reminder to those who have not; the same table as CSV. Only the Clerk's own council's broadcasts are found."""

from __future__ import annotations

import csv
import io

from aiohttp import web

from adapters.web.context import context_of, render, require
from bot.broadcasts.settings import DELIVERY_PLATFORMS
from bot.people import Member
from bot.store.broadcasts import Broadcast


async def _broadcast(request: web.Request, member: Member) -> Broadcast:
    """The broadcast named in the URL, if it is this council's; otherwise 404 (never another council's)."""
    wanted = request.match_info.get("broadcast", "")
    for broadcast in await context_of(request).store.broadcasts.needing_ack(member.council):
        if str(broadcast.id) == wanted:
            return broadcast
    raise web.HTTPNotFound(text="No such version here.")


def _label(broadcast: Broadcast) -> str:
    return f"Version {broadcast.version}" if broadcast.version else f"Notice {broadcast.id}"


async def overview(request: web.Request) -> web.StreamResponse:
    member = require(request, "broadcast")
    store = context_of(request).store
    rows = []
    for broadcast in await store.broadcasts.needing_ack(member.council):
        lines = await store.broadcasts.ack_lines(broadcast)
        done = sum(1 for line in lines if line.acknowledged_at)
        rows.append((broadcast, _label(broadcast), done, len(lines)))
    return render(request, "acks.html", rows=rows)


async def detail(request: web.Request) -> web.StreamResponse:
    member = require(request, "broadcast")
    broadcast = await _broadcast(request, member)
    lines = await context_of(request).store.broadcasts.ack_lines(broadcast)
    return render(request, "acks_detail.html", broadcast=broadcast, label=_label(broadcast), lines=lines,
                  reminded=request.query.get("reminded"))


async def remind(request: web.Request) -> web.StreamResponse:
    member = require(request, "broadcast")
    broadcast = await _broadcast(request, member)
    context = context_of(request)
    queued = await context.store.broadcasts.remind_now(broadcast, DELIVERY_PLATFORMS)
    await context.store.audit.record("broadcast.reminded", council=member.council, platform="web",
                                     member_id=member.id, ref=str(broadcast.id))
    raise web.HTTPSeeOther(f"/clerk/acks/{broadcast.id}?reminded={queued}")


async def export(request: web.Request) -> web.StreamResponse:
    member = require(request, "broadcast")
    broadcast = await _broadcast(request, member)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "roles", "acknowledged", "platform", "acknowledged_at_utc", "reached_on"])
    for line in await context_of(request).store.broadcasts.ack_lines(broadcast):
        writer.writerow([_cell(line.name), ", ".join(line.roles), "yes" if line.acknowledged_at else "no",
                         line.platform or "", line.acknowledged_at.isoformat(timespec="seconds")
                         if line.acknowledged_at else "", " ".join(line.reached_on)])
    name = f"acknowledgements-{member.council}-{broadcast.version or broadcast.id}.csv"
    return web.Response(text=out.getvalue(), content_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (a name typed as ``=HYPERLINK(...)``)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def add_routes(app: web.Application) -> None:
    app.router.add_get("/clerk/acks", overview)
    app.router.add_get("/clerk/acks/{broadcast}", detail)
    app.router.add_post("/clerk/acks/{broadcast}/remind", remind)
    app.router.add_get("/clerk/acks/{broadcast}/csv", export)
