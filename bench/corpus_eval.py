"""Retrieval quality on every split of the question corpus, stage by stage: ``python -m bench.corpus_eval``.

    PROTOCOL_BOT_ENCODER=base python -m bench.corpus_eval      # the package's MiniLM, for comparison
    python -m bench.corpus_eval --splits validation --stages hybrid

Councils the bot does not bundle are added to the home with ``council add`` (as an IT volunteer would), so the
blind councils are served exactly as a new council is. Prints one JSON object: split -> stage -> scores
(hit@1/3/5, MRR, lead, abstention, false abstention). Stages: ``dense`` (the encoder alone), ``hybrid`` (with
BM25 fusion, as configured, and the cosine-based confidence), ``rerank`` (what ships: hybrid, then the reranker
reads the first clauses, reorders them and its score drives abstention). The dev set and the earlier blind sets
are included as further splits.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXTRA = {
    "dev": ROOT.parent / "shared" / "eval" / "dev_questions.jsonl",
    "bench_blind": ROOT / "bench" / "blind" / "blind_questions.jsonl",
    "bench_foreign": ROOT / "bench" / "foreign" / "questions.jsonl",
}
STAGES = ("dense", "hybrid", "rerank")


def prepare_home(home: Path, extra_councils: dict[str, Path] | None = None) -> None:
    """``extra_councils``: slug -> protocol file, added too (councils written for questions not yet in a split)."""
    from knowledge.documents import add_council, discover
    from training.corpus import councils

    present = discover(home)
    for council in councils().values():
        if not council.bundled and council.slug not in present:
            add_council(home, council.slug, council.path, name=council.name)
    for slug, path in (extra_councils or {}).items():
        if slug not in present:
            add_council(home, slug, path, name=slug.title())


def questions_of(split: str) -> list[dict[str, Any]]:
    from knowledge.evaluation import load_questions
    from training.corpus import load

    return load_questions(EXTRA[split]) if split in EXTRA else load(split)


def named_paths(items: list[str]) -> dict[str, Path]:
    """'NAME=PATH' pairs, as given on the command line."""
    return {name: Path(path) for name, path in (item.split("=", 1) for item in items)}


def run(splits: list[str], stages: list[str], overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    from adapters.cli.runtime import make_service
    from bot.answers import compose
    from config.settings import retrieval_settings
    from knowledge.evaluation import evaluate
    from knowledge.retrieval import search

    service = make_service()
    configured = dataclasses.replace(retrieval_settings(), **(overrides or {}))
    settings = {"dense": dataclasses.replace(configured, dense_weight=1.0, lexical_weight=0.0),
                "hybrid": configured, "rerank": configured}
    service.library.council("wendlebury")  # loading a council exports the models if they are stale
    reranker = service.library.reranker()
    report: dict[str, Any] = {"encoder": service.library.embedder.name}
    for split in splits:
        questions = questions_of(split)
        report[split] = {}
        for stage in stages:
            cfg = settings[stage]

            if stage == "rerank" and reranker is None:
                continue
            read = reranker if stage == "rerank" else None

            def answer(q: dict[str, Any], cfg: Any = cfg, read: Any = read) -> tuple[bool, list[str], str | None]:
                index = service.library.council(q["council"])
                retrieval = search(index, service.encoder, q["question"], role=q.get("role"), k=5, settings=cfg,
                                   reranker=read)
                composed = compose(q["question"], retrieval, index.meta, ask_instead="the Clerk")
                return composed.abstained, [h.clause.text for h in retrieval.hits], composed.short_answer

            report[split][stage] = evaluate(questions, answer)["overall"]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus_eval", description=__doc__)
    parser.add_argument("--splits", default="dev,validation,blind_bundled,blind_councils,bench_blind,bench_foreign")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a retrieval setting for this run (config/retrieval.yaml keys)")
    parser.add_argument("--own-words", type=float, default=None,
                        help="weight of the asker's own words when the lead sentence is chosen (bot.answers)")
    parser.add_argument("--home", type=Path, default=None,
                        help="default: /tmp/protocol-bot-corpus-<encoder> (kept between runs)")
    parser.add_argument("--questions", action="append", default=[], metavar="NAME=FILE",
                        help="a further question file (eval format), reported as split NAME: e.g. fresh questions "
                             "staged in corpus/pending/ that no model has been fitted on yet")
    parser.add_argument("--council", action="append", default=[], metavar="SLUG=FILE",
                        help="a council those questions are about, added to the home with `council add`")
    args = parser.parse_args(argv)
    EXTRA.update(named_paths(args.questions))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    encoder = os.environ.get("PROTOCOL_BOT_ENCODER", "tuned")
    home = args.home or Path(f"/tmp/protocol-bot-corpus-{encoder}")
    os.environ["PROTOCOL_BOT_HOME"] = str(home)
    prepare_home(home, named_paths(args.council))
    if args.own_words is not None:
        import bot.answers

        bot.answers.OWN_WORDS_WEIGHT = args.own_words
    overrides = {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in args.set)}
    report = run(args.splits.split(","), args.stages.split(","), overrides)
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
