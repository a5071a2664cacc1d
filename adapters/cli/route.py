"""``protocol-bot route``: who a concern goes to, for scripts and the acceptance checks (JSON Lines).

Routes as the bot does: reports about the Clerk by the routing last accepted, read from the database
(``adapters.cli.checks.clerk_routing``), not by an edit of the profile that still waits for a second person; such a
route says so (``routing_note``), and who the report would reach meanwhile.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from adapters.cli import batch
from adapters.cli.checks import clerk_routing
from adapters.cli.runtime import make_service
from bot.clerk_recipients import SUBJECT
from bot.qa import QaService
from bot.routing import Route, RoutingBook, load_book
from config.routing import ABOUTS, CONCERNS, REPORTERS, RoutingConfigError
from knowledge.errors import KnowledgeError


def route_json(qid: Any, route: Route) -> dict[str, Any]:
    return {
        "id": qid,
        "covered": route.covered,
        "recipient": route.recipient,
        "person": route.person,
        "passages": [{"clause_id": p.clause.clause_id, "number": p.clause.number, "text": p.clause.text,
                      "citation": p.citation} for p in route.passages],
        "next_steps": list(route.next_steps),
        **({"fallback": route.fallback} if route.fallback else {}),
        **({"outside": [{"name": o.name, "purpose": o.purpose, "contact": o.contact, "from_protocol": False}
                        for o in route.outside]} if route.outside else {}),
    }


class Books:
    """One routing book per council, checked against the live index the first time it is needed, routing reports
    about the Clerk as accepted (the accepted routing is read, and remembered, before the book is made)."""

    def __init__(self, service: QaService) -> None:
        self.service = service
        self._books: dict[str, RoutingBook] = {}
        self.notes: dict[str, str | None] = {}
        """Per council: why reports about the Clerk are not routed as its profile says (``None``: they are)."""

    def __call__(self, council: str) -> RoutingBook:
        if council not in self._books:
            library = self.service.library
            index = library.council(council)  # an unknown council is refused before the database is read
            self.notes[council] = _note(council, library.home)
            self._books[council] = load_book(council, index, self.service.profile(council), library.home)
        return self._books[council]


def _note(council: str, home: Path) -> str | None:
    try:
        found = clerk_routing.read([council], home).get(council)
    except clerk_routing.Unreadable as exc:
        print(f"{council}: the accepted routing of reports about the Clerk could not be read from the database "
              f"({exc}); routes about the Clerk are shown as the profile has them, which may not be what the bot "
              "applies.", file=sys.stderr)
        return None
    return found.note() if found else None


def _one(books: Books, row: dict[str, Any]) -> dict[str, Any]:
    for field, allowed in (("reporter", REPORTERS), ("about", ABOUTS), ("concern", CONCERNS)):
        if row.get(field) not in allowed:
            return {"id": row.get("id"), "error": f"{field} must be one of: {', '.join(allowed)}"}
    council = str(row.get("council"))
    route = books(council).route(row["reporter"], row["about"], row["concern"])
    out = route_json(row.get("id"), route)
    note = books.notes.get(council)
    if note and (row["about"] == SUBJECT or route.rule_id == "personnel"):
        out["routing_note"] = note
    return out


def cmd_route(args: argparse.Namespace) -> int:
    try:
        return _route(args, Books(make_service()))
    except RoutingConfigError as exc:
        print(f"Routing rules refused: {exc}", file=sys.stderr)
        return 2


def _route(args: argparse.Namespace, books: Books) -> int:
    if args.input == "-":
        def answer(row: dict[str, Any]) -> dict[str, Any]:
            try:
                return _one(books, row)
            except KnowledgeError as exc:
                return {"id": row.get("id"), "error": str(exc)}

        return batch.run({"council": str}, answer)
    out = _one(books, {"id": None, "council": args.council, "reporter": args.reporter, "about": args.about,
                       "concern": args.concern})
    if args.json or "error" in out:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 1 if "error" in out else 0
    print(render(out))
    return 0


def render(out: dict[str, Any]) -> str:
    if not out["covered"]:
        lines = [f"Your council's protocol does not say who this should go to. {out.get('fallback', '')}".strip()]
        if out.get("outside"):
            lines.append("Other routes (not from your council's protocol):")
            lines += [f"  - {o['name']}: {o['purpose']}. Contact: {o['contact']}." for o in out["outside"]]
        return "\n".join(lines + _noted(out))
    lines = [f"Raise it with {out['recipient']}" + (f" ({out['person']})." if out["person"] else ".")]
    for passage in out["passages"]:
        lines += [f"> {t}" for t in passage["text"].split("\n")] + [f"  - {passage['citation']}"]
    if out["next_steps"]:
        lines.append("If that does not resolve it:")
        lines += [f'  "{step}"' for step in out["next_steps"]]
    return "\n".join(lines + _noted(out))


def _noted(out: dict[str, Any]) -> list[str]:
    note = str(out.get("routing_note") or "")
    return [f"Note: {note[:1].upper()}{note[1:]}."] if note else []


def add_parser(sub: Any) -> None:
    route = sub.add_parser("route", help="who a concern goes to; JSON Lines from stdin with '--json -'")
    route.add_argument("input", nargs="?", default=None, help="'-' to read JSON Lines from stdin")
    route.add_argument("--council")
    route.add_argument("--reporter", choices=REPORTERS)
    route.add_argument("--about", choices=ABOUTS)
    route.add_argument("--concern", choices=CONCERNS)
    route.add_argument("--json", action="store_true")
    route.set_defaults(func=cmd_route)

