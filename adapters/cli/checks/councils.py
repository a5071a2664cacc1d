"""Each council's protocol, index and routing rules, and the question encoder: what ``chat`` and ``serve`` load at
start, checked without building anything (a missing or stale index is a warning: the next start builds it).

Routing is checked as the bot applies it: the profile as written (a start refuses a rule that does not hold), and
reports about the Clerk as last accepted (``clerk_routing``); a profile edit to those that waits for a second person
is a warning naming who still receives them.
"""

from __future__ import annotations

from pathlib import Path

from adapters.cli.checks import clerk_routing
from adapters.cli.checks.clerk_routing import InForce
from adapters.cli.checks.findings import Finding, ok, problem, warning
from adapters.cli.runtime import make_embedder
from bot.routing import RoutingBook, load_book
from config.councils import ProfileError, load_profile
from config.routing import RoutingConfigError
from config.settings import home
from knowledge.documents import CouncilSource, discover
from knowledge.embedding import HashEmbedder, SplitEmbedder
from knowledge.errors import IndexStaleError, KnowledgeError
from knowledge.index import CouncilIndex
from knowledge.library import Library
from knowledge.onnx_embedder import current_export


def councils() -> list[Finding]:
    """What ``chat`` and ``serve`` do at start (load each index, bind each council's routing rules), without
    building anything. Rules are checked against the protocol as it reads now, the text the index will hold."""
    where = home()
    embedder = make_embedder(where)
    library = Library(where, embedder)
    sources = discover(where)
    if not sources:
        return [problem("councils", f"none found in {where}: add one with `protocol-bot council add`")]
    found = [encoder(where, embedder)]
    try:
        applied = clerk_routing.read(sources, where, learn=False)  # the profile is checked as written first
    except clerk_routing.Unreadable:  # the database line says what is wrong with it
        applied = {}
    for slug, source in sources.items():
        found += council(library, slug, source, embedder.name, applied.get(slug))
    return found


def encoder(where: Path, embedder: object) -> Finding:
    if isinstance(embedder, HashEmbedder):
        return warning("question encoder", "PROTOCOL_BOT_EMBEDDER=hash is the tests' stand-in, not a language "
                                           "model: unset it for real answers")
    if isinstance(embedder, SplitEmbedder) and current_export(where) is None:
        return warning("question encoder", "the ONNX export is missing or was made from another model: it is made "
                                           "again at the next start (or run `protocol-bot index`); until then "
                                           "questions are slower")
    return ok("question encoder", "export current for the installed model")


def council(library: Library, slug: str, source: CouncilSource, model: str,
            applied: InForce | None = None) -> list[Finding]:
    check = f"council {slug}"
    try:
        parsed = source.parse()
        digest = source.digest()
    except KnowledgeError as exc:
        return [problem(check, f"the protocol cannot be read: {exc}. Fix or replace the file "
                               "(`protocol-bot council add SLUG FILE --replace`)")]
    found: list[Finding] = []
    folder = library.folder(slug, source.version)
    try:
        index = CouncilIndex.load(folder, model=model, digest=digest)
    except IndexStaleError as exc:
        state = "not built yet: it will be built" if not folder.exists() else f"out of date ({exc}): it will be rebuilt"
        found.append(warning(check, f"index {state} at the next start (or run `protocol-bot index --council {slug}`)"))
        hash_embedder = HashEmbedder()  # rules need the clauses, not the vectors: no model for a throwaway index
        index = CouncilIndex.build(parsed.meta, list(parsed.clauses), hash_embedder, digest)
    try:
        profile = load_profile(slug, library.home)
        book = load_book(slug, index, profile, library.home)
    except (ProfileError, RoutingConfigError) as exc:
        found.append(problem(check, f"{exc}. `chat` and `serve` refuse to start until it is fixed"))
        return found
    if applied is not None and applied.config != book.config:
        try:
            book = RoutingBook(slug, applied.config, index, profile)
        except RoutingConfigError as exc:
            found.append(problem(check, f"{clerk_routing.TOPIC}: the rules last accepted, which the bot applies "
                                        f"until the file's are accepted, no longer hold: {exc}. Reporting a concern "
                                        "fails until they do (the profile's change confirmed, /role pending)"))
    if not found:
        rules = len(book.config.rules)
        found.append(ok(check, f"protocol parses ({len(parsed.clauses)} clauses), index current, profile and "
                               f"{rules} routing rule{'s' if rules != 1 else ''} check against the protocol"))
    note = applied.note() if applied is not None else None
    if note:
        found.append(warning(check, note))
    return found
