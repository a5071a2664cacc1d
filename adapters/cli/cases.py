"""``protocol-bot keys init|rotate`` and ``protocol-bot cases purge``: the case store's upkeep, for the operator;
and the case-key check every start makes (``chat``, ``serve``).

- ``keys init``: the master key for a new database (made, or the configured one recorded as the database's).
- ``keys rotate``: every case's data key re-wrapped under a new master key in one transaction; the new key file is
  written first and replaces the old only after the commit (``bot.cases.keyring``). The sealed details are never
  decrypted. Unfinished reports sealed under the old key are closed as expired when their owner next writes.
- ``cases purge``: cases closed or withdrawn longer ago than the retention period lose their data key and details
  (crypto-shredding), the database's free space is wiped, and an audit event per case records it, without content.

A key that is missing or not the database's stops each of these, and every start, with exit code 2 and a message
naming where the key was looked for; it never says anything about a case.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.cases import keyring
from bot.cases.desk import CaseDesk
from bot.cases.keys import ENV_VAR, CaseKeyError, MasterKey, key_source
from bot.cases.sealing import SealError
from bot.store import Store, StoreError
from config.settings import home

NEW_KEY_VAR = "PROTOCOL_BOT_NEW_CASE_KEY"
KEY_EXIT = 2


def _refuse(exc: Exception) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return KEY_EXIT


async def check_case_key(store: Store) -> int | None:
    """At every start: the case key must be the database's (``None``), else the reason on stderr and an exit code.
    The first start of a database with no cases and no key makes the key and says so, once."""
    try:
        keys = await keyring.start(store, home())
    except CaseKeyError as exc:
        return _refuse(exc)
    if keys.note:
        print(keys.note, file=sys.stderr)
    return None


async def startup_check() -> int | None:
    """``check_case_key`` on a store of its own (``serve``, before the platform adapter opens the database)."""
    store = await Store.open()
    try:
        return await check_case_key(store)
    finally:
        await store.close()


async def _init() -> int:
    store = await Store.open()
    try:
        keys = await keyring.init(store, home())
    finally:
        await store.close()
    print(keys.note)
    return 0


async def _rotate() -> int:
    new = None
    if os.environ.get(ENV_VAR):
        if not os.environ.get(NEW_KEY_VAR):
            print(f"The case key comes from {ENV_VAR}: put the new key in {NEW_KEY_VAR}, run this again, then move "
                  f"it to {ENV_VAR}. Make a key with: python -c \"import secrets,base64;"
                  "print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())\"", file=sys.stderr)
            return KEY_EXIT
        new = MasterKey.decode(os.environ[NEW_KEY_VAR], source=NEW_KEY_VAR)
    store = await Store.open()
    try:
        try:
            done = await keyring.rotate(store, home(), new)
        except (SealError, SQLAlchemyError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]  # never the statement's values
            print(f"error: key rotation failed and was rolled back ({type(exc).__name__}: {reason}). Every case is "
                  f"still sealed under the old key, which stays in {key_source(home())}.", file=sys.stderr)
            return 1
        await store.audit.record("keys.rotated", ref=done.new_key_id)
    finally:
        await store.close()
    print(f"Re-wrapped {done.count} case(s) under key {done.new_key_id} (was {done.old_key_id}).")
    if new is not None:
        print(f"Now set {ENV_VAR} to the new key (the one in {NEW_KEY_VAR}) before the next start.")
    return 0


async def _purge() -> int:
    store = await Store.open()
    try:
        desk = CaseDesk(store, keyring.Keyring(home()))
        keys = await desk.keyring.keys(store)  # a wrong key stops here, before anything is deleted
        if keys.note:
            print(keys.note, file=sys.stderr)
        purged = await desk.purge()
        for reference in purged.references:
            await store.audit.record("case.purged", ref=reference)
    finally:
        await store.close()
    print(f"Purged the details of {len(purged.references)} case(s) closed more than {desk.retention.days} days ago.")
    if purged.problem:
        print(f"warning: their old bytes may remain in the database files until it is vacuumed ({purged.problem}). "
              "Run the purge again, or VACUUM as the database owner.", file=sys.stderr)
        return 1
    return 0


def _run(work: Any) -> int:
    try:
        return int(asyncio.run(work()))
    except CaseKeyError as exc:
        return _refuse(exc)
    except StoreError as exc:
        return _refuse(exc)


def cmd_keys_init(args: argparse.Namespace) -> int:
    return _run(_init)


def cmd_keys(args: argparse.Namespace) -> int:
    return _run(_rotate)


def cmd_cases(args: argparse.Namespace) -> int:
    return _run(_purge)


def add_parser(sub: Any) -> None:
    keys = sub.add_parser("keys", help="the master key protecting confidential cases")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("init", help="make (or record) the master key of a new database").set_defaults(
        func=cmd_keys_init)
    keys_sub.add_parser("rotate", help="re-wrap every case under a new master key").set_defaults(func=cmd_keys)
    cases = sub.add_parser("cases", help="confidential cases upkeep")
    cases_sub = cases.add_subparsers(dest="cases_command", required=True)
    cases_sub.add_parser("purge", help="delete details of cases closed longer ago than the retention period"
                         ).set_defaults(func=cmd_cases)
