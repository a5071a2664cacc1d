"""Publishing a new version from the browser (the Clerk): upload, see the changes, publish, watch it build.

The upload goes to the dialogue as ``/publish`` with the text attached, exactly as a file sent in a Slack DM:
permission, parsing, the routing check and the staged preview are the bot's. The page adds the clause-by-clause
comparison with changed words marked (``knowledge.publishing.prepare``, which writes nothing). Publish is pressed
through the dialogue too, in the background, because building the index takes a while; the progress page looks
again every two seconds until the dialogue has answered. A job is visible only to the member who started it.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from aiohttp import web

from adapters.web.context import context_of, render, require
from adapters.web.turns import Shown, say, shown
from adapters.web.worddiff import sides
from bot.messages import Action, Attachment, Reply
from bot.publish.chat import CONFIRM, parse_args
from knowledge.errors import KnowledgeError
from knowledge.publishing import decode, prepare
from knowledge.versions import next_name

MAX_BYTES = 1024 * 1024
KEPT_JOBS = 20


@dataclass
class Job:
    member_id: int
    replies: list[Reply] | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


async def form(request: web.Request) -> web.StreamResponse:
    require(request, "publish")
    return render(request, "publish.html", error="", version="", note="")


async def preview(request: web.Request) -> web.StreamResponse:
    member = require(request, "publish")
    context = context_of(request)
    data = await request.post()
    upload = data.get("file")
    version = " ".join(str(data.get("version", "")).split())[:32]
    note = " ".join(str(data.get("note", "")).split())[:500]
    raw = upload.file.read(MAX_BYTES + 1) if isinstance(upload, web.FileField) else b""
    name = upload.filename if isinstance(upload, web.FileField) and upload.filename else "the new version"
    if not raw.strip() or len(raw) > MAX_BYTES:
        return render(request, "publish.html", status=400, version=version, note=note,
                      error="Choose the new text of the protocol: a text file of at most 1 MB.")
    text = decode(raw)
    if version and not parse_args(version)[0]:
        return render(request, "publish.html", status=400, version=version, note=note,
                      error="A version name starts with a number, for example 2026-12 or 3.")
    # Always named, so a note starting with a number ("2 clauses reworded") is never read as the version.
    version = version or next_name(context.home, member.council)
    replies = await say(context, member, f"/publish {version} {note}".strip(), attachment=Attachment(name, text),
                        message_id=str(data.get("form_id", "")) or None)
    changes = []
    if any(r.kind == "publish_preview" for r in replies):
        library = context.dialogue.services.qa.library
        try:
            draft = await asyncio.to_thread(prepare, library, member.council, text, version=version,
                                            source_name=name)
        except KnowledgeError:
            draft = None
        for change in draft.diff.changes if draft else ():
            left, right = sides(change.old.text if change.old else "", change.new.text if change.new else "")
            changes.append((change.kind, change.label, left, right))
    return render(request, "publish_preview.html", replies=[shown(r) for r in replies], changes=changes)


async def confirm(request: web.Request) -> web.StreamResponse:
    member = require(request, "publish")
    context = context_of(request)
    data = await request.post()
    name, value = str(data.get("name", "")), str(data.get("value", ""))[:200]
    action = Action(name, value)
    if name != CONFIRM:  # Cancel: quick, answered here
        replies = await say(context, member, action=action)
        return render(request, "publish_done.html", replies=[shown(r) for r in replies], running=False, job="")
    job_id = secrets.token_urlsafe(16)
    job = Job(member.id)

    async def run() -> None:
        job.replies = await say(context, member, action=action)

    job.task = asyncio.create_task(run(), name="web-publish")
    context.tasks.add(job.task)
    job.task.add_done_callback(context.tasks.discard)
    context.jobs[job_id] = job
    for stale in list(context.jobs)[:-KEPT_JOBS]:  # the oldest go: a finished job is only read back once or twice
        context.jobs.pop(stale, None)
    raise web.HTTPSeeOther(f"/clerk/publish/jobs/{job_id}")


async def progress(request: web.Request) -> web.StreamResponse:
    member = require(request, "publish")
    job = context_of(request).jobs.get(request.match_info["job"])
    if not isinstance(job, Job) or job.member_id != member.id:
        raise web.HTTPNotFound(text="No such publication.")
    replies: list[Shown] = [shown(r) for r in job.replies or []]
    return render(request, "publish_done.html", replies=replies, running=job.replies is None,
                  job=request.match_info["job"])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/clerk/publish", form)
    app.router.add_post("/clerk/publish", preview)
    app.router.add_post("/clerk/publish/confirm", confirm)
    app.router.add_get("/clerk/publish/jobs/{job}", progress)
