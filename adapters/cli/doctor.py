"""``protocol-bot doctor``: everything a deployment needs, checked in one go, each with what to do about it.

A council's IT volunteer should not have to start the bot and read a traceback to learn that a token was revoked
or the case key is missing. Each check prints one line, ``ok``, ``warning`` (works, but worth knowing; the bot
mends some of these itself at its next start) or ``problem`` (the bot will not work until someone acts), and the
exit code is 1 when any problem was found, so a deploy script can stop on it.

Doctor changes nothing: no migration, no key created or recorded, no index built (those are ``db upgrade``,
``keys init`` and ``index``, or the next ``chat`` / ``serve`` start). Platform checks run only for the platforms
whose tokens are set, through the same clients and start-up checks the adapters use. Secrets (tokens, the
database password, the case key) are never printed, even inside an error a library raised.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.exc import SQLAlchemyError

from adapters.cli.runtime import make_embedder
from bot.cases import keyring
from bot.cases.keys import ENV_VAR as CASE_KEY_ENV
from bot.cases.keys import (
    CaseKeyError,
    find_master_key,
    key_file,
    key_source,
    load_master_key,
    pending_file,
    read_key_file,
)
from bot.routing import load_book
from bot.store import Store, StoreError
from bot.store.database import DATABASE_ENV, database_url, shown
from bot.store.migrate import alembic_config, current, head
from config.councils import ProfileError, load_profile
from config.routing import RoutingConfigError
from config.settings import home
from knowledge.documents import CouncilSource, discover
from knowledge.embedding import HashEmbedder, SplitEmbedder
from knowledge.errors import IndexStaleError, KnowledgeError
from knowledge.index import CouncilIndex
from knowledge.library import Library
from knowledge.onnx_embedder import current_export

Level = Literal["ok", "warning", "problem"]
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "TELEGRAM_BOT_TOKEN",
                    "TELEGRAM_WEBHOOK_SECRET", CASE_KEY_ENV)


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    check: str
    """What was checked, as the operator knows it: ``database``, ``case key``, ``council ledbury``, ``slack`` ..."""
    message: str

    def line(self) -> str:
        return f"{self.level:<8} {self.check}: {self.message}"


def ok(check: str, message: str) -> Finding:
    return Finding("ok", check, message)


def warning(check: str, message: str) -> Finding:
    return Finding("warning", check, message)


def problem(check: str, message: str) -> Finding:
    return Finding("problem", check, message)


def scrub(text: str) -> str:
    """``text`` with every configured secret (and the database password) replaced by ``***``: a library's own
    error message may echo a token (python-telegram-bot's InvalidToken does)."""
    secrets = [os.environ.get(name, "").strip() for name in SECRET_VARIABLES]
    with contextlib.suppress(StoreError):
        secrets.append(database_url().password or "")
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):  # "s" would garble all
        text = text.replace(secret, "***")
    return " ".join(text.split())


# -- database and case key --------------------------------------------------------------------------------------

async def database_and_key() -> list[Finding]:
    """The schema is read, never migrated; the key is compared with the database's record, never recorded."""
    try:
        url = database_url()
    except StoreError as exc:
        return [problem("database", str(exc)), await case_key(None)]
    where = shown(url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not Path(url.database).exists():
        return [warning("database", f"no database yet at {url.database}: `chat` and `serve` create it at their "
                                    "first start (or run `protocol-bot db upgrade` now)"), await case_key(None)]
    try:
        store = await Store.open(url, upgrade=False)
    except StoreError as exc:
        return [problem("database", scrub(str(exc))), await case_key(None)]
    try:
        try:
            revision = await current(store.database.engine)
        except (SQLAlchemyError, OSError) as exc:
            return [problem("database", f"cannot reach {where}: {scrub(_reason(exc))}. Check {DATABASE_ENV} "
                                        "and that the server is running."), await case_key(None)]
        schema = schema_finding(where, revision)
        return [schema, await case_key(store if schema.level == "ok" else None)]
    finally:
        await store.close()


def schema_finding(where: str, revision: str | None) -> Finding:
    newest = head()
    if revision == newest:
        return ok("database", f"{where} reachable, schema at revision {revision} (newest)")
    if revision is None:
        return problem("database", f"{where} has no schema yet: run `protocol-bot db upgrade`")
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        return problem("database", f"{where} is at revision {revision}, which this version of Protocol Bot does not "
                                   "know (migrated by a newer version?): install that version again")
    return problem("database", f"{where} is at revision {revision}, the newest is {newest}: run "
                               "`protocol-bot db upgrade`")


async def case_key(store: Store | None) -> Finding:
    """The start-up check of ``chat`` and ``serve`` (``bot.cases.keyring``), read-only: where ``start`` would
    create a key or record one, this says so instead of doing it."""
    where = home()
    try:
        master = find_master_key(where)
    except CaseKeyError as exc:  # malformed, or readable by others
        return problem("case key", str(exc))
    if store is None:
        if master is None:
            return warning("case key", f"none at {key_file(where)} and {CASE_KEY_ENV} not set: the first `chat` or "
                                       "`serve` start of an empty database makes one (or run `protocol-bot keys "
                                       "init`); if the database already holds cases, restore the key from your backup")
        return ok("case key", f"present ({key_source(where)}, key id {master.key_id}); not yet compared with the "
                              "database's record (see the database line)")
    record = await store.cases.key_record()
    if master is None:
        if record is None and await store.cases.count() == 0:
            return warning("case key", f"none yet: the next `chat` or `serve` start makes one at {key_file(where)} "
                                       "(or run `protocol-bot keys init`); back it up apart from the database")
        try:
            load_master_key(where)
        except CaseKeyError as exc:
            return problem("case key", str(exc))
    assert master is not None
    if record is None:
        sealed_under = await store.cases.key_ids()
        if sealed_under and master.key_id not in sealed_under:
            return problem("case key", str(keyring.mismatch(where, master, ", ".join(sorted(sealed_under)))))
        return ok("case key", f"present ({key_source(where)}, key id {master.key_id}); recorded as the database's "
                              "at the next start")
    if keyring.matches(master, record):
        return ok("case key", f"present ({key_source(where)}) and the database's (key id {master.key_id})")
    pending = pending_file(key_file(where))
    if not os.environ.get(CASE_KEY_ENV) and pending.exists():
        try:
            if keyring.matches(read_key_file(pending), record):
                return warning("case key", f"a key rotation was interrupted: the next start moves {pending} over "
                                           f"{key_file(where)}")
        except CaseKeyError:
            pass
    return problem("case key", str(keyring.mismatch(where, master, record.key_id)))


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


# -- councils ---------------------------------------------------------------------------------------------------

def councils() -> list[Finding]:
    """What ``chat`` and ``serve`` do at start (load each index, bind each council's routing rules), without
    building anything. Rules are checked against the protocol as it reads now, the text the index will hold."""
    where = home()
    embedder = make_embedder(where)
    library = Library(where, embedder)
    sources = discover(where)
    if not sources:
        return [problem("councils", f"none found in {where}: add one with `protocol-bot council add`")]
    found = [encoder(where, embedder)]
    for slug, source in sources.items():
        found += council(library, slug, source, embedder.name)
    return found


def encoder(where: Path, embedder: object) -> Finding:
    if isinstance(embedder, HashEmbedder):
        return warning("question encoder", "PROTOCOL_BOT_EMBEDDER=hash is the tests' stand-in, not a language "
                                           "model: unset it for real answers")
    if isinstance(embedder, SplitEmbedder) and current_export(where) is None:
        return warning("question encoder", "the ONNX export is missing or was made from another model: it is made "
                                           "again at the next start (or run `protocol-bot index`); until then "
                                           "questions are slower")
    return ok("question encoder", "export current for the installed model")


def council(library: Library, slug: str, source: CouncilSource, model: str) -> list[Finding]:
    check = f"council {slug}"
    try:
        parsed = source.parse()
        digest = source.digest()
    except KnowledgeError as exc:
        return [problem(check, f"the protocol cannot be read: {exc}. Fix or replace the file "
                               "(`protocol-bot council add SLUG FILE --replace`)")]
    found: list[Finding] = []
    folder = library.folder(slug, source.version)
    try:
        index = CouncilIndex.load(folder, model=model, digest=digest)
    except IndexStaleError as exc:
        state = "not built yet: it will be built" if not folder.exists() else f"out of date ({exc}): it will be rebuilt"
        found.append(warning(check, f"index {state} at the next start (or run `protocol-bot index --council {slug}`)"))
        hash_embedder = HashEmbedder()  # rules need the clauses, not the vectors: no model for a throwaway index
        index = CouncilIndex.build(parsed.meta, list(parsed.clauses), hash_embedder, digest)
    try:
        profile = load_profile(slug, library.home)
        book = load_book(slug, index, profile, library.home)
    except (ProfileError, RoutingConfigError) as exc:
        found.append(problem(check, f"{exc}. `chat` and `serve` refuse to start until it is fixed"))
        return found
    if not found:
        rules = len(book.config.rules)
        found.append(ok(check, f"protocol parses ({len(parsed.clauses)} clauses), index current, profile and "
                               f"{rules} routing rule{'s' if rules != 1 else ''} check against the protocol"))
    return found


# -- platforms --------------------------------------------------------------------------------------------------

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
        return [problem("slack", f"Slack did not answer at {api_url()} ({scrub(_reason(exc))}): check the "
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


# -- the command ------------------------------------------------------------------------------------------------

async def _guarded(check: str, run: Callable[[], Awaitable[list[Finding]]]) -> list[Finding]:
    """One check failing in a way nobody foresaw is that check's problem, not the end of the others."""
    try:
        return await run()
    except Exception as exc:  # reported, and the other checks still run
        return [problem(check, f"the check itself failed ({type(exc).__name__}: {scrub(str(exc))})")]


async def diagnose() -> list[Finding]:
    async def local() -> list[Finding]:
        return await asyncio.to_thread(councils)

    found = await _guarded("database", database_and_key)
    found += await _guarded("councils", local)
    found += await _guarded("slack", slack)
    found += await _guarded("telegram", telegram)
    return found


def cmd_doctor(args: argparse.Namespace) -> int:
    found = asyncio.run(diagnose())
    for finding in found:
        print(finding.line())
    problems = sum(f.level == "problem" for f in found)
    warnings = sum(f.level == "warning" for f in found)
    print(f"{problems} problem{'s' if problems != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
          file=sys.stderr)
    return 1 if problems else 0


def add_parser(sub: Any) -> None:
    sub.add_parser("doctor", help="check the database, case key, councils and platform tokens; print what to fix"
                   ).set_defaults(func=cmd_doctor)
