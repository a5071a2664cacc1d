"""Whether a new version keeps the council's routing rules true: the checks the bot runs at start
(``bot.routing.RoutingBook``: every cited clause exists, the recipient is named in it, each next step is quoted
verbatim), run against the draft before it can be published.

A version that removes or renumbers a clause a rule cites is refused, in chat and on the command line: were it
published, the next start would stop on that rule and nobody could report a concern. The Clerk is told each
rule and what no longer holds, and that the rules in the council profile must be updated first.

Reports about the Clerk are routed by the rules last accepted until a second person accepts the profile's edit of
them (``bot.clerk_recipients.governing``), so those are checked too: updating the file cannot mend them, and a
version under which they no longer hold would break reporting a concern until the Chair confirms. A bot process
knows them from its sync; the command line, which publishes without one, reads them from the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.clerk_recipients import confirmer, remembered, title
from bot.routing import RoutingBook
from bot.store import Store, StoreError
from bot.store.clerk_routings import StoredRouting
from bot.store.database import database_url
from config.councils import CouncilProfile, ProfileError, load_profile
from config.routing import ClerkRouting, RoutingConfig, RoutingConfigError, load_routing
from config.settings import CONFIG_DIR
from knowledge.clauses import Clause, DocumentMeta
from knowledge.index import CouncilIndex
from knowledge.publishing import Draft

log = logging.getLogger(__name__)
T = TypeVar("T")
AS_ACCEPTED = " as last accepted for reports about the Clerk"


@dataclass(frozen=True, slots=True)
class _DraftClauses:
    """What binding a routing rule reads of an index: the draft's clauses, before any index is built."""

    clauses: list[Clause]
    meta: DocumentMeta


@dataclass(frozen=True, slots=True)
class BrokenRules:
    version: str
    problems: tuple[str, ...]
    """One line per rule of the profile and what no longer holds."""
    profile: Path | None
    """The council profile holding the rules."""
    accepted: tuple[str, ...] = ()
    """One line per rule about the Clerk as last accepted (not as the profile has it) and what no longer holds."""
    confirms: str = "the Chair"
    """Who confirms the profile's change to the rules about the Clerk (``bot.clerk_recipients.title``)."""

    def __bool__(self) -> bool:
        return bool(self.problems or self.accepted)

    def refusal(self) -> str:
        where = _shown(self.profile) if self.profile else "the council profile"
        lines = [f"Nothing was published: version {self.version} no longer supports these routing rules for "
                 "reporting a concern" + (", and the bot would refuse to start with them:" if self.problems else ":")]
        lines += [f"  {problem}" for problem in (*self.problems, *self.accepted)]
        if self.problems:
            lines.append(f"The routing rules in the council profile ({where}) must be updated first, to cite the "
                         "clauses as this version numbers and words them; then publish it again.")
        if self.accepted:
            lines.append(f"Reports about the Clerk follow the rules last accepted, not the profile's, until "
                         f"{self.confirms} confirms the profile's change to them (/role pending; a change to who "
                         "receives them waits for that, any other is accepted at the bot's next start). The profile's "
                         "rules citing the clauses as this version has them must be accepted first; then publish it "
                         "again.")
        lines.append("The live version is unchanged and still answers questions.")
        return "\n".join(lines)


def _shown(path: Path) -> str:
    """A bundled profile by its place in the project (``config/councils/<slug>.yaml``), others as they are."""
    try:
        return str(path.relative_to(CONFIG_DIR.parent))
    except ValueError:
        return str(path)


def _absent(ref: str, clauses: list[Clause]) -> bool:
    return not any(c.clause_id == ref or c.number == ref for c in clauses)


def _run(work: Coroutine[Any, Any, T]) -> T:
    """``work`` to its end from synchronous code, also when called on a thread running an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _read_stored(slug: str) -> StoredRouting | None:
    """The accepted routing in the configured database, read-only; none where there is no database yet."""
    url = database_url()
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not Path(url.database).exists():
        return None
    store = await Store.open(url, upgrade=False)
    try:
        return await store.clerk_routings.accepted(slug)
    finally:
        await store.close()


def _accepted(slug: str, source: Path | None) -> ClerkRouting | None:
    """The rules about the Clerk the bot routes by: as this process last learnt them (a bot process, at its sync),
    else as the database holds them (the command line)."""
    known = remembered(slug, source)
    if known is not None:
        return known
    try:
        stored = _run(_read_stored(slug))
    except (StoreError, SQLAlchemyError, OSError) as exc:
        log.warning("%s: the accepted routing about the Clerk could not be read, so it is not checked: %s", slug, exc)
        return None
    if stored is None:
        return None
    try:
        return ClerkRouting.model_validate(stored.routing)
    except ValidationError:  # an older schema's: the bot's next sync accepts the file's
        return None


Single = tuple[str, tuple[str, ...], RoutingConfig]


def _singles(config: RoutingConfig) -> list[Single]:
    singles: list[Single] = [(rule.id, tuple(rule.clauses), RoutingConfig(rules=(rule,))) for rule in config.rules]
    if config.personnel is not None:
        singles.append(("personnel", tuple(config.personnel.clauses), RoutingConfig(personnel=config.personnel)))
    return singles


def _only_accepted(accepted: ClerkRouting, config: RoutingConfig) -> list[Single]:
    """The accepted rules about the Clerk that the profile no longer has as they are (the rest are checked as the
    profile's)."""
    part = accepted.alone()
    rules = tuple(rule for rule in part.rules if rule not in config.rules)
    personnel = part.personnel if part.personnel != config.personnel else None
    return _singles(RoutingConfig(rules=rules, personnel=personnel))


def _check(draft: Draft, profile: CouncilProfile, singles: list[Single], label: str = "") -> list[str]:
    """What no longer holds of each rule under ``draft``, one line each (``label`` after the rule's name)."""
    clauses = list(draft.document.clauses)
    stand_in = cast(CouncilIndex, _DraftClauses(clauses, draft.document.meta))
    problems: list[str] = []
    for rule_id, refs, single in singles:
        missing = [ref for ref in refs if _absent(ref, clauses)]
        problems += [f"routing rule {rule_id!r}{label} cites clause {ref}, which version {draft.version} does not "
                     "have (removed or renumbered)" for ref in missing]
        if missing:
            continue
        try:
            RoutingBook(draft.slug, single, stand_in, profile)
        except RoutingConfigError as exc:
            said = str(exc).removeprefix(f"council {draft.slug}: ")
            problems.append(said.replace(f"routing rule {rule_id!r}", f"routing rule {rule_id!r}{label}", 1))
    return problems


def broken_rules(draft: Draft, home: Path) -> BrokenRules:
    """The rules that would no longer hold once ``draft`` is live: the profile's, and those about the Clerk as
    last accepted. A profile whose routing section does not load is left to the checks at start, which name their
    own error."""
    try:
        config, source = load_routing(draft.slug, home)
        profile = load_profile(draft.slug, home)
    except (RoutingConfigError, ProfileError):
        return BrokenRules(draft.version, (), None)
    problems = _check(draft, profile, _singles(config))
    accepted = _accepted(draft.slug, source)
    if accepted is None:
        return BrokenRules(draft.version, tuple(problems), source)
    held = _check(draft, profile, _only_accepted(accepted, config), AS_ACCEPTED)
    return BrokenRules(draft.version, tuple(problems), source, tuple(held), title(confirmer(accepted.alone())))
