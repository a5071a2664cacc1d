"""Who the bot declines, by kind of question: ``python -m bench.abstention_kinds [--split validation]``.

One abstention figure hides which questions pay for it. Someone telling a situation in their own words often names
a subject the protocol never mentions ("... about the allotment waiting list ...") while asking about something it
does cover (a councillor instructing staff); a short question about such a subject is the typical not-covered one.
So each question of the split is asked as the bot asks it, and abstention is counted by three things it can see:
answerable or not, a subject the protocol never mentions or not, and long (``LONG`` distinctive words or more) or
short. Prints JSON. Run it on validation (or staged questions), never to choose by a blind split.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from bench.corpus_eval import prepare_home

LONG = 8
"""Distinctive words (``ConfidenceFeatures.distinctive_words``) from which a question counts as a told situation."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.abstention_kinds", description=__doc__)
    parser.add_argument("--split", default="validation", help="a corpus split (corpus/questions/<split>.jsonl)")
    parser.add_argument("--home", type=Path, default=None, help="as bench.corpus_eval")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = args.home or Path(f"/tmp/protocol-bot-corpus-{os.environ.get('PROTOCOL_BOT_ENCODER', 'tuned')}")
    os.environ["PROTOCOL_BOT_HOME"] = str(home)
    prepare_home(home)

    from adapters.cli.runtime import make_service
    from training.corpus import load

    library = make_service().library
    asked: Counter[tuple[str, bool, bool]] = Counter()
    declined: Counter[tuple[str, bool, bool]] = Counter()
    for q in load(args.split):
        retrieval = library.ask(q["council"], q["question"], role=q.get("role"))
        features = retrieval.features
        assert features is not None
        kind = ("answerable" if q["kind"] == "answerable" else "not covered", bool(features.missing_subjects),
                features.distinctive_words >= LONG)
        asked[kind] += 1
        declined[kind] += retrieval.abstain
    rows = [{"kind": kind, "subject_missing": missing, "long": long_, "questions": asked[(kind, missing, long_)],
             "declined": declined[(kind, missing, long_)],
             "share_declined": round(declined[(kind, missing, long_)] / asked[(kind, missing, long_)], 3)}
            for kind, missing, long_ in sorted(asked)]
    json.dump({"split": args.split, "long_from_words": LONG, "kinds": rows}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
