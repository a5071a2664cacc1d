"""``protocol-bot serve --slack [--port 3000]`` / ``--telegram [--webhook URL]``: run platform adapters.

Each platform package owns its start-up (``adapters.slack.runner.run``, ``adapters.telegram.runner.run``);
this module only parses options and imports the chosen platform, so a Telegram-only deployment never
imports slack-bolt and the other way round. Tokens come from the environment only.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ServeOptions:
    port: int
    host: str
    webhook: str | None
    """Telegram: the public URL Telegram posts updates to (several workers); polling when absent."""
    socket_mode: bool | None
    """Slack: ``None`` chooses from the environment (Socket Mode when SLACK_APP_TOKEN is set)."""


def serve_options(args: argparse.Namespace) -> ServeOptions:
    return ServeOptions(port=args.port, host=args.host, webhook=args.webhook,
                        socket_mode=True if args.socket_mode else (False if args.http else None))


def cmd_serve(args: argparse.Namespace) -> int:
    platforms = [name for name in ("slack", "telegram") if getattr(args, name)]
    if not platforms:
        print("Choose a platform: protocol-bot serve --slack or --telegram.")
        return 2
    if len(platforms) > 1:
        print("Run one platform per process: protocol-bot serve --slack, and another with --telegram.")
        return 2
    options = serve_options(args)
    from adapters.cli.cases import startup_check

    refused = asyncio.run(startup_check())  # the case key must be the database's before any message is taken
    if refused is not None:
        return refused
    runner = importlib.import_module(f"adapters.{platforms[0]}.runner")
    result: int = runner.run(options)
    return result


def add_parser(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the Slack or Telegram adapter")
    serve.add_argument("--slack", action="store_true")
    serve.add_argument("--telegram", action="store_true")
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (Slack events, Telegram webhook)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--webhook", metavar="URL", help="Telegram: receive updates by webhook at this URL")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--socket-mode", action="store_true", help="Slack: Socket Mode (needs SLACK_APP_TOKEN)")
    mode.add_argument("--http", action="store_true", help="Slack: HTTP Events (needs SLACK_SIGNING_SECRET)")
    serve.set_defaults(func=cmd_serve)
