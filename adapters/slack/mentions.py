"""``/role add|remove PERSON ROLE`` with PERSON as Slack knows them: a user id, never the words typed.

The roster finds people by their Slack user id (``bot.roster``). Slack sends an id only for a mention picked from
its list (``<@U123|tom.hughes>``, in a slash command only with ``should_escape: true`` in the manifest); a name
typed without picking arrives as text, and the roster would take "tom.hughes" for a new person beside "Cllr Tom
Hughes". So the Clerk's PERSON is resolved here first:

- ``<@U123|...>``: the id itself; ``@name`` or ``name``: looked up with ``users.list`` (username, display name
  or full name; exactly one match), or ``users.info`` for a bare id;
- no one, several people, or Slack not answering (``missing_scope`` without ``users:read``): refused with a reply
  saying what to do, and nothing changes;
- someone not yet linked to the roster whose Slack name is a roster entry's name: refused too, pointing to
  ``linkcode``, since adding them would list the same councillor twice.

Only for a sender who may change roles: anyone else's ``/role`` is refused by the dialogue as before, with no
lookup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.delivery import FAILURES
from bot.store import Store

ROLE = re.compile(r"^(/role\s+(add|remove)\s+)(\S+)(.*)$", re.IGNORECASE | re.DOTALL)
ESCAPED = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
TITLES = {"cllr", "councillor", "mr", "mrs", "ms", "miss", "dr", "rev", "revd"}
MAX_PAGES = 50
PICK = "Type @ and pick the person from Slack's list, so Slack tells me who they are."


class Unresolved(Exception):
    """The Clerk's PERSON is not one Slack user (or not safely one): ``str()`` is the reply."""


async def resolve_role_target(text: str, *, client: AsyncWebClient, store: Store, sender: str) -> str:
    """``text`` with its PERSON replaced by ``<@U…>``; unchanged when it is not ``/role add|remove``."""
    matched = ROLE.match(text.strip())
    if matched is None:
        return text
    head, verb, handle, rest = matched.group(1), matched.group(2).lower(), matched.group(3), matched.group(4)
    user = await _slack_user(client, handle)
    if verb == "add" and await store.members.by_identity("slack", str(user["id"])) is None:
        await _not_a_second_entry(store, sender, handle, user)
    return f"{head}<@{user['id']}>{rest}"


def shown(handle: str) -> str:
    """How the Clerk's PERSON is named back to them: ``<@U123|tom>`` as ``@tom``, never Slack markup."""
    escaped = ESCAPED.match(handle)
    if escaped is None:
        return handle
    label = handle[2:-1].partition("|")[2]
    return f"@{label or escaped.group(1)}"


async def _slack_user(client: AsyncWebClient, handle: str) -> Mapping[str, Any]:
    escaped = ESCAPED.match(handle)
    wanted = escaped.group(1) if escaped else handle.lstrip("@")
    handle = shown(handle)
    try:
        if escaped or USER_ID.match(wanted):
            response = await client.users_info(user=wanted)
            return dict(response.get("user") or {"id": wanted})
        found = [u for u in await _everyone(client) if _goes_by(u, wanted)]
    except FAILURES as error:
        code = getattr(getattr(error, "response", None), "get", lambda _k: None)("error")
        if escaped and code != "user_not_found":
            return {"id": wanted}  # Slack named the person itself; only the roster-name check is skipped
        if code == "user_not_found":
            raise Unresolved(f"I can't find {handle} in this Slack workspace. {PICK} Nothing was changed.") from None
        raise Unresolved(f"I couldn't look {handle} up in Slack ({code or type(error).__name__}). {PICK} "
                         "Nothing was changed.") from None
    if not found:
        raise Unresolved(f"I can't find {handle} in this Slack workspace. {PICK} Nothing was changed.")
    if len(found) > 1:
        raise Unresolved(f"More than one person in this Slack workspace goes by {handle}. {PICK} "
                         "Nothing was changed.")
    return found[0]


async def _everyone(client: AsyncWebClient) -> list[Mapping[str, Any]]:
    people: list[Mapping[str, Any]] = []
    cursor = ""
    for _ in range(MAX_PAGES):
        page = await client.users_list(limit=200, cursor=cursor or None)
        people += [u for u in page.get("members") or [] if not u.get("deleted") and not u.get("is_bot")]
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            break
    return people


def _names(user: Mapping[str, Any]) -> set[str]:
    profile = user.get("profile") or {}
    found = {user.get("name"), user.get("real_name"), profile.get("real_name"), profile.get("display_name"),
             profile.get("real_name_normalized"), profile.get("display_name_normalized")}
    return {str(n).strip().lower() for n in found if n and str(n).strip()}


def _goes_by(user: Mapping[str, Any], wanted: str) -> bool:
    return wanted.strip().lower() in _names(user)


def _bare(name: str) -> str:
    words = re.findall(r"[a-z]+", name.lower())
    return " ".join(w for w in words if w not in TITLES)


async def _not_a_second_entry(store: Store, sender: str, handle: str, user: Mapping[str, Any]) -> None:
    clerk = await store.members.by_identity("slack", sender)
    if clerk is None:
        return
    theirs = {_bare(n) for n in _names(user)} - {""}
    for member in await store.members.of_council(clerk.council):
        if _bare(member.name) in theirs:
            raise Unresolved(f"{shown(handle)} on Slack is not linked to {member.name} on the roster yet, so I changed "
                             f"nothing (adding them would list them twice). If that is them, send /protocol "
                             f"linkcode {member.name} and ask them to send me the code; then change the role.")
