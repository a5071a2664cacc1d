"""JSON Lines batches on stdin (``ask --json -``, ``route --json -``): every line gets exactly one answer line.

An IT volunteer pipes a file of questions through the bot; one bad line (not JSON, a JSON array, a number where
the question should be, invalid UTF-8, a raw NUL) must not end the batch with a traceback and leave the good
lines after it unanswered. A bad line gets ``{"id", "line", "error"}`` and the batch goes on; the command exits
non-zero at the end if any line failed, so a script still notices.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any


@dataclass(frozen=True, slots=True)
class BadLine(ValueError):
    line: int
    reason: str
    qid: Any = None


def rows(stream: IO[bytes], required: dict[str, type]) -> Iterator[dict[str, Any] | BadLine]:
    """Each non-blank line as an object holding ``required`` fields of the named types, or why it is not one."""
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield BadLine(number, "the line is not valid UTF-8")
            continue
        if "\x00" in text:
            yield BadLine(number, "the line holds a NUL character")
            continue
        try:
            row = json.loads(text)
        except ValueError:
            yield BadLine(number, "the line is not JSON")
            continue
        if not isinstance(row, dict):
            yield BadLine(number, f"the line is a JSON {type(row).__name__}, not an object")
            continue
        qid = row.get("id") if isinstance(row.get("id"), str | int | float | type(None)) else None
        problem = next((f'"{field}" must be a {"text" if kind is str else kind.__name__}'
                        for field, kind in required.items() if not isinstance(row.get(field), kind)), None)
        yield BadLine(number, problem, qid) if problem else row


def run(required: dict[str, type], answer: Callable[[dict[str, Any]], dict[str, Any]],
        stream: IO[bytes] | None = None, out: IO[str] | None = None) -> int:
    """Answer every line of ``stream`` (stdin) with one JSON line on ``out``; 1 if any line failed, else 0."""
    stream = stream if stream is not None else sys.stdin.buffer
    out = out if out is not None else sys.stdout
    failed = False
    for row in rows(stream, required):
        if isinstance(row, BadLine):
            result: dict[str, Any] = {"id": row.qid, "line": row.line, "error": row.reason}
        else:
            result = answer(row)
        failed = failed or "error" in result
        print(json.dumps(result, ensure_ascii=False), file=out, flush=True)
    return 1 if failed else 0
