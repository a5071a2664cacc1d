"""Slack and Telegram tokens (and Telegram's webhook) checked against the platform itself, through the clients and
start-up checks the adapters use; only for the platforms whose tokens are set. The platform libraries are imported
only when their token is, so a Telegram-only deployment never loads slack_sdk."""

from __future__ import annotations

import logging
import os
from typing import Any

from adapters.cli.checks.findings import Finding, ok, problem, reason, scrub, warning


async def slack() -> list[Finding]:
    """``auth.test`` (and ``apps.connections.open`` for Socket Mode) through the adapter's own start-up check."""
    token = os.environ.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        return []
    from aiohttp import ClientError
    from slack_sdk.errors import SlackApiError

    from adapters.cli.serve import ServeOptions
    from adapters.slack import runner
    from adapters.slack.client import api_url, web_client
    from adapters.slack.tokens import TokenRefused, check

    chosen = runner.settings(ServeOptions(port=0, host="", webhook=None, socket_mode=None))
    if isinstance(chosen, str):
        return [problem("slack", " ".join(chosen.split()))]
    try:
        team = await check(web_client(chosen.bot_token), app_token=chosen.app_token)
    except TokenRefused as refused:
        return [problem("slack", str(refused))]
    except (SlackApiError, ClientError, OSError, TimeoutError) as exc:
        return [problem("slack", f"Slack did not answer at {api_url()} ({scrub(reason(exc))}): check the "
                                 "network (or PROTOCOL_BOT_SLACK_API_URL)")]
    mode = ("Socket Mode: SLACK_APP_TOKEN accepted" if chosen.socket_mode
            else "HTTP Events: SLACK_SIGNING_SECRET set (Slack must reach /slack/events)")
    return [ok("slack", f"SLACK_BOT_TOKEN accepted (workspace {team or 'unknown'}); {mode}")]


async def telegram() -> list[Finding]:
    """``getMe``, and with a webhook secret set, ``getWebhookInfo``: what Telegram last failed to deliver."""
    from adapters.telegram import runner

    token = os.environ.get(runner.TOKEN_ENV, "").strip()
    if not token:
        return []
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    from adapters.telegram.app import api_url, file_url

    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the token in the URL
    base = os.environ.get(runner.API_URL_ENV) or None
    bot = Bot(token, base_url=api_url(base), base_file_url=file_url(base))
    webhook = bool(os.environ.get(runner.SECRET_ENV, "").strip())
    try:
        async with bot:  # initialising asks getMe
            name = bot.username
            info = await bot.get_webhook_info() if webhook else None
    except InvalidToken:
        return [problem("telegram", f"Telegram refused {runner.TOKEN_ENV}: set the token BotFather gave you "
                                    "(/mybots -> your bot -> API Token)")]
    except TelegramError as exc:
        return [problem("telegram", f"Telegram did not answer at {api_url(base)} ({scrub(str(exc))}): check the "
                                    f"network (or {runner.API_URL_ENV})")]
    found = [ok("telegram", f"{runner.TOKEN_ENV} accepted (@{name})")]
    if info is not None:
        found.append(webhook_finding(info, runner))
    return found


def webhook_finding(info: Any, runner: Any) -> Finding:
    if not info.url:
        return warning("telegram webhook", f"{runner.SECRET_ENV} is set but Telegram has no webhook: "
                                           "`serve --telegram --webhook URL` registers it at start (without --webhook "
                                           "the bot polls)")
    try:
        runner.settings(_options(info.url))
    except runner.ConfigError as exc:
        return problem("telegram webhook", str(exc))
    if info.last_error_message:
        when = info.last_error_date.isoformat(timespec="minutes") if info.last_error_date else "recently"
        text = (f"{info.url}: Telegram's last delivery failed ({when}): {scrub(info.last_error_message)}; "
                f"{info.pending_update_count} update(s) waiting. Check that the URL reaches "
                "`serve --telegram --webhook` (proxy, TLS certificate, port)")
        return problem("telegram webhook", text) if info.pending_update_count else warning("telegram webhook", text)
    return ok("telegram webhook", f"{info.url}, no delivery errors, {info.pending_update_count} update(s) waiting")


def _options(webhook: str) -> Any:
    from adapters.cli.serve import ServeOptions

    return ServeOptions(port=0, host="", webhook=webhook, socket_mode=None)
