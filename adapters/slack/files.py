"""A file shared with ``/publish`` -> the ``Attachment`` the dialogue reads (the Clerk's new protocol text).

Slack sends a file share as a ``message`` (``subtype: file_share``) or ``app_mention`` event with ``files``;
each file has ``url_private_download`` / ``url_private``, which answer only with the bot token
(``Authorization: Bearer``, scope ``files:read``). Only files that come with ``/publish``, or a lone text file
sent to the bot's DM by someone who may publish (kept for a ``/publish`` that follows), are downloaded.

- The token goes only to Slack's file hosts (https ``files.slack.com`` and other ``*.slack.com``) or to the
  origin of the configured Web API base (``PROTOCOL_BOT_SLACK_API_URL``: a proxy, a test double); any other
  address is refused, and redirects are not followed (a redirect is Slack's sign-in page: no ``files:read``).
- A file the event does not describe fully (``file_access: check_file_info``, no URLs) is looked up with
  ``files.info`` first.
- At most ``MAX_BYTES``: a larger ``size`` is refused before downloading, and a download is cut off there.
- The text must be UTF-8 (a BOM is fine) and look like text: not an image, PDF or Word file.

Problems become ``FileRefused`` with a message for the person. Logs name the problem only: never the file's
name or content.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.messages import Attachment
from knowledge.publishing import unicode_text

log = logging.getLogger(__name__)
MAX_BYTES = 1_000_000
TIMEOUT = aiohttp.ClientTimeout(total=30)
SLACK_FILE_HOSTS = ("slack.com", "slack-files.com")
TEXT_TYPES = ("application/json", "application/xml", "application/x-yaml", "application/yaml")
SAVE_AS_TEXT = "Please save the protocol as a plain text file (.txt, UTF-8) and share that with /publish."


class FileRefused(Exception):
    """A shared file that cannot become an attachment; ``message`` is what the person is told."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason
        """For logs: a short code, nothing of the file."""


async def attachment(files: Sequence[Mapping[str, Any]], *, token: str, api_base: str,
                     session: aiohttp.ClientSession | None = None) -> Attachment:
    """The one shared file as text; ``FileRefused`` when it cannot be (several files, too big, not text ...)."""
    if len(files) != 1:
        raise FileRefused("Please share one file at a time with /publish: the new version of the protocol as a "
                          "single text file.", "several_files")
    file = files[0]
    name = str(file.get("name") or file.get("title") or "the shared file")
    size = file.get("size")
    if isinstance(size, int) and size > MAX_BYTES:
        raise _too_large(name)
    if not looks_like_text(file):
        raise FileRefused(f"{name} is not a text file ({file.get('mimetype')}). {SAVE_AS_TEXT}", "not_text")
    url = _url(file)
    if not url:
        raise FileRefused(f"I could not open {name}: Slack did not say where to download it. Please share it "
                          "again with /publish.", "no_url")
    if not trusted(url, api_base):
        raise FileRefused(f"I could not open {name}: it is not stored by Slack.", "untrusted_host")
    raw = await _download(url, token, name, session)
    return Attachment(name, _text(raw, name))


async def described(files: Sequence[Mapping[str, Any]], client: AsyncWebClient) -> list[Mapping[str, Any]]:
    """The files with their download URLs: a lone file the event left without them is asked for (``files.info``).
    A failed look-up leaves the file as it was (and ``attachment`` explains that it could not be opened)."""
    if len(files) != 1 or _url(files[0]) or not files[0].get("id"):
        return list(files)
    try:
        info = await client.files_info(file=str(files[0]["id"]))
    except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as error:
        log.warning("slack: files.info failed: %s", type(error).__name__)
        return list(files)
    found = info.get("file")
    return [found] if isinstance(found, Mapping) else list(files)


def looks_like_text(file: Mapping[str, Any]) -> bool:
    """By the type Slack gives (a file it does not describe may be text: its content decides)."""
    mimetype = str(file.get("mimetype") or "")
    return not mimetype or mimetype.startswith("text/") or mimetype in TEXT_TYPES


def _url(file: Mapping[str, Any]) -> str:
    return str(file.get("url_private_download") or file.get("url_private") or "")


def trusted(url: str, api_base: str) -> bool:
    """Whether the bot token may be sent to ``url``: Slack's own https hosts, or the configured API's origin."""
    parts, base = urlsplit(url), urlsplit(api_base)
    if parts.scheme == base.scheme and parts.netloc == base.netloc and parts.netloc:
        return True
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in SLACK_FILE_HOSTS)


async def _download(url: str, token: str, name: str, session: aiohttp.ClientSession | None) -> bytes:
    own = session is None
    client = session or aiohttp.ClientSession(timeout=TIMEOUT)
    try:
        async with client.get(url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False) as response:
            if response.status != 200 or response.content_type == "text/html":
                log.warning("slack: a shared file could not be downloaded: HTTP %d %s", response.status,
                            response.content_type)
                raise FileRefused(f"I could not download {name} from Slack. If this keeps happening, the app may "
                                  "lack the files:read permission: ask whoever administers it.", "download_failed")
            raw = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                raw += chunk
                if len(raw) > MAX_BYTES:  # the size Slack gave was wrong, or missing: stop reading here
                    raise _too_large(name)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("slack: a shared file could not be downloaded: %s", type(error).__name__)
        raise FileRefused(f"I could not download {name} from Slack just now. Please try again in a moment.",
                          "download_failed") from None
    finally:
        if own:
            await client.close()
    return bytes(raw)


def _text(raw: bytes, name: str) -> str:
    decoded = unicode_text(raw)
    if decoded is None and b"\x00" not in raw:
        raise FileRefused(f"{name} is not UTF-8 text. {SAVE_AS_TEXT}", "not_utf8")
    if decoded is None or "\x00" in decoded:
        raise FileRefused(f"{name} is not a text file. {SAVE_AS_TEXT}", "not_text")
    text = decoded
    if not text.strip():
        raise FileRefused(f"{name} is empty. {SAVE_AS_TEXT}", "empty")
    return text


def _too_large(name: str) -> FileRefused:
    return FileRefused(f"{name} is too large: a protocol file can be at most {MAX_BYTES // 1_000_000} MB of "
                       f"text. {SAVE_AS_TEXT}", "too_large")
