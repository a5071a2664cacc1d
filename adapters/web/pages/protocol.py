"""The council's protocol: the live text clause by clause (each with a stable anchor that answers' citations link
to), its versions, and any two versions side by side with the changed words marked.

Only the signed-in member's own council is ever read: no page takes a council from the URL. A version the member
has not acknowledged yet is offered for acknowledgement at the top, through the dialogue's own Acknowledge.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from adapters.web.context import context_of, member_of, render
from adapters.web.turns import anchor
from adapters.web.worddiff import Piece, sides
from bot.broadcasts.compose import ACK
from knowledge.clauses import Clause
from knowledge.diff import diff_clauses
from knowledge.errors import KnowledgeError
from knowledge.versions import VersionInfo, source_of, versions


@dataclass(frozen=True, slots=True)
class ClauseView:
    anchor: str
    number: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    clauses: list[ClauseView]


@dataclass(frozen=True, slots=True)
class ChangeView:
    kind: str
    label: str
    old: list[Piece]
    new: list[Piece]
    anchor: str


def sections(clauses: list[Clause]) -> list[Section]:
    """Consecutive clauses under one heading path make one section (a heading printed once)."""
    found: list[Section] = []
    for clause in clauses:
        view = ClauseView(anchor(clause.clause_id), clause.number or "", clause.title or "", clause.text)
        if found and found[-1].heading == clause.heading:
            found[-1].clauses.append(view)
        else:
            found.append(Section(clause.heading, [view]))
    return found


async def _version_clauses(request: web.Request, council: str, version: str) -> list[Clause]:
    home = context_of(request).home
    try:
        document = await asyncio.to_thread(lambda: source_of(home, council, version).parse())
    except KnowledgeError as exc:
        raise web.HTTPNotFound(text="No such version of your council's protocol.") from exc
    return list(document.clauses)


def _history(request: web.Request, council: str) -> list[VersionInfo]:
    return list(reversed(versions(context_of(request).home, council)))


async def live(request: web.Request) -> web.StreamResponse:
    member = member_of(request)
    context = context_of(request)
    index = context.dialogue.services.qa.library.council(member.council)
    waiting = None
    for broadcast in (await context.store.broadcasts.needing_ack(member.council))[:1]:
        if not await context.store.broadcasts.acknowledged(broadcast.id, member.id):
            waiting = broadcast
    return render(request, "protocol.html", meta=index.meta, version=index.version, sections=sections(index.clauses),
                  history=_history(request, member.council), waiting=waiting, ack_action=ACK)


async def version(request: web.Request) -> web.StreamResponse:
    member = member_of(request)
    name = request.match_info["version"]
    clauses = await _version_clauses(request, member.council, name)
    meta = context_of(request).dialogue.services.qa.library.council(member.council).meta
    return render(request, "protocol_version.html", meta=meta, version=name, sections=sections(clauses),
                  history=_history(request, member.council))


async def compare(request: web.Request) -> web.StreamResponse:
    member = member_of(request)
    history = _history(request, member.council)
    names = [v.version for v in history]
    old, new = request.query.get("from", ""), request.query.get("to", "")
    if len(names) < 2:
        return render(request, "compare.html", history=history, changes=None, old=old, new=new,
                      note="Only one version exists so far: there is nothing to compare yet.")
    if old not in names or new not in names:
        old, new = names[1], names[0]
    before, after = await asyncio.gather(_version_clauses(request, member.council, old),
                                         _version_clauses(request, member.council, new))
    diff = await asyncio.to_thread(diff_clauses, before, after)
    changes = []
    for change in diff.changes:
        left, right = sides(change.old.text if change.old else "", change.new.text if change.new else "")
        clause = change.new or change.old
        assert clause is not None
        changes.append(ChangeView(change.kind, change.label, left, right, anchor(clause.clause_id)))
    return render(request, "compare.html", history=history, changes=changes, old=old, new=new,
                  unchanged=diff.unchanged, note="")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/protocol", live)
    app.router.add_get("/protocol/versions/{version}", version)
    app.router.add_get("/protocol/compare", compare)
