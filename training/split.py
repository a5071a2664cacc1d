"""``python -m training.split``: the writers' files in ``corpus/raw/`` -> ``corpus/questions/<split>.jsonl``.

Deterministic (no seed needed): a question of a training council goes to validation when the SHA-1 of its id
falls in the lowest 15 %. A label that does not resolve to exactly one clause of the parsed text is dropped, and
a question left with none is dropped too; both are counted, so the README can say what was lost. A question
whose text was already taken (blind files come first by name) is dropped: a text in a blind split is never
trained on, even when it was asked about another council (writers reuse the brief's examples, "gifts?").
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from typing import Any

from knowledge.evaluation import normalise
from training.corpus import CORPUS, QUESTIONS, councils, resolve

RAW = CORPUS / "raw"
VALIDATION_SHARE = 15
BLIND_SPLITS = ("blind_bundled", "blind_councils")
"""A writer's file named ``blind_bundled*.jsonl`` or ``blind_councils*.jsonl`` goes whole to that split."""


def split_of(file: str, question: dict[str, Any]) -> str:
    for split in BLIND_SPLITS:
        if file.startswith(split):
            return split
    bucket = int(hashlib.sha1(question["id"].encode()).hexdigest(), 16) % 100
    return "validation" if bucket < VALIDATION_SHARE else "train"


def main() -> int:
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in ("train", "validation", *BLIND_SPLITS)}
    dropped: Counter[str] = Counter()
    seen: set[str] = set()
    for path in sorted(RAW.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            key = normalise(q["question"])
            if key in seen:  # two writers (or one, twice) asked the very same thing: keep the first
                dropped["duplicates"] += 1
                continue
            seen.add(key)
            if q["kind"] == "answerable":
                kept = [p for p in q["expect"] if len(resolve(q["council"], p)) == 1]
                dropped["labels"] += len(q["expect"]) - len(kept)
                if not kept:
                    dropped["questions"] += 1
                    continue
                q = {**q, "expect": kept}
            split = split_of(path.name, q)
            if councils()[q["council"]].blind and split != "blind_councils":
                raise SystemExit(f"{path.name}: {q['id']} is about blind council {q['council']}")
            out[split].append(q)
    QUESTIONS.mkdir(parents=True, exist_ok=True)
    for split, rows in out.items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (QUESTIONS / f"{split}.jsonl").write_text(text, encoding="utf-8")
        print(f"{split}: {len(rows)}")
    print(json.dumps({"dropped_labels": dropped["labels"], "dropped_questions": dropped["questions"],
                      "duplicates": dropped["duplicates"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
