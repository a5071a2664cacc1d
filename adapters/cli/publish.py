"""``protocol-bot publish | versions | diff | outbox``: protocol versions and their broadcasts from the shell.

- ``publish --council SLUG FILE [--version V] [--note TEXT] [--yes]``: the same preview the Clerk sees in chat
  (changed, added and removed clauses; routing rules touched); with ``--yes`` the version is published, its
  index built beside the live one and swapped in, and the changes queued for every member to acknowledge. A
  version the council's routing rules no longer hold under is refused (exit 2), as in chat.
- ``versions --council SLUG``, ``diff --council SLUG V1 V2``: what has been published, and what changed.
- ``outbox [--until-idle]``: the outbox worker, delivering over whichever platforms have a token in the
  environment (``SLACK_BOT_TOKEN``, ``TELEGRAM_BOT_TOKEN``); run it beside ``serve``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from adapters.cli.runtime import make_service
from bot.broadcasts.compose import to_json, version_content
from bot.broadcasts.sending import Sender
from bot.broadcasts.settings import DELIVERY_PLATFORMS, reminder_interval
from bot.broadcasts.worker import OutboxWorker
from bot.messages import Reply
from bot.publish.preview import affected_rules, change_blocks, preview_blocks
from bot.publish.routing_check import broken_rules
from bot.roster_sync import sync_roster_file
from bot.store import Store
from config.councils import load_profile
from config.routing import load_routing
from config.settings import home
from knowledge.clauses import DocumentMeta
from knowledge.diff import diff_clauses
from knowledge.documents import discover, require
from knowledge.publishing import decode, prepare, publish
from knowledge.versions import source_of, versions


def cmd_publish(args: argparse.Namespace) -> int:
    service = make_service(verbose=True)
    path = Path(args.file)
    try:
        text = decode(path.read_bytes())
    except OSError as exc:
        print(f"{path}: cannot be read ({exc.strerror})", file=sys.stderr)
        return 2
    draft = prepare(service.library, args.council, text, version=args.version, source_name=str(path))
    blocks = preview_blocks(draft, affected_rules(draft, home()), note=args.note)
    print(Reply(tuple(blocks)).plain())
    broken = broken_rules(draft, home())
    if broken:
        print(f"\n{broken.refusal()}", file=sys.stderr)
        return 2
    if not args.yes:
        print("\nNothing published. Run again with --yes to publish.")
        return 0
    index = publish(service.library, draft, note=args.note)
    print(f"\nPublished version {draft.version} of {args.council}: questions are answered from it now.")
    if args.no_broadcast:
        return 0
    queued = asyncio.run(_queue(args.council, index.meta, draft, args.note))
    print(f"Queued {queued} message(s) for members to acknowledge; `protocol-bot outbox` delivers them.")
    return 0


async def _queue(council: str, meta: DocumentMeta, draft: Any, note: str | None) -> int:
    store = await Store.open()
    try:
        profile = load_profile(council, home())
        # chat or serve may never have started here; a change needing a second person waits for one
        await sync_roster_file(store, council, profile.roster, load_routing(council, home())[0])
        await store.bindings.sync_config(council, profile.bindings)
        clerk = next((m for m in await store.members.of_council(council) if "clerk" in m.roles), None)
        content = version_content(meta, draft.diff, previous=draft.live_version, note=note)
        _, queued = await store.broadcasts.create(
            council, "version", to_json(content), platforms=DELIVERY_PLATFORMS, version=draft.version,
            needs_ack=True, created_by=clerk.id if clerk else None, remind_after=reminder_interval(),
            channels=[(a.platform, a.chat) for a in profile.announcements])
        return queued
    finally:
        await store.close()


def cmd_versions(args: argparse.Namespace) -> int:
    require(discover(home()), args.council)  # a misspelt council is not "no versions published"
    found = versions(home(), args.council)
    if args.json:
        print(json.dumps([{"version": v.version, "published_at": v.published_at, "note": v.note, "live": v.live}
                          for v in found], indent=2))
        return 0
    if not found:
        print(f"{args.council}: no versions published; answering from the original text.")
    for v in found:
        print(f"{v.version:12s} {'live' if v.live else '    '}  {v.published_at or '':25s} {v.note or ''}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    old, new = source_of(home(), args.council, args.old).parse(), source_of(home(), args.council, args.new).parse()
    diff = diff_clauses(list(old.clauses), list(new.clauses))
    print(f"{args.council}: version {args.old} -> {args.new}: {len(diff.changes)} clause(s) differ, "
          f"{diff.unchanged} unchanged.")
    for block in change_blocks(diff):
        print(Reply((block,)).plain())
    return 0


def senders_from_environment() -> dict[str, Sender]:
    chosen: dict[str, Sender] = {}
    if os.environ.get("SLACK_BOT_TOKEN", "").strip():
        from adapters.slack.sender import SlackSender

        chosen["slack"] = SlackSender(os.environ["SLACK_BOT_TOKEN"].strip())
    if os.environ.get("TELEGRAM_BOT_TOKEN", "").strip():
        from adapters.telegram.sender import TelegramSender

        chosen["telegram"] = TelegramSender(os.environ["TELEGRAM_BOT_TOKEN"].strip(),
                                            base_url=os.environ.get("PROTOCOL_BOT_TELEGRAM_API_URL"))
    return chosen


def cmd_outbox(args: argparse.Namespace) -> int:
    return asyncio.run(_outbox(until_idle=args.until_idle))


async def _outbox(*, until_idle: bool) -> int:
    senders = senders_from_environment()
    if not senders:
        print("Set SLACK_BOT_TOKEN and/or TELEGRAM_BOT_TOKEN: the outbox delivers over those platforms.",
              file=sys.stderr)
        return 2
    store = await Store.open()
    worker = OutboxWorker(store, senders)
    try:
        if until_idle:
            stats = await worker.drain(timeout=24 * 3600)
        else:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await worker.run(stop)
            stats = worker.stats
        print(json.dumps({"sent": stats.sent, "failed": stats.failed, "rate_limited": stats.rate_limited,
                          "transient": stats.transient, "recovered": stats.recovered}))
        return 0
    finally:
        for sender in senders.values():
            await sender.close()
        await store.close()


def add_parser(sub: Any) -> None:
    pub = sub.add_parser("publish", help="preview (and with --yes publish and broadcast) a new protocol version")
    pub.add_argument("file")
    pub.add_argument("--council", required=True)
    pub.add_argument("--version", help="a name for the version (default: the next number)")
    pub.add_argument("--note", help="a note for members, sent with the changes")
    pub.add_argument("--yes", action="store_true", help="publish after the preview")
    pub.add_argument("--no-broadcast", action="store_true", help="publish without telling members")
    pub.set_defaults(func=cmd_publish)
    ver = sub.add_parser("versions", help="versions of a council's protocol, the live one marked")
    ver.add_argument("--council", required=True)
    ver.add_argument("--json", action="store_true")
    ver.set_defaults(func=cmd_versions)
    diff = sub.add_parser("diff", help="clauses changed, added and removed between two versions")
    diff.add_argument("--council", required=True)
    diff.add_argument("old")
    diff.add_argument("new")
    diff.set_defaults(func=cmd_diff)
    out = sub.add_parser("outbox", help="deliver queued broadcasts (tokens from the environment)")
    out.add_argument("--until-idle", action="store_true", help="stop when nothing is left to deliver")
    out.set_defaults(func=cmd_outbox)
