"""A file the Clerk sends on its own, remembered for a following ``/publish``.

A Clerk naturally uploads the new text first and then types ``/publish``; Slack's slash commands cannot carry
a file and a Telegram command is a message of its own. So a protocol file sent without a command in a private
chat, by someone who may publish, is kept (``<home>/councils/<slug>/uploads/<member id>.json``, the newest
only) for ``PROTOCOL_BOT_UPLOAD_MINUTES`` (30 by default); ``/publish`` without an attachment previews it.
Older uploads are deleted whenever one is kept or looked for. Anyone else's file is not kept: the message is
handled as if it had come without one (adapters do not even download it, see ``may_upload``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.broadcasts.chat import allowed
from bot.context import Services, Turn
from bot.messages import Reply
from bot.publish import kept

UPLOADS = "uploads"
WINDOW_ENV = "PROTOCOL_BOT_UPLOAD_MINUTES"
DEFAULT_MINUTES = 30.0


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    text: str


def window() -> float:
    """Seconds a remembered file waits for ``/publish``."""
    return kept.limit(WINDOW_ENV, DEFAULT_MINUTES, unit=60)


def minutes() -> str:
    """The window in words, for the replies that mention it."""
    count = window() / 60
    return f"{count:g} minute" + ("" if count == 1 else "s")


def _path(home: Path, slug: str, member_id: int) -> Path:
    return kept.folder(home, slug, UPLOADS) / f"{member_id}.json"


def remember(home: Path, slug: str, member_id: int, upload: Upload, *, now: float | None = None) -> None:
    """Keep ``upload`` as this member's latest file (replacing an earlier one)."""
    kept.sweep(kept.folder(home, slug, UPLOADS), window(), now)
    kept.write(_path(home, slug, member_id), {"name": upload.name, "text": upload.text}, now=now)


def latest(home: Path, slug: str, member_id: int, *, now: float | None = None) -> Upload | None:
    """The member's file if it came within the window; anything older is deleted first."""
    kept.sweep(kept.folder(home, slug, UPLOADS), window(), now)
    data = kept.read(_path(home, slug, member_id))
    if data is None or not isinstance(data.get("name"), str) or not isinstance(data.get("text"), str):
        return None
    return Upload(data["name"], data["text"])


def forget(home: Path, slug: str, member_id: int) -> None:
    kept.drop(_path(home, slug, member_id))


async def may_upload(services: Services, platform: str, user_id: str) -> bool:
    """Whether a file this person sends on its own is worth downloading: only someone who may publish. Asked
    by adapters before they fetch anything, so nobody else's file is ever read; a database that does not answer
    means no (the message is then handled as if it had no file)."""
    return await services.sender_holds(platform, user_id, "publish")


async def received(turn: Turn) -> list[Reply] | None:
    """A file without a command: kept for ``/publish`` when it comes from someone who may publish, in a private
    chat; ``None`` otherwise (the message is then handled as if it came without the file)."""
    attachment = turn.incoming.attachment
    if attachment is None or not turn.in_private or turn.member is None or not allowed(turn, "publish"):
        return None
    council = turn.member.council
    remember(turn.services.qa.library.home, council, turn.member.id, Upload(attachment.name, attachment.text))
    await turn.audit("publish.uploaded", ref=council)
    return [turn.privately(f"Got {attachment.name}. Send /publish [VERSION] [NOTE] within {minutes()} to preview "
                           "it as the new version.", kind="upload_kept")]
