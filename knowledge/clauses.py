"""The units people cite: a protocol document and the clauses parsed from it.

Every clause knows where it came from (council, printed number, heading path, source offset), so any
sentence the bot quotes can be traced back to the page a councillor holds in their hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What is printed about a protocol, kept apart from its clauses."""

    council: str
    """Council slug, e.g. ``ledbury``."""
    council_name: str
    title: str
    adopted: str | None = None
    version: str | None = None
    source: str | None = None
    citation_prefix: str | None = None
    """How citations open; defaults to ``"<council name>, <title>"``."""

    @property
    def cite_as(self) -> str:
        return self.citation_prefix or f"{self.council_name}, {self.title}"


@dataclass(frozen=True, slots=True)
class Clause:
    """One citable piece of a protocol.

    ``text`` is exactly what the bot may quote: source lines with hard wraps rejoined, markdown
    emphasis and bullet glyphs removed, list items on lines of their own.
    """

    clause_id: str
    council: str
    number: str | None
    heading_path: tuple[str, ...]
    text: str
    offset: int
    """Character offset in the source document where the clause starts."""
    para: int | None = None
    """For an unnumbered clause: its position (1-based) among the paragraphs under its heading."""
    title: str | None = None
    """A run-in or numbered title printed with the clause (``Procedure for officers``)."""

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A protocol as parsed: its clauses in reading order and what was set aside as not-clauses."""

    meta: DocumentMeta
    clauses: tuple[Clause, ...]
    set_aside: tuple[str, ...] = field(default=())
    """Lines recognised as page furniture (headers, footers, page numbers, contents, signatures)."""

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.clause_id == clause_id:
                return clause
        raise KeyError(clause_id)
