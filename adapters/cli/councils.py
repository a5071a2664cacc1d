"""``protocol-bot council add`` and ``council remove``: managing councils without losing one.

Adding a slug already in use used to replace that council silently, text, roster and routing with it. Now an
existing slug is refused unless ``--replace`` is given, and a replacement is published as a new version (the old
text kept beside it, the profile with its roster and routing untouched, refused if a routing rule's clause would
vanish). A protocol over ``MAX_PROTOCOL_BYTES`` is refused before anything is read into the home: a 20 MB file
took minutes to embed and, half added, stalled every start. Removing moves the council's files aside under
``<home>/removed/`` rather than deleting them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from adapters.cli.runtime import make_service
from bot.publish.routing_check import broken_rules
from config.councils import profile_paths, write_profile
from config.settings import home
from knowledge.documents import BUNDLED_DIR, MAX_PROTOCOL_BYTES, add_council, discover, runtime_dir
from knowledge.publishing import decode, prepare, publish


def _too_big(path: Path) -> str | None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror})"
    if size > MAX_PROTOCOL_BYTES:
        return (f"{path} is {size / 1_000_000:.1f} MB; a protocol over {MAX_PROTOCOL_BYTES // 1_000_000} MB is "
                "refused (the five bundled ones are 5-22 KB). Is it the protocol's text, saved as plain text?")
    return None


def cmd_add(args: argparse.Namespace) -> int:
    path = Path(args.file)
    problem = _too_big(path)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    existing = discover(home())
    if args.slug in existing and not args.replace:
        print(f"A council called {args.slug!r} already exists; nothing was changed. To give it a new text, publish "
              f"it as a version (`protocol-bot publish {path} --council {args.slug}`, members are told), or run this "
              "again with --replace (published as a new version without telling members). Its roster and routing "
              "are kept either way.", file=sys.stderr)
        return 2
    if args.slug in existing:
        return _replace(args.slug, path)
    source = add_council(home(), args.slug, path, name=args.name, title=args.title)
    if not profile_paths(args.slug, home())[0].exists():
        write_profile(args.slug, home())
    service = make_service(verbose=True)
    service.library.load_all(only=source.slug, force=True)
    return 1 if service.library.problems else 0


def _replace(slug: str, path: Path) -> int:
    service = make_service(verbose=True)
    draft = prepare(service.library, slug, decode(path.read_bytes()), source_name=str(path))
    broken = broken_rules(draft, home())
    if broken:
        print(broken.refusal(), file=sys.stderr)
        return 2
    previous = draft.live_version or "the text before versions"
    publish(service.library, draft, note=f"replaced with `council add --replace` from {path.name}")
    print(f"{slug}: replaced; its text is now version {draft.version} ({previous} is kept: `protocol-bot versions "
          f"--council {slug}`). Roster and routing are unchanged. Members were not told; `protocol-bot publish` "
          "tells them of a new version.")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    folder = runtime_dir(home()) / args.slug
    source = discover(home()).get(args.slug)
    if source is None or folder not in (source.folder, *source.folder.parents):  # only a profile there: bundled
        bundled = (BUNDLED_DIR / args.slug).is_dir()
        print(f"{args.slug!r} is bundled with the bot and cannot be removed." if bundled
              else f"There is no council called {args.slug!r} to remove.", file=sys.stderr)
        return 2
    indexes = sorted((home() / "index").glob(f"{args.slug}")) + sorted((home() / "index").glob(f"{args.slug}@*"))
    if not args.yes:
        print(f"This would remove {args.slug}: its protocol texts, versions and profile ({folder}) and "
              f"{len(indexes)} index folder(s), moved to {home() / 'removed'}. Cases, members and messages in "
              "the database are kept. Run again with --yes to remove it.")
        return 0
    aside = home() / "removed" / f"{args.slug}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"
    aside.mkdir(parents=True)
    shutil.move(str(folder), str(aside / "council"))
    for index in indexes:
        shutil.rmtree(index)  # rebuilt from the text if the council is ever put back
    print(f"Removed {args.slug}; its files are in {aside}.")
    return 0


def add_parser(council_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = council_sub.add_parser("add", help="add a council from a protocol text file")
    add.add_argument("slug")
    add.add_argument("file")
    add.add_argument("--name", required=True)
    add.add_argument("--title")
    add.add_argument("--replace", action="store_true",
                     help="the slug exists: publish FILE as its new version (roster and routing kept)")
    add.set_defaults(func=cmd_add)
    remove = council_sub.add_parser("remove", help="remove a council added with `council add`")
    remove.add_argument("slug")
    remove.add_argument("--yes", action="store_true", help="remove after saying what will go")
    remove.set_defaults(func=cmd_remove)
