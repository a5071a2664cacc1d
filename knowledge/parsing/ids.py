"""Clause ids: stable, unique within a document, and readable as a citation.

A numbered clause is ``<council>:<number>`` as printed; an unnumbered paragraph is
``<council>:<heading-slug path>:p<n>``, counted within its heading path. A number printed twice (a
document's own mistake) still gets two ids, the second ``~2``, while both are cited as printed.
"""

from __future__ import annotations

import re


class ClauseIds:
    """Hands out the ids of one document's clauses, in document order."""

    def __init__(self, council: str) -> None:
        self.council = council
        self._ids: dict[str, int] = {}
        self._paras: dict[tuple[str, ...], int] = {}

    def numbered(self, number: str) -> str:
        return self._unique(f"{self.council}:{number}")

    def paragraph(self, heading_path: tuple[str, ...]) -> tuple[str, int]:
        """The id of the next unnumbered paragraph under this heading path, and its position there."""
        para = self._paras.get(heading_path, 0) + 1
        self._paras[heading_path] = para
        slug = "/".join(_slug(h) for h in heading_path) or "top"
        return self._unique(f"{self.council}:{slug}:p{para}"), para

    def _unique(self, clause_id: str) -> str:
        seen = self._ids.get(clause_id, 0) + 1
        self._ids[clause_id] = seen
        return clause_id if seen == 1 else f"{clause_id}~{seen}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48]
