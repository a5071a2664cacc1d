"""How a clause is named for people, so anyone can find it in the printed protocol."""

from __future__ import annotations

from knowledge.clauses import Clause, DocumentMeta


def cite(clause: Clause, meta: DocumentMeta, *, item: str | None = None) -> str:
    """``Ledbury Town Council, Protocol on Member/Officer Relations, 5.4`` or a heading path and para.

    ``item`` narrows a numbered clause to one lettered item: ``3.2(f)``.
    """
    if clause.number:
        return f"{meta.cite_as}, {clause.number}{f'({item})' if item else ''}"
    if clause.heading_path:
        return f'{meta.cite_as}, "{clause.heading}", para {clause.para}'
    return f"{meta.cite_as}, para {clause.para}"
