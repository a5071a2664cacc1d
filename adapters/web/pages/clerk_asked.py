"""What people ask (the Clerk): questions the bot declined (the protocol does not cover them) or that were rated
not helpful, grouped by subject, with counts per week: what the protocol does not say yet.

The Clerk already reads these with ``protocol-bot feedback``; no names are kept with them. Words typed during a
report, or that sounded like one, were never kept (``bot.answering.may_keep``) and are left out here entirely.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from aiohttp import web

from adapters.web.context import context_of, render, require
from bot.answering import WITHHELD
from bot.store.feedback import Asked
from knowledge.topics import subjects_in

OTHER = "other subjects"


def week_of(moment: datetime) -> str:
    monday = (moment - timedelta(days=moment.weekday())).date()
    return monday.isoformat()


async def page(request: web.Request) -> web.StreamResponse:
    member = require(request, "publish")
    asked = await context_of(request).store.feedback.unanswered(member.council, withheld_prefix=WITHHELD[:10])
    groups: dict[str, list[Asked]] = defaultdict(list)
    for item in asked:
        subjects = sorted(subjects_in(item.question)) or [OTHER]
        groups[subjects[0]].append(item)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == OTHER, -len(kv[1]), kv[0]))
    weeks = Counter(week_of(item.at) for item in asked)
    most = max(weeks.values(), default=1)
    chart = [(week, count, round(100 * count / most)) for week, count in sorted(weeks.items())]
    return render(request, "asked.html", groups=ordered, chart=chart, total=len(asked))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/clerk/asked", page)
