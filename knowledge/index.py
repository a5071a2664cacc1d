"""One council's searchable index, built once and persisted with a manifest.

The manifest records model, dimension, the document digest and the protocol version: loading an index
built from other documents or another model raises ``IndexStaleError`` and the caller rebuilds; nothing is
mixed. The version travels with every answer, so a reply can say which text it quoted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from knowledge.chunks import chunks_for, lexical_text
from knowledge.clauses import Clause, DocumentMeta
from knowledge.dense import DenseIndex
from knowledge.embedding import Embedder
from knowledge.errors import IndexStaleError
from knowledge.lexical import LexicalIndex
from knowledge.vocabulary import tokens

FORMAT_VERSION = 10
"""Bumped when a saved index would no longer match what the code builds: 5, the parser reads legal "4.(2)",
lettered "B2", "Para 12." and slide-deck numbering (saved clauses of such documents had other boundaries); 6, a
text-browser dump's chrome, link numbers and References list and a one-line signature are set aside; 7, a box's
sides, ``_italic_`` underscores and a footer starting "Page N of M |" leave the quoted text, a numbered first
line wrapped before "Officer, ..." is no heading, and a table's rows (tabs or pipes) keep a line each; 9, a
reviewed Word copy's tracked deletions and comments leave the text, tables, notices and flow charts drawn in box
characters are read as their words, a control block of such a table is set aside, a tab-indented sub-heading heads
its paragraphs, footnotes listed at the end are a paragraph each, a paragraph-per-line text with blank lines
around its headings is read a paragraph to a line, and a text-browser dump's accordion headings
("+ 2. Roles") head their clauses while a page note, a caption, related-page links, a cookie notice and the
footer's contact lines are set aside; 10, a row of boxes side by side keeps every box's words (it was blanked as one
notice) and a web page's contact lines are set aside only in its footer (inside the page they are quoted)."""


@dataclass(frozen=True, slots=True)
class Manifest:
    council: str
    model: str
    dimension: int
    document_digest: str
    clauses: int
    chunks: int
    format: int = FORMAT_VERSION
    version: str | None = None
    """The published protocol version indexed (``None``: the bundled or first added text)."""


class CouncilIndex:
    def __init__(
        self, *, meta: DocumentMeta, clauses: list[Clause], chunk_clause: np.ndarray, chunk_segment: np.ndarray,
        dense: DenseIndex, manifest: Manifest,
    ) -> None:
        self.meta = meta
        self.clauses = clauses
        self.chunk_clause = chunk_clause
        self.chunk_segment = chunk_segment
        self.dense = dense
        self.manifest = manifest
        self.lexical = LexicalIndex([tokens(lexical_text(c)) for c in clauses])

    @classmethod
    def build(cls, meta: DocumentMeta, clauses: list[Clause], embedder: Embedder, digest: str) -> CouncilIndex:
        chunks = chunks_for(clauses)
        vectors = embedder.embed([c.embed_text for c in chunks])
        manifest = Manifest(meta.council, embedder.name, embedder.dimension, digest, len(clauses), len(chunks),
                            version=meta.version)
        return cls(
            meta=meta,
            clauses=clauses,
            chunk_clause=np.array([c.clause_index for c in chunks], dtype=np.int32),
            chunk_segment=np.array([c.segment for c in chunks], dtype=np.int32),
            dense=DenseIndex.build(vectors),
            manifest=manifest,
        )

    @property
    def version(self) -> str | None:
        return self.manifest.version

    def save(self, folder: Path) -> None:
        """Write beside the target, then swap the folder in, so a reader never sees half an index."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        self.dense.save(staging / "dense.faiss")
        np.save(staging / "chunk_clause.npy", self.chunk_clause)
        np.save(staging / "chunk_segment.npy", self.chunk_segment)
        payload = {"meta": asdict(self.meta), "clauses": [_clause_json(c) for c in self.clauses]}
        (staging / "clauses.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        (staging / "manifest.json").write_text(json.dumps(asdict(self.manifest), indent=2), encoding="utf-8")
        old = folder.with_name(f".{folder.name}-old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, *, model: str, digest: str) -> CouncilIndex:
        try:
            manifest = Manifest(**json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise IndexStaleError(f"{folder}: no readable manifest") from exc
        if manifest.format != FORMAT_VERSION or manifest.model != model:
            raise IndexStaleError(f"{folder}: built with {manifest.model} (format {manifest.format})")
        if manifest.document_digest != digest:
            raise IndexStaleError(f"{folder}: built from an older version of the protocol")
        payload = json.loads((folder / "clauses.json").read_text(encoding="utf-8"))
        clauses = [Clause(**{**c, "heading_path": tuple(c["heading_path"])}) for c in payload["clauses"]]
        dense = DenseIndex.load(folder / "dense.faiss")
        if dense.dimension != manifest.dimension:
            raise IndexStaleError(f"{folder}: vectors of dimension {dense.dimension}, expected {manifest.dimension}")
        return cls(
            meta=DocumentMeta(**payload["meta"]),
            clauses=clauses,
            chunk_clause=np.load(folder / "chunk_clause.npy"),
            chunk_segment=np.load(folder / "chunk_segment.npy"),
            dense=dense,
            manifest=manifest,
        )


def _clause_json(clause: Clause) -> dict[str, object]:
    data = asdict(clause)
    data["heading_path"] = list(clause.heading_path)
    return data
