"""``protocol-bot keys rotate`` and ``protocol-bot cases purge``: the case store's upkeep, for the operator.

Rotation re-wraps every case's data key under a new master key; the sealed details are never decrypted to
do it. Unfinished reports sealed under the old key are closed as expired when their owner next writes.
Purging deletes the details of cases closed or withdrawn longer ago than the retention period and keeps
the minimal record (reference, dates, status), writing an audit event per case without any content.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from bot.cases.desk import CaseDesk
from bot.cases.keys import ENV_VAR, CaseKeyError, MasterKey, key_file, load_master_key, write_key_file
from bot.store import Store
from config.settings import home

NEW_KEY_VAR = "PROTOCOL_BOT_NEW_CASE_KEY"


async def _rotate() -> int:
    old = load_master_key(home())
    if os.environ.get(ENV_VAR):
        if not os.environ.get(NEW_KEY_VAR):
            print(f"The case key comes from {ENV_VAR}: put the new key in {NEW_KEY_VAR}, run this again, then move "
                  f"it to {ENV_VAR}. Make a key with: python -c \"import secrets,base64;"
                  "print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())\"", file=sys.stderr)
            return 2
        new = MasterKey.decode(os.environ[NEW_KEY_VAR], source=NEW_KEY_VAR)
    else:
        new = MasterKey.generate()
    store = await Store.open()
    try:
        count = await CaseDesk(store, lambda: new).rotate(old, new)
        if not os.environ.get(ENV_VAR):
            write_key_file(key_file(home()), new)
        await store.audit.record("keys.rotated", ref=new.key_id)
    finally:
        await store.close()
    print(f"Re-wrapped {count} case(s) under key {new.key_id} (was {old.key_id}).")
    return 0


async def _purge() -> int:
    store = await Store.open()
    try:
        desk = CaseDesk(store, lambda: load_master_key(home()))
        purged = await desk.purge()
        for reference in purged:
            await store.audit.record("case.purged", ref=reference)
    finally:
        await store.close()
    print(f"Purged the details of {len(purged)} case(s) closed more than {desk.retention.days} days ago.")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_rotate())
    except CaseKeyError as exc:
        print(str(exc), file=sys.stderr)
        return 2


def cmd_cases(args: argparse.Namespace) -> int:
    return asyncio.run(_purge())


def add_parser(sub: Any) -> None:
    keys = sub.add_parser("keys", help="the master key protecting confidential cases")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("rotate", help="re-wrap every case under a new master key").set_defaults(func=cmd_keys)
    cases = sub.add_parser("cases", help="confidential cases upkeep")
    cases_sub = cases.add_subparsers(dest="cases_command", required=True)
    cases_sub.add_parser("purge", help="delete details of cases closed longer ago than the retention period"
                         ).set_defaults(func=cmd_cases)
