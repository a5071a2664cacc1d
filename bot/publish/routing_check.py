"""Whether a new version keeps the council's routing rules true: the checks the bot runs at start
(``bot.routing.RoutingBook``: every cited clause exists, the recipient is named in it, each next step is quoted
verbatim), run against the draft before it can be published.

A version that removes or renumbers a clause a rule cites is refused, in chat and on the command line: were it
published, the next start would stop on that rule and nobody could report a concern. The Clerk is told each
rule and what no longer holds, and that the rules in the council profile must be updated first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from bot.routing import RoutingBook
from config.councils import ProfileError, load_profile
from config.routing import RoutingConfig, RoutingConfigError, load_routing
from config.settings import CONFIG_DIR
from knowledge.clauses import Clause, DocumentMeta
from knowledge.index import CouncilIndex
from knowledge.publishing import Draft


@dataclass(frozen=True, slots=True)
class _DraftClauses:
    """What binding a routing rule reads of an index: the draft's clauses, before any index is built."""

    clauses: list[Clause]
    meta: DocumentMeta


@dataclass(frozen=True, slots=True)
class BrokenRules:
    version: str
    problems: tuple[str, ...]
    """One line per rule and what no longer holds."""
    profile: Path | None
    """The council profile holding the rules."""

    def __bool__(self) -> bool:
        return bool(self.problems)

    def refusal(self) -> str:
        where = _shown(self.profile) if self.profile else "the council profile"
        lines = [f"Nothing was published: version {self.version} no longer supports these routing rules for "
                 "reporting a concern, and the bot would refuse to start with them:"]
        lines += [f"  {problem}" for problem in self.problems]
        lines.append(f"The routing rules in the council profile ({where}) must be updated first, to cite the clauses "
                     "as this version numbers and words them; then publish it again. The live version is unchanged "
                     "and still answers questions.")
        return "\n".join(lines)


def _shown(path: Path) -> str:
    """A bundled profile by its place in the project (``config/councils/<slug>.yaml``), others as they are."""
    try:
        return str(path.relative_to(CONFIG_DIR.parent))
    except ValueError:
        return str(path)


def _absent(ref: str, clauses: list[Clause]) -> bool:
    return not any(c.clause_id == ref or c.number == ref for c in clauses)


def broken_rules(draft: Draft, home: Path) -> BrokenRules:
    """The rules that would no longer hold once ``draft`` is live. A profile whose routing section does not load
    is left to the checks at start, which name their own error."""
    try:
        config, source = load_routing(draft.slug, home)
        profile = load_profile(draft.slug, home)
    except (RoutingConfigError, ProfileError):
        return BrokenRules(draft.version, (), None)
    clauses = list(draft.document.clauses)
    stand_in = cast(CouncilIndex, _DraftClauses(clauses, draft.document.meta))
    singles = [(rule.id, rule.clauses, RoutingConfig(rules=(rule,))) for rule in config.rules]
    if config.personnel is not None:
        singles.append(("personnel", config.personnel.clauses, RoutingConfig(personnel=config.personnel)))
    problems: list[str] = []
    for rule_id, refs, single in singles:
        missing = [ref for ref in refs if _absent(ref, clauses)]
        problems += [f"routing rule {rule_id!r} cites clause {ref}, which version {draft.version} does not have "
                     "(removed or renumbered)" for ref in missing]
        if missing:
            continue
        try:
            RoutingBook(draft.slug, single, stand_in, profile)
        except RoutingConfigError as exc:
            problems.append(str(exc).removeprefix(f"council {draft.slug}: "))
    return BrokenRules(draft.version, tuple(problems), source)
