"""Publishing a new version of a council's protocol, in two steps so the Clerk sees what changes first.

1. ``prepare``: parse the new text and diff it clause by clause against the live version. A text that does
   not parse, or changes nothing, raises here; nothing has been written and the live version answers on.
2. ``publish``: keep the text as a version folder, build its index in a folder of its own (questions asked
   meanwhile are answered from the live index), then move the ``live`` pointer and swap the new index in.
   Other processes notice the pointer on their next look (``Library.reload_every``).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace

from knowledge.clauses import ParsedDocument
from knowledge.diff import ProtocolDiff, diff_clauses
from knowledge.documents import require
from knowledge.index import CouncilIndex
from knowledge.library import Library
from knowledge.parsing import parse_document
from knowledge.versions import (
    VersionError,
    check_name,
    live_version,
    meta_dict,
    next_name,
    set_live,
    version_dir,
    write_version,
)

ORIGINAL = "1"
"""The name the text in use before the first publication is kept under."""
_NOT_COPIED = ("version", "published_at", "note")
MIN_KEPT_SHARE = 0.5
"""A new version with fewer clauses than this share of the live one's is refused as a likely wrong or cut-short
file (a protocol is amended, rarely halved)."""


@dataclass(frozen=True, slots=True)
class Draft:
    slug: str
    version: str
    text: str
    document: ParsedDocument
    live: CouncilIndex
    """The index answering now: what the draft is compared with."""
    diff: ProtocolDiff

    @property
    def live_version(self) -> str | None:
        return self.live.version


def unicode_text(raw: bytes) -> str | None:
    """UTF-8 (with or without its byte-order mark) or UTF-16 with its mark (what Windows Notepad saves as
    "Unicode"); ``None`` for anything else. UTF-16 is full of NUL bytes, so it must be recognised before a NUL is
    taken as the sign of a binary file."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def decode(raw: bytes) -> str:
    """Bytes as a person's editor saved them: UTF-8 (with or without BOM) or UTF-16 with its BOM, else
    Windows-1252."""
    text = unicode_text(raw)
    return text if text is not None else raw.decode("cp1252", errors="replace")


def prepare(library: Library, slug: str, text: str, *, version: str | None = None,
            source_name: str = "the new version") -> Draft:
    """Parse and compare; raises ``KnowledgeError`` (naming what is wrong) and writes nothing."""
    live = library.council(slug)
    name = check_name(version) if version else next_name(library.home, slug)
    if version_dir(library.home, slug, name).exists() or (live.version == name):
        raise VersionError(f"{slug} already has a version {name!r}; choose another name")
    document = parse_document(text, replace(live.meta, version=name), source_name=source_name)
    if len(document.clauses) < MIN_KEPT_SHARE * len(live.clauses):
        raise VersionError(f"{source_name}: {len(document.clauses)} clauses where the live version has "
                           f"{len(live.clauses)}; is it the whole protocol? Nothing was published")
    diff = diff_clauses(list(live.clauses), list(document.clauses))
    if not diff:
        shown = f"version {live.version}" if live.version else "the live version"
        raise VersionError(f"{source_name}: no clause differs from {shown}; nothing to publish")
    return Draft(slug, name, text, document, live, diff)


def publish(library: Library, draft: Draft, *, note: str | None = None) -> CouncilIndex:
    """Keep, build beside, then swap. Returns the index now answering."""
    home, slug = library.home, draft.slug
    current = require(library.sources(), slug)
    meta = {k: v for k, v in meta_dict(current).items() if k not in _NOT_COPIED}
    first = live_version(home, slug) is None and draft.version != ORIGINAL
    if first and not version_dir(home, slug, ORIGINAL).exists():
        write_version(home, slug, ORIGINAL, current.read_text(), meta, note="the text in use before versions")
    source = write_version(home, slug, draft.version, draft.text, meta, note=note)
    index = library.build(source)
    set_live(home, slug, draft.version)
    library.swap(slug, index)
    return index
