"""``/publish [VERSION] [NOTE]`` with the new text attached, or after sending the file on its own (``uploads``): a
preview with Publish / Cancel, then publication and a broadcast of the changes for every member to acknowledge.
The Clerk only (``publish`` permission), on the command and again on the button, since a button press is not a
command. A version the council's routing rules no longer hold under is refused (``routing_check``), at the
command and again on the press, since the profile may have changed in between.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from bot.broadcasts.chat import ActionHandler, allowed, announcement_channels, delivery_platforms, refusal
from bot.broadcasts.compose import to_json, version_content
from bot.broadcasts.settings import reminder_interval
from bot.commands import Command, CommandTable
from bot.context import Turn
from bot.messages import Action, Button, Reply, Target, Visibility
from bot.publish import drafts, uploads
from bot.publish.preview import affected_rules, preview_blocks
from bot.publish.routing_check import broken_rules
from knowledge.errors import KnowledgeError
from knowledge.publishing import Draft, prepare, publish
from knowledge.versions import VERSION_NAME

CONFIRM, CANCEL = "publish.confirm", "publish.cancel"
USAGE = ("Send me the new version of your protocol as a text file, then /publish within {minutes} (or attach the "
         "file to the /publish message), optionally with a version name and a note for members: /publish 2026-11 "
         "Clause 5.4 reworded.")
_NUMBERED = re.compile(r"^v?\d", re.IGNORECASE)
"""How a version name starts, as councils write them (``2``, ``2026-12b``, ``v3.1``): a first word like "Clause"
or "Minor" is the note's first word, not a version."""


def parse_args(args: str) -> tuple[str | None, str | None]:
    """``2026-11 Clause 5.4 reworded`` -> ("2026-11", "Clause 5.4 reworded"). A first word that is a valid version
    name (``knowledge.versions.VERSION_NAME``) and starts with a number (or ``v`` and a number) is the version,
    whatever follows its digits (``2026-12b``, ``2026-12-rev2``); any other first word begins the note."""
    first, _, rest = args.strip().partition(" ")
    first, _, more = first.partition("\n")
    if first and _NUMBERED.match(first) and VERSION_NAME.match(first):
        note = " ".join(part for part in (more.strip(), rest.strip()) if part)
        return first, note or None
    return None, args.strip() or None


def _private(turn: Turn, reply: Reply) -> Reply:
    if turn.in_private:
        return reply
    return Reply(reply.blocks, reply.buttons, Visibility.DIRECT_MESSAGE,
                 Target(turn.incoming.platform, user_id=turn.incoming.user_id), reply.meta)


async def _publish(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None  # the permission check let only the Clerk through
    library, council = turn.services.qa.library, turn.member.council
    attachment = turn.incoming.attachment or uploads.latest(library.home, council, turn.member.id)
    if attachment is None:
        return [turn.privately(USAGE.format(minutes=uploads.minutes()), kind="usage")]
    version, note = parse_args(args)
    try:
        draft = await asyncio.to_thread(prepare, library, council, attachment.text, version=version,
                                        source_name=attachment.name)
    except KnowledgeError as exc:
        await turn.audit("publish.invalid", ref=council)
        return [turn.privately(f"Nothing was published: {exc}\nThe live version is unchanged and still answers "
                               "questions.", kind="publish_refused")]
    broken = broken_rules(draft, library.home)
    if broken:
        await turn.audit("publish.routing_broken", ref=f"{council}@{draft.version}")
        return [turn.privately(broken.refusal(), kind="publish_refused")]
    token = drafts.stage(library.home, drafts.StagedDraft(council, draft.version, attachment.text, attachment.name,
                                                          note, draft.live_version, turn.member.id))
    uploads.forget(library.home, council, turn.member.id)  # previewed: a later /publish needs a new file
    await turn.audit("publish.previewed", ref=f"{council}@{draft.version}")
    value = f"{council}:{token}"
    buttons = (Button("Publish", Action(CONFIRM, value)), Button("Cancel", Action(CANCEL, value)))
    blocks = preview_blocks(draft, affected_rules(draft, library.home), note=note)
    reply = Reply(tuple(blocks), buttons, meta={"kind": "publish_preview"})
    return [_private(turn, reply)]


def _staged(turn: Turn, council: str, token: str) -> drafts.StagedDraft | Reply:
    """The draft a press is about, taken (so only one press publishes it), or the reply saying why not."""
    home = turn.services.qa.library.home
    try:
        staged = drafts.load(home, council, token)
    except drafts.PreviewExpired:
        return turn.privately(f"That preview expired (previews wait {drafts.max_age() / 3600:g} hours for Publish): "
                              "nothing was published. Please send /publish again.", kind="publish_expired")
    if staged is None or not drafts.drop(home, council, token):
        return turn.privately("That preview was already published or cancelled.", kind="publish_stale")
    return staged


async def _confirm(turn: Turn, value: str) -> list[Reply]:
    council, _, token = value.partition(":")
    if not allowed(turn, "publish") or turn.member is None or turn.member.council != council:
        return await refusal(turn, "publish", CONFIRM)
    library = turn.services.qa.library
    staged = _staged(turn, council, token)
    if isinstance(staged, Reply):
        return [staged]
    try:
        draft: Draft = await asyncio.to_thread(prepare, library, council, staged.text, version=staged.version,
                                               source_name=staged.name)
        if draft.live_version != staged.live_version:
            return [turn.privately("The live version changed since this preview; nothing was published. Please "
                                   "send /publish with the file again.", kind="publish_refused")]
        broken = broken_rules(draft, library.home)
        if broken:
            await turn.audit("publish.routing_broken", ref=f"{council}@{draft.version}")
            return [turn.privately(broken.refusal(), kind="publish_refused")]
        index = await asyncio.to_thread(publish, library, draft, note=staged.note)
    except KnowledgeError as exc:
        return [turn.privately(f"Nothing was published: {exc}", kind="publish_refused")]
    await turn.audit("protocol.published", ref=f"{council}@{draft.version}")
    content = version_content(index.meta, draft.diff, previous=draft.live_version, note=staged.note)
    broadcast, queued = await turn.store.broadcasts.create(
        council, "version", to_json(content), platforms=delivery_platforms(turn), version=draft.version,
        needs_ack=True, created_by=turn.member.id, remind_after=reminder_interval(),
        channels=announcement_channels(turn, council))
    await turn.audit("broadcast.queued", ref=str(broadcast.id))
    return [turn.privately(f"Published version {draft.version}: questions are answered from it now. The changes "
                           f"are on their way to members ({queued} message(s)); /acks shows who has acknowledged.",
                           kind="published")]


async def _cancel(turn: Turn, value: str) -> list[Reply]:
    council, _, token = value.partition(":")
    if not allowed(turn, "publish") or turn.member is None or turn.member.council != council:
        return await refusal(turn, "publish", CANCEL)
    drafts.drop(turn.services.qa.library.home, council, token)
    await turn.audit("publish.cancelled", ref=council)
    return [turn.privately("Cancelled: nothing was published and the live version is unchanged.",
                           kind="publish_cancelled")]


def register(table: CommandTable) -> None:
    table.register(Command("publish", _publish,
                           "publish a new version of the protocol (the Clerk; send the file first, or attach it)",
                           usage="[VERSION] [NOTE]", permission="publish"))


def register_actions(add: Callable[[str, ActionHandler], None]) -> None:
    add(CONFIRM, _confirm)
    add(CANCEL, _cancel)
