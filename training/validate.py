"""``python -m training.validate``: every label of every split resolves to exactly one clause, splits are sound.

Exit status 1 and one line per problem otherwise. Sound splits: blind councils' questions only in
``blind_councils``; no question text in two splits; ``blind_bundled`` only over bundled councils.
"""

from __future__ import annotations

import sys
from collections import Counter

from knowledge.evaluation import normalise
from training.corpus import SPLITS, councils, load, resolve

KINDS = {"answerable", "not_covered", "off_topic"}


def problems() -> list[str]:
    out: list[str] = []
    seen: dict[str, str] = {}
    for split in SPLITS:
        for q in load(split):
            where = f"{split}:{q.get('id')}"
            council = councils().get(q.get("council", ""))
            if council is None:
                out.append(f"{where}: unknown council {q.get('council')!r}")
                continue
            if q.get("kind") not in KINDS:
                out.append(f"{where}: kind {q.get('kind')!r}")
            if (split == "blind_councils") != council.blind:
                belongs = "blind_councils" if council.blind else "another split"
                out.append(f"{where}: council {council.slug} belongs in {belongs}")
            if split == "blind_bundled" and not council.bundled:
                out.append(f"{where}: blind_bundled holds bundled councils only")
            key = normalise(q["question"])
            if key in seen and seen[key] != split:
                out.append(f"{where}: the same question is in {seen[key]}")
            seen.setdefault(key, split)
            for phrase in q.get("expect", []) if q.get("kind") == "answerable" else []:
                hits = resolve(council.slug, phrase)
                if len(hits) != 1:
                    out.append(f"{where}: {phrase!r} is in {len(hits)} clauses")
            if q.get("kind") == "answerable" and not q.get("expect"):
                out.append(f"{where}: answerable without expect")
    return out


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    for split in SPLITS:
        kinds = Counter(q["kind"] for q in load(split))
        print(f"{split}: {len(load(split))} questions over {len({q['council'] for q in load(split)})} councils "
              f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
    print(f"{len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
