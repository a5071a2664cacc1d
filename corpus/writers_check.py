#!/usr/bin/env python3
"""Check a question file against the protocol texts it is about.

usage: python3 /tmp/corpus_work/check.py FILE.jsonl [FILE2.jsonl ...]

Each line: {"id", "council", "role", "question", "kind", "expect"?}. The protocol of council X is
/tmp/corpus_work/protocols/X.txt (or newprotocols/X.txt). Prints every problem and a summary.
"""
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).parent
ROLES = {"councillor", "chair", "clerk", "rfo", "officer"}
KINDS = {"answerable", "not_covered", "off_topic"}


def normalise(text: str) -> str:
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    text = re.sub(r"[\u2013\u2014\u2010\u2011]", "-", text)
    text = re.sub(r"[*_#]", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def protocol(council: str) -> str | None:
    for folder in ("protocols", "newprotocols"):
        path = ROOT / folder / f"{council}.txt"
        if path.exists():
            return normalise(path.read_text(encoding="utf-8"))
    return None


def main() -> int:
    problems = 0
    seen_ids: set[str] = set()
    seen_questions: set[str] = set()
    kinds: Counter[tuple[str, str]] = Counter()
    roles: Counter[str] = Counter()
    docs: dict[str, str | None] = {}
    for name in sys.argv[1:]:
        for number, line in enumerate(Path(name).read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{name}:{number}"
            try:
                q = json.loads(line)
            except json.JSONDecodeError as error:
                print(f"{where}: not JSON ({error})"); problems += 1; continue
            missing = {"id", "council", "role", "question", "kind"} - set(q)
            if missing:
                print(f"{where}: missing {sorted(missing)}"); problems += 1; continue
            if q["id"] in seen_ids:
                print(f"{where}: duplicate id {q['id']}"); problems += 1
            seen_ids.add(q["id"])
            key = normalise(q["question"])
            if key in seen_questions:
                print(f"{where}: duplicate question"); problems += 1
            seen_questions.add(key)
            if q["role"] not in ROLES:
                print(f"{where}: role must be one of {sorted(ROLES)}"); problems += 1
            if q["kind"] not in KINDS:
                print(f"{where}: kind must be one of {sorted(KINDS)}"); problems += 1; continue
            if q["council"] not in docs:
                docs[q["council"]] = protocol(q["council"])
            doc = docs[q["council"]]
            if doc is None:
                print(f"{where}: no protocol text for council {q['council']!r}"); problems += 1; continue
            kinds[(q["council"], q["kind"])] += 1
            roles[q["role"]] += 1
            if q["kind"] != "answerable":
                if q.get("expect"):
                    print(f"{where}: only answerable questions carry expect"); problems += 1
                continue
            expect = q.get("expect")
            if not isinstance(expect, list) or not 1 <= len(expect) <= 3:
                print(f"{where}: expect must be a list of 1-3 phrases"); problems += 1; continue
            for phrase in expect:
                p = normalise(phrase)
                words = len(p.split())
                if words < 4 or words > 25:
                    print(f"{where}: phrase of {words} words (4-25): {phrase!r}"); problems += 1
                count = doc.count(p)
                if count == 0:
                    print(f"{where}: phrase not found verbatim: {phrase!r}"); problems += 1
                elif count > 1:
                    print(f"{where}: phrase occurs {count} times, make it longer: {phrase!r}"); problems += 1
                if re.search(r"[a-z]{3}[.!?] [a-z(]", p[:-1]):
                    print(f"{where}: warning: phrase may cross a sentence end; keep it inside one sentence if so: "
                          f"{phrase!r}")
    by_council: dict[str, Counter[str]] = {}
    for (council, kind), n in kinds.items():
        by_council.setdefault(council, Counter())[kind] = n
    for council, counts in sorted(by_council.items()):
        print(f"{council}: " + ", ".join(f"{k} {counts[k]}" for k in sorted(KINDS)))
    print("roles: " + ", ".join(f"{r} {n}" for r, n in sorted(roles.items())))
    print(f"{problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
