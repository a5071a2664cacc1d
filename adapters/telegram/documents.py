"""A document sent to the bot (the Clerk's ``/publish`` with the new protocol attached) -> ``Attachment``.

Only a private chat's document captioned ``/publish`` is read. The file is fetched from the Bot API
(``getFile``, then the file URL on the same server) only when it is small enough (``MAX_BYTES``, checked on
the size Telegram reports and again on what arrived) and kept only if it is UTF-8 text. Whatever is refused
gets a polite reply saying why; nothing from the file is ever logged, only the kind of failure.
"""

from __future__ import annotations

import logging

from telegram import Bot, Document
from telegram.error import BadRequest

from adapters.telegram.retry import with_retries
from bot.messages import Attachment
from knowledge.publishing import unicode_text

log = logging.getLogger(__name__)

MAX_BYTES = 1024 * 1024
"""1 MB: far more than any protocol's text, far less than Telegram lets a bot download (20 MB)."""
TOO_LARGE = ("That file is too large to read: I accept protocol documents of up to 1 MB of plain text. Nothing "
             "was published.")
NOT_TEXT = ("I could not read that file as text. Please send the protocol as a plain UTF-8 text file (.txt or "
            ".md) with the caption /publish. Nothing was published.")
NOT_FETCHED = "I could not fetch that file from Telegram. Please send it again. Nothing was published."
ONLY_PUBLISH = ("I only read documents sent with the caption /publish (the Clerk publishing a new version of the "
                "protocol). To ask a question, type it as a message.")


class Refused(Exception):
    """The document cannot be used; ``reply`` tells the sender why (and holds nothing from the file)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


async def fetch(bot: Bot, document: Document, *, limit: int = MAX_BYTES) -> Attachment:
    """Download and decode the document, or raise ``Refused``."""
    if document.file_size is not None and document.file_size > limit:
        raise Refused(TOO_LARGE)
    try:
        file = await with_retries(lambda: bot.get_file(document.file_id), what="getFile")
        if file.file_size is not None and file.file_size > limit:
            raise Refused(TOO_LARGE)
        raw = await with_retries(lambda: file.download_as_bytearray(), what="downloadFile")
    except BadRequest as error:  # "file is too big" (over Telegram's own limit), or gone
        log.info("document not fetched: %s", type(error).__name__)
        raise Refused(TOO_LARGE if "too big" in error.message.lower() else NOT_FETCHED) from None
    if len(raw) > limit:
        raise Refused(TOO_LARGE)
    return Attachment(document.file_name or "document.txt", decode(bytes(raw)))


def decode(raw: bytes) -> str:
    """UTF-8 text (a byte-order mark is dropped), or ``Refused``: a binary file (a PDF, a Word document) is not
    guessed at."""
    text = unicode_text(raw)  # UTF-16 with its mark too (Notepad's "Unicode")
    if text is None or "\x00" in text or not text.strip():
        raise Refused(NOT_TEXT)
    return text
