"""Where protocols come from: the bundled five (read from the package) and councils added at run time.

A council is a folder holding ``protocol.txt`` and ``meta.yaml``. A broken folder is reported by name
and skipped, so one bad file never stops the other councils answering. A run-time council folder with a
``live`` pointer answers from the version it names (``knowledge/versions.py``), not from its own files.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.clauses import DocumentMeta, ParsedDocument
from knowledge.errors import ProtocolFileError, UnknownCouncilError
from knowledge.parsing import parse_document

BUNDLED_DIR = Path(__file__).resolve().parent / "protocols"
PROTOCOL_FILE = "protocol.txt"
META_FILE = "meta.yaml"
VERSIONS_DIR = "versions"
LIVE_FILE = "live"


@dataclass(frozen=True, slots=True)
class CouncilSource:
    slug: str
    folder: Path

    @property
    def version(self) -> str | None:
        """The published version this source is (``None``: bundled or added without versions)."""
        return self.folder.name if self.folder.parent.name == VERSIONS_DIR else None

    @property
    def protocol_path(self) -> Path:
        return self.folder / PROTOCOL_FILE

    def read_text(self) -> str:
        path = self.protocol_path
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ProtocolFileError(str(path), f"cannot be read ({exc.strerror})") from exc
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")

    def digest(self) -> str:
        return hashlib.sha256(self.read_text().encode("utf-8") + self._meta_bytes()).hexdigest()

    def _meta_bytes(self) -> bytes:
        path = self.folder / META_FILE
        return path.read_bytes() if path.exists() else b""

    def meta(self) -> DocumentMeta:
        path = self.folder / META_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ProtocolFileError(str(path), f"metadata unreadable: {exc}") from exc
        if not isinstance(data, dict) or "council" not in data or "title" not in data:
            raise ProtocolFileError(str(path), "metadata needs 'council' and 'title'")
        return DocumentMeta(
            council=self.slug,
            council_name=str(data["council"]),
            title=str(data["title"]),
            adopted=_opt(data.get("adopted")),
            version=_opt(data.get("version")),
            source=_opt(data.get("source")),
            citation_prefix=_opt(data.get("citation_prefix")),
        )

    def parse(self) -> ParsedDocument:
        return parse_document(self.read_text(), self.meta(), source_name=str(self.protocol_path))


MAX_PROTOCOL_BYTES = 2_000_000
"""Over 80 times the largest bundled protocol (22 KB): a bigger file is not a protocol's text, and embedding a 20
MB one took minutes."""


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def runtime_dir(home: Path) -> Path:
    return home / "councils"


def discover(home: Path) -> dict[str, CouncilSource]:
    """Bundled councils, then those added at run time (a run-time council may replace a bundled one)."""
    found: dict[str, CouncilSource] = {}
    for root in (BUNDLED_DIR, runtime_dir(home)):
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            live = _live_folder(folder) if root != BUNDLED_DIR else None
            if live is not None:
                found[folder.name] = CouncilSource(folder.name, live)
            elif folder.is_dir() and (folder / PROTOCOL_FILE).exists():
                found[folder.name] = CouncilSource(folder.name, folder)
    return found


def _live_folder(folder: Path) -> Path | None:
    """The version a ``live`` pointer names, if it names one that exists."""
    try:
        name = (folder / LIVE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    target = folder / VERSIONS_DIR / name
    return target if name and (target / PROTOCOL_FILE).exists() else None


def require(sources: dict[str, CouncilSource], slug: str) -> CouncilSource:
    if slug not in sources:
        raise UnknownCouncilError(slug, list(sources))
    return sources[slug]


_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "between", "by", "for", "in", "of", "on", "or", "the", "to",
                          "with"})


def readable_title(line: str) -> str:
    """A title as printed, unless printed in capitals: "PROTOCOL ON MEMBER/OFFICER RELATIONS" becomes
    "Protocol on Member/Officer Relations" (``str.title`` would give "On" and "Councillor'S")."""
    if not line.isupper():
        return line
    words = re.split(r"(\s+|/|-)", line.lower())
    out, first = [], True
    for word in words:
        if word and word[0].isalpha() and (first or word not in _SMALL_WORDS):
            word = word[0].upper() + word[1:]
        if word.strip(" /-"):
            first = False
        out.append(word)
    return "".join(out)


def add_council(home: Path, slug: str, protocol: Path, *, name: str, title: str | None = None) -> CouncilSource:
    """Copy a protocol text into the home, after checking it parses, and write its metadata."""
    from knowledge.parsing import parse_clauses

    if not slug.replace("-", "").replace("_", "").isalnum() or slug != slug.lower():
        raise ProtocolFileError(slug, "council slug must be lower-case letters, digits, '-' or '_'")
    try:
        if protocol.stat().st_size > MAX_PROTOCOL_BYTES:
            raise ProtocolFileError(str(protocol), f"is over {MAX_PROTOCOL_BYTES // 1_000_000} MB; a protocol is "
                                    "tens of kilobytes of plain text")
        text = protocol.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise ProtocolFileError(str(protocol), f"cannot be read ({exc.strerror})") from exc
    _, title_lines, _ = parse_clauses(text, council=slug, source_name=str(protocol))
    doc_title = title or (readable_title(title_lines[-1]) if title_lines else "Member/Officer Protocol")
    folder = runtime_dir(home) / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PROTOCOL_FILE).write_text(text, encoding="utf-8")
    meta = {"council": name, "title": doc_title, "adopted": None, "source": str(protocol)}
    (folder / META_FILE).write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
    return CouncilSource(slug, folder)
