"""HTTP transport: Slack posts events, commands and button presses to ``/slack/events``; ``/healthz`` answers
load balancers and orchestrators. Stateless: several workers can sit behind one URL (state is in the store).
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from adapters.slack.app import SlackBot

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def web_app(bot: SlackBot, *, events: bool = True) -> web.Application:
    """``events=False`` (Socket Mode) serves the health check only."""

    async def slack_events(request: web.Request) -> web.Response:
        response = await bot.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get(HEALTH_PATH, healthz)
    if events:
        app.router.add_post(EVENTS_PATH, slack_events)
    return app
