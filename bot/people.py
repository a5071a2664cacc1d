"""Who is who, and who may do what.

Permissions are data (``PERMISSIONS``: action -> roles allowed) so a council can see them at a glance;
only the Clerk changes roles, publishes or broadcasts, and the deputy clerk too where the council's
profile says ``deputy_clerk_administers: true``. A change to who receives reports about the Clerk also needs
the Chair's confirmation (``bot.clerk_recipients``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from config.councils import ROLES

ADMIN_ACTIONS = ("roles", "publish", "broadcast")
PERMISSIONS: dict[str, frozenset[str]] = {
    **{action: frozenset({"clerk"}) for action in ADMIN_ACTIONS},
    "roster": frozenset(ROLES),
    "role": frozenset(ROLES),
}
"""``role`` lets anyone on the roster reach ``/role``, because the Chair confirms there what the Clerk asked
(``/role confirm N``); ``bot.roster`` then checks ``roles`` for changing them and the confirming role for the rest."""

ROLE_LABELS = {
    "councillor": "a councillor", "chair": "the Chair", "vice-chair": "the Vice-Chair",
    "committee chair": "a committee chair", "clerk": "the Clerk", "deputy clerk": "the Deputy Clerk",
    "rfo": "the Responsible Financial Officer", "officer": "an officer",
}
"""How the reply header names the asker's role: "As a councillor, ..."."""

RETRIEVAL_ROLE = {
    "councillor": "councillor", "chair": "chair", "vice-chair": "chair", "committee chair": "chair",
    "clerk": "clerk", "deputy clerk": "officer", "rfo": "officer", "officer": "officer",
}
"""Our roles -> the roles retrieval knows how to phrase a query for."""

_ROLE_WORDS = {
    "councillor": r"councillors?|cllrs?|members?(?! of (?:staff|the public))",
    "chair": r"chair(?:man|woman|person)?s?",
    "vice-chair": r"vice[- ]chair(?:man|woman|person)?",
    "committee chair": r"(?:committee )?chair(?:man|woman|person)?s?",
    "clerk": r"clerks?|proper officer",
    "deputy clerk": r"deputy clerks?|assistant clerks?",
    "rfo": r"responsible financial officer|rfo",
    "officer": r"officers?|employees?|staff",
}
ROLE_PATTERNS = {role: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for role, words in _ROLE_WORDS.items()}


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    council: str
    name: str
    roles: tuple[str, ...]
    committee: str | None = None

    @property
    def primary_role(self) -> str | None:
        """The role a question is most likely asked in: the first listed in the roster."""
        return self.roles[0] if self.roles else None

    def describe(self) -> str:
        roles = ", ".join(f"{r} ({self.committee})" if r == "committee chair" and self.committee else r
                          for r in self.roles)
        return f"{self.name} ({roles}) of {self.council}"


def can(member: Member | None, action: str, *, deputy_clerk_administers: bool = False) -> bool:
    """Unknown actions are refused: a new command must say who may run it."""
    if member is None or action not in PERMISSIONS:
        return False
    allowed = set(PERMISSIONS[action])
    if deputy_clerk_administers and action in ADMIN_ACTIONS:
        allowed.add("deputy clerk")
    return bool(allowed & set(member.roles))


def who_may(action: str, *, deputy_clerk_administers: bool = False) -> str:
    """For a polite refusal: who may do this, in words."""
    if action in (*ADMIN_ACTIONS, "role"):
        return "the Clerk and Deputy Clerk" if deputy_clerk_administers else "the Clerk"
    return "people on the council's roster"


def role_in_text(member: Member | None, text: str) -> str | None:
    """The asker's role the text speaks of, if any: the header says "As a councillor" only then."""
    if member is None:
        return None
    for role in member.roles:
        if ROLE_PATTERNS[role].search(text):
            return role
    return None


assert set(ROLE_LABELS) == set(ROLES) == set(RETRIEVAL_ROLE) == set(_ROLE_WORDS)
