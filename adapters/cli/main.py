"""``protocol-bot``: ask, eval, chat, councils, index, council add|remove|bind, member add|link, db upgrade,
feedback. Only this entry point exits."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from adapters.cli import batch, bind, cases, councils, doctor, members, publish, route, serve
from adapters.cli.checks.home import HomeNotWritable, refused_write
from adapters.cli.runtime import make_service
from adapters.web import cli as web_cli
from bot.qa import EmptyQuestionError, QaService
from bot.store import Store, StoreError
from bot.store.database import database_url, shown
from config.councils import ProfileError
from config.settings import home
from knowledge.citation import cite
from knowledge.documents import discover, require
from knowledge.errors import KnowledgeError, UnknownCouncilError
from knowledge.evaluation import evaluate, load_questions

DESCRIPTION = ("Protocol Bot: answers from your council's Member/Officer Protocol with cited clauses, takes "
               "confidential reports to the right person, and publishes new versions to members.")
ROLES = ("councillor", "chair", "vice-chair", "committee chair", "officer", "clerk", "deputy clerk", "rfo")


def _ask_one(service: QaService, council: str, question: str, role: str | None, qid: Any = None
             ) -> dict[str, Any]:
    """The JSON contract: the rendered reply plus the five best passages (full clause text), best first, and the
    protocol version they were quoted from (``null``: the text in use before any version was published)."""
    asked = service.ask(council, question, role=role, k=5)
    meta = service.library.council(council).meta
    passages = [] if asked.answer.abstained else [
        {"clause_id": h.clause.clause_id, "number": h.clause.number, "heading": h.clause.heading,
         "text": h.clause.text, "citation": cite(h.clause, meta), "score": round(h.score, 4)}
        for h in asked.retrieval.hits
    ]
    return {"id": qid, "council": council, "abstained": asked.answer.abstained, "answer": asked.answer.render(),
            "passages": passages, "latency_ms": round(asked.latency_ms, 2), "version": asked.version}


def cmd_ask(args: argparse.Namespace) -> int:
    service = make_service()
    if args.question == "-":
        def answer(row: dict[str, Any]) -> dict[str, Any]:
            role = row.get("role") if isinstance(row.get("role"), str) else None
            try:
                return _ask_one(service, row["council"], row["question"], role, row.get("id"))
            except (EmptyQuestionError, KnowledgeError) as exc:
                return {"id": row.get("id"), "council": row.get("council"), "error": str(exc)}

        return batch.run({"council": str, "question": str}, answer)
    if not args.council:
        print("Please name a council with --council SLUG.", file=sys.stderr)
        return 2
    out = _ask_one(service, args.council, args.question, args.role)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(out["answer"])
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    try:
        questions = load_questions(Path(args.file))
    except OSError as exc:
        print(f"{args.file}: cannot be read ({exc.strerror})", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 2
    service = make_service()

    def answer(q: dict[str, Any]) -> tuple[bool, list[str], str | None]:
        asked = service.ask(q["council"], q["question"], role=q.get("role"), k=5)
        passages = [h.clause.text for h in asked.retrieval.hits]
        return asked.answer.abstained, [] if asked.answer.abstained else passages, asked.answer.short_answer

    report = evaluate(questions, answer)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(json.dumps(report["overall"]))
        for council, scores in report["councils"].items():
            print(f"{council:12s} {json.dumps(scores)}")
    return 0


def cmd_councils(args: argparse.Namespace) -> int:
    found = discover(home())
    width = max([12, *(len(slug) for slug in found)])  # a long slug must not push its name out of the column
    for slug, source in found.items():
        try:
            meta = source.meta()
            print(f"{slug:{width}s} {meta.council_name} - {meta.title}")
        except KnowledgeError as exc:
            print(f"{slug:{width}s} (broken: {exc})")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    service = make_service(verbose=True)
    service.library.load_all(only=args.council, force=args.rebuild)
    for problem in service.library.problems.values():
        print(f"error: {problem}", file=sys.stderr)
    return 1 if service.library.problems else 0


def cmd_chat(args: argparse.Namespace) -> int:
    from adapters.cli.chat import run_chat

    return run_chat(make_service(verbose=True), council=args.council, user=args.user)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    async def upgrade() -> str:
        store = await Store.open(upgrade=False)
        try:
            return await store.database.upgrade()
        finally:
            await store.close()

    revision = asyncio.run(upgrade())
    print(f"{shown(database_url())}: schema at revision {revision} (newest)")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    """What members thought of the answers, for the Clerk: question, council, clauses cited, verdict."""
    if args.council:
        require(discover(home()), args.council)  # a misspelt council is not "no feedback yet"
    async def rated() -> list[dict[str, Any]]:
        store = await Store.open()
        try:
            return [{"council": f.council, "helpful": f.helpful, "question": f.question,
                     "clause_ids": list(f.clause_ids), "at": f.created_at.isoformat(timespec="seconds"),
                     "version": f.version}
                    for f in await store.feedback.rated(args.council)]
        finally:
            await store.close()

    rows = asyncio.run(rated())
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("No feedback yet." if not args.council else f"No feedback yet for {args.council}.")
    for row in rows:
        verdict = "helpful    " if row["helpful"] else "not helpful"
        print(f"{row['at'][:16]}  {row['council']:12s} {verdict}  {row['question']}")
        print(f"{'':31s}cited: {', '.join(row['clause_ids']) or '(nothing: not covered)'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="protocol-bot", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question, or JSON Lines from stdin with '-'")
    ask.add_argument("question")
    ask.add_argument("--council")
    ask.add_argument("--role", choices=ROLES)
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(func=cmd_ask)
    ev = sub.add_parser("eval", help="score retrieval on a question file")
    ev.add_argument("file")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_eval)
    chat = sub.add_parser("chat", help="terminal chat")
    chat.add_argument("--council")
    chat.add_argument("--user", help="speak as this terminal handle from a council roster (default: login name)")
    chat.set_defaults(func=cmd_chat)
    db = sub.add_parser("db", help="the database (PROTOCOL_BOT_DATABASE_URL, default a SQLite file in the home)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate the schema to the newest version").set_defaults(func=cmd_db_upgrade)
    fb = sub.add_parser("feedback", help="list helpful / not helpful ratings of answers")
    fb.add_argument("--council")
    fb.add_argument("--json", action="store_true")
    fb.set_defaults(func=cmd_feedback)
    sub.add_parser("councils", help="list councils").set_defaults(func=cmd_councils)
    index = sub.add_parser("index", help="build or load indexes, showing progress")
    index.add_argument("--council")
    index.add_argument("--rebuild", action="store_true")
    index.set_defaults(func=cmd_index)
    council = sub.add_parser("council", help="manage councils")
    council_sub = council.add_subparsers(dest="council_command", required=True)
    councils.add_parser(council_sub)
    bind.add_parser(council_sub)
    members.add_parser(sub)
    publish.add_parser(sub)
    route.add_parser(sub)
    cases.add_parser(sub)
    serve.add_parser(sub)
    web_cli.extend_serve(sub)
    web_cli.add_login_link(sub)
    doctor.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, where a closed pipe can be handled, not at interpreter exit
        return code
    except UnknownCouncilError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (EmptyQuestionError, KnowledgeError, StoreError, ProfileError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except HomeNotWritable as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader stopped reading (``protocol-bot eval FILE | head -1``): stop quietly, as Unix tools do,
        # and keep Python from complaining again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by it
    except OSError as exc:
        refused = refused_write(exc, home())  # the home turned read-only after the check, or a folder in it did
        if refused is None:
            raise
        print(refused, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
