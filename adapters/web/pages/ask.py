"""Ask and report: the chat page. A question, a flow's answer or a pressed button goes through the dialogue and
the page shows what came back, once: nothing of the exchange is kept for the page (a report's words and its
receipt code live only in this response), and responses are never cached (``security.headers``).
"""

from __future__ import annotations

from aiohttp import web

from adapters.web.context import context_of, member_of, render
from adapters.web.turns import say, shown
from bot.messages import Action

MAX_CHARS = 10_000


async def page(request: web.Request) -> web.StreamResponse:
    member_of(request)
    return render(request, "ask.html", said="", replies=[])


async def report(request: web.Request) -> web.StreamResponse:
    member_of(request)
    return render(request, "report.html")


async def ask(request: web.Request) -> web.StreamResponse:
    member = member_of(request)
    data = await request.post()
    text = str(data.get("question", ""))[:MAX_CHARS].strip()
    if not text:
        return render(request, "ask.html", said="", replies=[], status=400,
                      error="Type a question, or your answer to the last step.")
    replies = await say(context_of(request), member, text, message_id=str(data.get("form_id", "")) or None)
    return render(request, "ask.html", said=text, replies=[shown(r) for r in replies])


async def press(request: web.Request) -> web.StreamResponse:
    """A button on a reply (a flow's choice, Helpful, Acknowledge, Publish ...): the dialogue checks who may."""
    member = member_of(request)
    data = await request.post()
    name, value = str(data.get("name", ""))[:64], str(data.get("value", ""))[:200]
    replies = await say(context_of(request), member, action=Action(name, value),
                        message_id=str(data.get("form_id", "")) or None)
    return render(request, "ask.html", said="", replies=[shown(r) for r in replies])


async def check_report(request: web.Request) -> web.StreamResponse:
    """The reporter's way back with the receipt code: ``/case CODE``, without echoing the code on the page."""
    member = member_of(request)
    data = await request.post()
    code = " ".join(str(data.get("code", "")).split())[:64]
    if not code:
        return render(request, "report.html", status=400, error="Type the receipt code you were given.")
    replies = await say(context_of(request), member, f"/case {code}", message_id=str(data.get("form_id", "")) or None)
    return render(request, "ask.html", said="", replies=[shown(r) for r in replies])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ask", page)
    app.router.add_post("/ask", ask)
    app.router.add_post("/press", press)
    app.router.add_get("/report", report)
    app.router.add_post("/report/check", check_report)
