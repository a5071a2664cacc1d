"""Errors raised by the knowledge layer, each naming what is at fault.

    KnowledgeError
    ├── ProtocolFileError      a protocol file is missing, empty, unreadable or has no clauses
    ├── UnknownCouncilError    a council slug nobody configured (lists the valid ones)
    └── IndexStaleError        an index on disk was built from other documents or another model
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base of every error the knowledge layer raises on purpose."""


class ProtocolFileError(KnowledgeError):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class UnknownCouncilError(KnowledgeError):
    def __init__(self, council: str, known: list[str]) -> None:
        valid = ", ".join(sorted(known)) or "(none configured)"
        super().__init__(f"Unknown council '{council}'. Valid councils: {valid}")
        self.council = council
        self.known = sorted(known)


class IndexStaleError(KnowledgeError):
    """The persisted index does not match the documents or the model; it must be rebuilt."""
