"""A reply people can check: the protocol's own words, each with its citation, or an honest "not covered".

Nothing here writes a sentence about what the protocol says except by quoting it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from knowledge.citation import cite
from knowledge.clauses import DocumentMeta
from knowledge.retrieval import Hit, Retrieval, generic_stems
from knowledge.segments import Segment, split_segments
from knowledge.vocabulary import expansions, tokens

MAX_QUOTES = 3
SENTENCES_PER_QUOTE = 2
OWN_WORDS_WEIGHT = 0.3
"""Tuned on the training questions: the lead sentence contained an expected phrase in 64/78 (was 61/78)."""
NOT_COVERED = "Your council's protocol does not cover this."


@dataclass(frozen=True, slots=True)
class Quote:
    clause_id: str
    number: str | None
    heading: str
    text: str
    """Verbatim sentences of the clause; '...' marks where the clause was trimmed."""
    full_text: str
    citation: str
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    abstained: bool
    short_answer: str | None
    quotes: list[Quote]
    ask_instead: str
    confidence: float
    notice: str | None = None

    def render(self) -> str:
        lines: list[str] = []
        if self.notice:
            lines += [self.notice, ""]
        if self.abstained:
            lines.append(f"{NOT_COVERED} Please ask {self.ask_instead}.")
            return "\n".join(lines)
        lines += [f'"{self.short_answer}"', f"  ({self.quotes[0].citation})", ""]
        for quote in self.quotes:
            lines += [f"> {line}" for line in quote.text.split("\n")]
            lines += [f"  - {quote.citation}", ""]
        return "\n".join(lines).rstrip()


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    """A clause's sentences are scored for every question that finds them: stem each sentence once."""
    return frozenset(tokens(text))


@lru_cache(maxsize=2048)
def _segments(text: str) -> tuple[Segment, ...]:
    return tuple(split_segments(text))


def _relevance(segment: Segment, wanted: set[str]) -> float:
    seg = _stems(segment.text)
    return len(seg & wanted) / (1.0 + 0.05 * len(seg))


def lead_segment(hit: Hit, segments: Sequence[Segment], own: set[str]) -> int | None:
    """The sentence to lead with: closest in meaning, nudged towards one that uses the asker's own words.

    The dense query carries the vocabulary's expansions ("deputy clerk" -> "Proper Officer's staff"), which
    pull towards whichever sentence names the staff; the asker's own distinctive words ("instruct") say which
    of those sentences answers them."""
    if not segments:
        return None
    scores = dict(hit.segment_scores)
    if not scores:
        return hit.best_segment

    def score(i: int) -> float:
        shared = len(_stems(segments[i].text) & own) / max(len(own), 1)
        return scores.get(i, -1.0) + OWN_WORDS_WEIGHT * shared

    answering = [i for i in range(len(segments)) if not is_lead_in(segments[i])] or list(range(len(segments)))
    return max(answering, key=score)


def is_lead_in(segment: Segment) -> bool:
    """ "The role of Members is:" introduces the answer; it never is one."""
    return segment.text.rstrip().endswith(":")


def is_table_row(segment: Segment) -> bool:
    """'| a councillor | the Town Clerk | the Chair of the Staffing Committee |': a row of a table, which reads
    only under its header row ('| If you are... | and your concern is about... | raise it with... |')."""
    text = segment.text.strip()
    return text.startswith("|") and text.endswith("|") and text.count("|") >= 3


def short_answer(text: str, best: Segment | None) -> str:
    """The sentence that answers, verbatim; a list item keeps the lead-in it completes ("The role of Members
    is: ... (b) to monitor ..."), a table row its header row, and a sentence that points back ("This includes
    excessive socialising ...") keeps the one it points at: any of them alone would read as a fragment."""
    if best is None:
        return text
    if best.line > 0 and is_table_row(best):
        header = next(s for s in _segments(text) if is_table_row(s))
        if header.start < best.start:
            gap = " " if text[header.end:best.start].strip() == "" else " ... "
            return f"{header.text}{gap}{best.text}"
    if best.line > 0:
        segments = _segments(text)
        lead = segments[0] if segments and segments[0].line == 0 and is_lead_in(segments[0]) else None
        if lead is not None:
            first_item = next((s for s in segments if s.line > 0), None)
            gap = " " if first_item is not None and first_item.start == best.start else " ... "
            return f"{lead.text}{gap}{best.text}"
    antecedent = _antecedent(text, best)
    return text[antecedent.start:best.end] if antecedent is not None else best.text


BACK_REFERENCE = re.compile(r"^(?:This|These|Those|Such|They)\b")
"""How a sentence opens when it only makes sense after the one before it. Not "It" ("It is important that
..." points at nothing) nor "That" (a conjunction as often as not)."""


def _antecedent(text: str, best: Segment) -> Segment | None:
    """The sentence just before ``best`` in the same paragraph, when ``best`` opens by pointing back at it."""
    if not BACK_REFERENCE.match(best.text):
        return None
    before = [s for s in _segments(text) if s.line == best.line and s.end <= best.start]
    return before[-1] if before else None


def _trim(text: str, wanted: set[str], best: int | None) -> tuple[str, Segment | None]:
    """Keep the sentences that matter: the one to lead with first, then by shared words."""
    segments = _segments(text)
    ranked = sorted(range(len(segments)), key=lambda i: (i != best, -_relevance(segments[i], wanted)))
    if len(segments) <= SENTENCES_PER_QUOTE:
        return text, (segments[ranked[0]] if segments else None)
    keep = sorted(ranked[:SENTENCES_PER_QUOTE])
    if segments[0].line == 0 and segments[keep[0]].line > 0 and 0 not in keep:
        keep = [0, *keep[:-1]] if len(keep) >= SENTENCES_PER_QUOTE else [0, *keep]
    parts: list[str] = []
    previous = -1
    for i in keep:
        if i != previous + 1:
            parts.append("...")
        parts.append(segments[i].text)
        previous = i
    if previous != len(segments) - 1:
        parts.append("...")
    return "\n".join(parts), segments[ranked[0]]


def compose(question: str, retrieval: Retrieval, meta: DocumentMeta, *, ask_instead: str,
            notice: str | None = None) -> Answer:
    if retrieval.abstain or not retrieval.hits:
        return Answer(True, None, [], ask_instead, retrieval.confidence, notice)
    wanted = set(tokens(question)) | set(tokens(" ".join(expansions(question))))
    own = set(tokens(question)) - generic_stems()
    quotes: list[Quote] = []
    short: str | None = None
    for rank, hit in enumerate(retrieval.hits[:MAX_QUOTES]):
        trimmed, best = _trim(hit.clause.text, wanted, lead_segment(hit, _segments(hit.clause.text), own))
        if rank == 0:
            short = short_answer(hit.clause.text, best)
        quotes.append(_quote(hit, trimmed, meta, best))
    return Answer(False, short, quotes, ask_instead, retrieval.confidence, notice)


def _quote(hit: Hit, trimmed: str, meta: DocumentMeta, best: Segment | None) -> Quote:
    clause = hit.clause
    return Quote(
        clause_id=clause.clause_id,
        number=clause.number,
        heading=clause.heading,
        text=trimmed,
        full_text=clause.text,
        citation=cite(clause, meta, item=best.item if best else None),
        score=hit.score,
    )
