"""The command line's hooks for the web console: ``serve --web`` and ``protocol-bot login-link HANDLE``.

Kept here so ``adapters/cli`` only calls two functions; aiohttp and Jinja2 are imported when a web command runs,
never for ``ask`` or ``chat``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

PLATFORMS = ("slack", "telegram")
DEFAULT_WEB_PORT = 8080


def extend_serve(sub: Any) -> None:
    """Add ``--web`` and ``--web-port`` to the ``serve`` command made by ``adapters.cli.serve``."""
    serve = sub.choices["serve"]
    serve.add_argument("--web", action="store_true", help="the web console and chat (alone: on --port)")
    serve.add_argument("--web-port", type=int, default=DEFAULT_WEB_PORT,
                       help=f"the web console's port beside --slack or --telegram (default {DEFAULT_WEB_PORT})")
    chat_only = serve.get_default("func")

    def serve_any(args: argparse.Namespace) -> int:
        if not getattr(args, "web", False):
            return int(chat_only(args))
        return cmd_serve_web(args)

    serve.set_defaults(func=serve_any)


def cmd_serve_web(args: argparse.Namespace) -> int:
    from adapters.cli.cases import startup_check
    from adapters.cli.serve import serve_options
    from adapters.web import runner
    from adapters.web.settings import SettingError, from_env

    try:
        from_env()  # a mistyped trusted proxy stops the start here, before indexes load, with its name
    except SettingError as error:
        print(f"protocol-bot serve --web: {error}", file=sys.stderr)
        return 2
    platforms = [name for name in PLATFORMS if getattr(args, name, False)]
    if len(platforms) > 1:
        print("Run one chat platform per process: protocol-bot serve --web --slack, and another with --telegram.")
        return 2
    options = serve_options(args)  # the chat platform's, as `serve` reads them
    refused = asyncio.run(startup_check())  # the case key must be the database's before any page is served
    if refused is not None:
        return refused
    return runner.run(options, platforms[0] if platforms else None, args.web_port)


def add_login_link(sub: Any) -> None:
    link = sub.add_parser("login-link", help="print a one-time web sign-in link for a Clerk (the first sign-in)")
    link.add_argument("handle", help="the Clerk's handle on a roster (terminal, Slack or Telegram) or their name")
    link.add_argument("--council", help="the council, when the handle is on more than one roster")
    link.set_defaults(func=cmd_login_link)


def cmd_login_link(args: argparse.Namespace) -> int:
    from adapters.web.login_link import issue
    from adapters.web.settings import SettingError

    try:
        result = asyncio.run(issue(args.handle, args.council))
    except SettingError as error:
        print(f"protocol-bot login-link: {error}", file=sys.stderr)
        return 2
    print(result.text, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 2
