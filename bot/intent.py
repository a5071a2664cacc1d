"""Someone who wants to report a concern or raise a grievance is offered that flow, privately.

The decision is learned: a logistic regression over the message's embedding by the bot's own question encoder
(the tuned MiniLM, 384-d unit vectors), its words (unigrams and bigrams hashed into 1,024 0/1 features) and one
feature more, whether the hand-written pattern below matches. A pattern
alone caught too few of the ways people put it (recall 0.38 on phrasings written blind) and offered too often
(19 %): "report" and "concern" are ordinary words in a protocol. The weights, bias and threshold are fitted by
``python -m training.intent`` (``make train-intent``) and shipped in ``knowledge/models/report-intent.json`` with
the encoder's name; an encoder of another name (the tests' hash embedder, the untuned base weights) gives other
vectors, so then the pattern decides alone, as it did before.

``ReportIntent`` (one per ``Services``) runs the encoder in the Q&A service's threads, never on the event loop,
and remembers the last few hundred decisions by a digest of the text (never the words): the dialogue and
``answering.may_keep`` both ask about the same message.

The pattern is built from parts rather than from example sentences:

- an intent to report: "report" used as a verb ("I want to report", "how do I report", "report the clerk")
  followed by a target (a person, a wrong, "it", "something"); never "who does the clerk report to?";
- an intent to complain, raise a grievance or a concern ("lodge a formal grievance", "I have concerns about"),
  or to blow the whistle;
- harm described ("the clerk is bullying me", "I'm being harassed", "shouted at me", "sexist comment");
- wrongdoing described ("committing fraud", "cooking the books", "didn't declare an interest",
  "breached the code of conduct", "leaked confidential information").

Measured in ``tests/test_intent.py`` against phrasings of wanting to report
(``tests/data/report_offer_phrasings.txt``) and ordinary protocol questions that must not get an offer
(``tests/data/ordinary_questions.txt``); ``training/intent.py`` records cross-validated figures in the JSON.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bot.messages import Action, Button, Reply, Visibility, say
from knowledge.embedding import Embedder
from knowledge.st_embedder import TUNED_DIR

if TYPE_CHECKING:
    from bot.context import Turn
    from bot.qa import QaService

log = logging.getLogger(__name__)

START = "flow.start"
DISMISS = "offer.dismiss"
FLOWS = (("concern", "Report a concern"), ("grievance", "Raise a grievance"))
MODEL_PATH = TUNED_DIR.parent / "report-intent.json"
"""Written by ``python -m training.intent``; read once per process."""
CACHE_SIZE = 512
"""Decisions remembered: enough for every message in flight (each is asked about two or three times in a row)."""


def _any(*alternatives: str) -> str:
    return "|".join(alternatives)


_PERSON = _any(r"(?:deputy |town |parish |proper |the )?clerk", "rfo", "responsible financial officer",
               r"(?:vice[- ]?)?chair(?:man|woman|person)?", "mayor", r"council+ors?", "cllr", r"members?",
               r"officers?", "staff", r"employees?", r"colleagues?", r"(?:line )?manager", "boss", "supervisor",
               "him", "her", "them", "someone", "somebody", "anyone", "people")
"""Whom a report is about."""
_WRONG = _any("misconduct", r"wrong-?doing", "malpractice", r"bully\w*", r"harass\w*", r"intimidat\w*",
              r"victimi[sz]\w*", r"discriminat\w*", r"abus\w*", r"threat\w*", r"fraud\w*", r"corrupt\w*", "theft",
              r"steal\w*", r"breach\w*", r"(?:bad |poor |inappropriate )?behaviou?r", "conduct", r"concerns?",
              r"complaints?", r"grievances?", "incident", "issue", "problem", "matter", "something", "this", "that",
              "it", "what")
"""What is reported, when it is not a person."""
_REPORT_VERB = (r"(?:^|\b(?:to|i|we|you|i'd|i'll|i'm|im|can|could|should|shall|do|will|would|how|want|wish|need|"
                r"must|please|and|or|just|of|about|where|who|wanna|gonna|going to|like to)\s+)(?:report|reporting)\b")
""""report" as a verb: at the start, or after a word that only comes before a verb. "the clerk reports to",
"the annual report" and "what reports does the RFO give" never match."""
_RAISE = _any("raise", "raising", "lodge", "lodging", "file", "filing", "make", "making", "submit", "put in", "bring",
              "take out", "escalate", "voice", "flag", "have", "having", "got", "share")
_NOUN = _any(r"concerns?", r"complaints?", r"grievances?", r"(?:a |an )?(?:formal |official )?report",
             r"(?:issues?|problems?|matters?) (?:about|with|regarding|over)")
_HARM = _any(
    r"bull(?:y|ies|ying|ied)", r"harass\w*", r"intimidat\w*", r"victimi[sz]\w*", r"threaten\w*", r"discriminat\w*",
    r"belittl\w*", r"humiliat\w*", r"abus(?:e|es|ed|ing|ive)\b", r"undermin\w*", r"pick(?:s|ed|ing)? on",
    r"shout\w* at", r"scream\w* at", r"sw(?:ea|o)re at", r"sexis\w*", r"racis\w*", r"homophob\w*", r"misogyn\w*",
    r"pressur(?:ed|ised|ized|ising|izing)\b", "undue pressure", r"assault\w*", r"grop\w*", "grabbed",
    r"(?:hit|pushed|shoved|slapped|kicked|touched) (?:me|her|him|us)\b",
    r"(?:spread\w*|telling) (?:lies|rumou?rs|gossip)", r"lying about (?:me|us)", r"defam\w*", r"slander\w*",
    r"comments? about (?:my|her|his) (?:appearance|looks|body|weight|age|race|religion|gender|sexuality|accent)",
    r"(?:scared|afraid|frightened|terrified) of\b",
    r"making my (?:working )?life (?:hell|a misery|miserable|unbearable)")
"""Harm described: what someone does to a person."""
_WRONGDOING = _any(
    r"fraud\w*", r"embezzl\w*", r"steal\w*", "stole", "theft", r"brib\w*", r"corrupt\w*", r"kickbacks?",
    r"cook(?:s|ed|ing)? the books", r"fiddl\w*", r"misus\w*", r"misappropriat\w*", "misconduct", r"wrong-?doing",
    "malpractice", r"leak(?:ed|ing|s)?\b", "undeclared", r"falsif\w*", r"forg(?:ed|ing|ery)\b", r"fabricat\w*",
    r"dishonest\w*",
    r"(?:didn't|did not|failed to|hasn't|has not|never|wasn't|was not|weren't|not) (?:\w+ )?declared?\b",
    r"breach\w* (?:of )?(?:the |our )?(?:code|confidentiality|data|protocol|trust)", "data breach", "safeguarding",
    r"abuse of (?:power|position)", r"cover(?:ing|ed)?[- ]?(?:it |this |that )?up", "not entitled to",
    r"\w+(?:ed|ent|ook)\b[^.?!]{0,30}\bwithout (?:any )?(?:approval|authori[sz]ation|permission|a resolution)",
    r"(?:missing|stolen) (?:money|funds|cash)", r"(?:money|funds|cash) (?:has |have |is |are )?(?:gone )?missing",
    r"told (?:me|us|staff) to keep (?:quiet|it quiet|this quiet|my mouth shut)")
"""Wrongdoing described: what someone does to the council or its money."""
_MANNER = _any("rude", "aggressive", "hostile", "nasty", "offensive", "inappropriate", "dismissive", "disrespectful",
               "condescending", r"patroni[sz]ing")
_FEELING = _any("uncomfortable", "unsafe", "scared", "afraid", "frightened", "threatened", "intimidated", "humiliated",
                "harassed", "bullied")

_PATTERNS = (
    # blowing the whistle, in any spelling
    r"whistle[\s-]?blow\w*|blow(?:ing|n)? the whistle|protected disclosure",
    # complaining and grievances: any mention but the public's complaints to the council
    r"\bcomplain\w*(?! (?:from|by) (?:the )?(?:public|residents?|parishioners))",
    r"\bgrievances?\b",
    # "report" as a verb, then whom or what
    rf"{_REPORT_VERB}\s+(?:\w+[\s,]+){{0,3}}?(?:{_PERSON}|{_WRONG})\b",
    # raising, making, having a concern, complaint, grievance or report; raising something about someone
    rf"\b(?:{_RAISE})\s+(?:\w+\s+){{0,3}}?(?:{_NOUN})\b",
    rf"\b(?:raise|raising|flag|flagging|bring up|mention)\s+(?:something|anything|this|it|that|an? \w+|some \w+)\s+"
    rf"(?:about|regarding|against|with)\s+(?:the |a |my |our |one of the )?(?:{_PERSON})\b",
    r"\b(?:tell|speak to|talk to)\s+(?:someone|somebody|anyone)\s+about\b",
    # harm described, or how someone is treated or made to feel
    rf"\b(?:{_HARM})",
    rf"\b(?:{_MANNER})\b[^.?!]{{0,25}}\b(?:to|towards|with|at|me|us)\b(?: (?:the|a|my|our))? ?(?:me|us|{_PERSON})\b",
    r"\b(?:behaviou?r|conduct|attitude)\s+(?:towards?|to)\s+(?:me|us|staff|officers?)\b",
    rf"\b(?:mak(?:es?|ing)|made|feel|feeling|felt) (?:me |us )?(?:\w+ )?(?:{_FEELING})\b",
    r"\btreat(?:s|ed|ing)? (?:me |us |staff )?(?:\w+ )?(?:unfairly|badly|differently|like dirt)\b",
    # wrongdoing described
    rf"\b(?:{_WRONGDOING})",
)
_WANT = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
_QUESTION = re.compile(r"\?\s*$|^\s*(?:how|who|what|when|where|which|why|can|could|may|should|is|are|do|does)\b"
                       r"|\b(?:who|whom|how|what|where|which)\b|\b(?:help me understand|tell me|explain)\b",
                       re.IGNORECASE)
"""Something the protocol may answer, wherever the question word is: "the clerk is bullying me, what can I do",
"help me understand who I report bullying to"."""


def _normal(text: str) -> str:
    """Typographic apostrophes and runs of spaces as people's keyboards produce them."""
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2018", "'")).strip()


def matches(text: str) -> bool:
    """The hand-written pattern: one feature of the learned decision, and the whole decision without the model."""
    return bool(_WANT.search(_normal(text)))


def embedding_text(text: str) -> str:
    """What the encoder is given, in training and at serving alike."""
    return _normal(text)


_WORD = re.compile(r"\b\w\w+\b")
NGRAM_BUCKETS = 1024
"""Word unigrams and bigrams hashed into this many 0/1 features beside the embedding. The embedding carries what a
message is about; the words carry how it is put ("can I report", "who do I tell", "I want to complain about"),
which a mean-pooled vector blurs: cross-validated recall at 1.5 % false offers 0.926 -> 0.955 with them (session
8, ``training.intent``). CRC-32, not Python's salted ``hash``: training and serving must agree across processes."""


def ngram_buckets(text: str, buckets: int) -> list[int]:
    """The buckets of ``text``'s lower-cased word unigrams and bigrams (two letters or more, as scikit-learn's
    default tokeniser): the same for the same text in every process."""
    if buckets <= 0:
        return []
    words = _WORD.findall(embedding_text(text).lower())
    grams = [*words, *(f"{a} {b}" for a, b in pairwise(words))]
    return sorted({zlib.crc32(g.encode("utf-8")) % buckets for g in grams})


def features(vectors: npt.NDArray[np.floating], texts: list[str], buckets: int = NGRAM_BUCKETS
             ) -> npt.NDArray[np.float64]:
    """One row per text: its embedding, its word n-gram buckets (``buckets`` of them, 0/1), then 1.0 where the
    pattern matches (last, so the fit can weigh it apart). Training and serving share this."""
    grams = np.zeros((len(texts), buckets), dtype=np.float64)
    for row, text in enumerate(texts):
        grams[row, ngram_buckets(text, buckets)] = 1.0
    hits = np.array([[1.0 if matches(t) else 0.0] for t in texts], dtype=np.float64).reshape(len(texts), 1)
    return np.hstack([np.asarray(vectors, dtype=np.float64).reshape(len(texts), -1), grams, hits])


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))


@dataclass(frozen=True, slots=True)
class IntentModel:
    """The fitted logistic regression; ``encoder`` names the vectors it was fitted on."""

    weights: npt.NDArray[np.float64]
    bias: float
    threshold: float
    """On the probability: the lowest that kept cross-validated false offers within the target."""
    encoder: str
    buckets: int = 0
    """Word n-gram buckets between the embedding and the pattern (``features``); 0 in a model fitted without."""

    def probability(self, row: npt.NDArray[np.float64]) -> float:
        return 1.0 / (1.0 + math.exp(-(float(row @ self.weights) + self.bias)))

    def decides(self, row: npt.NDArray[np.float64]) -> bool:
        return self.probability(row) >= self.threshold


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> IntentModel | None:
    """``None`` (the pattern decides) when no model was trained; a malformed file is an error naming the field."""
    if not path.exists():
        log.warning("no report-intent model at %s: the pattern decides alone", path)
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    for name in ("weights", "bias", "threshold", "encoder", "dimension"):
        if name not in record:
            raise ValueError(f"{path}: field {name!r} is missing")
    weights = np.asarray(record["weights"], dtype=np.float64)
    buckets = int(record.get("ngram_buckets", 0))
    if weights.shape != (int(record["dimension"]) + buckets + 1,):
        raise ValueError(f"{path}: field 'weights' holds {weights.size} numbers, not dimension + ngram_buckets + 1 "
                         "(the pattern)")
    if not 0.0 < float(record["threshold"]) < 1.0:
        raise ValueError(f"{path}: field 'threshold' must lie between 0 and 1")
    return IntentModel(weights, float(record["bias"]), float(record["threshold"]), str(record["encoder"]), buckets)


class ReportIntent:
    """Whether a message shows the person wants to report, complain, raise a grievance or blow the whistle."""

    def __init__(self, encoder: Embedder, *, executor: Callable[[], Executor] | None = None,
                 model_path: Path = MODEL_PATH, cache_size: int = CACHE_SIZE) -> None:
        """``executor``: where the encoder runs (``None``: asyncio's default threads). The model is used only when
        it was fitted on vectors from an encoder of this one's name."""
        self.encoder = encoder
        self._executor = executor
        model = load_model(model_path)
        self.model = model if model is not None and model.encoder == encoder.name else None
        self._cache: OrderedDict[bytes, bool] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def for_service(cls, qa: QaService) -> ReportIntent:
        """The Q&A service's encoder in its threads, so intent checks batch with the questions being answered."""
        return cls(qa.encoder, executor=qa._executor)  # its own pool, shared on purpose (bot.qa)

    @property
    def learned(self) -> bool:
        """Whether the learned model decides (otherwise the pattern does)."""
        return self.model is not None

    async def wants_to_report(self, text: str) -> bool:
        if self.model is None or not _normal(text):
            return matches(text)
        key = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()  # the words are not kept
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        loop = asyncio.get_running_loop()
        executor = self._executor() if self._executor is not None else None
        try:
            vectors = await loop.run_in_executor(executor, self.encoder.embed, [embedding_text(text)])
        except Exception as exc:  # an offer by the pattern is better than no answer at all to someone in trouble
            log.warning("report intent fell back to the pattern: %s", type(exc).__name__)
            return matches(text)
        decision = self.model.decides(features(vectors, [text], self.model.buckets)[0])
        self._cache[key] = decision
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return decision


async def wants_to_report(turn: Turn, text: str) -> bool:
    """The services' ``ReportIntent`` on ``text``: what the dialogue, ``/ask`` and ``answering.may_keep`` call."""
    return await turn.services.report_intent.wants_to_report(text)


def offer(turn: Turn) -> list[Reply]:
    """The offer goes to the person's DM; a group only learns that a private message was sent."""
    # The press arrives in the DM, which may have no council of its own: the button carries the group's.
    buttons = tuple(Button(title, Action(START, f"{name}:{turn.council or ''}")) for name, title in FLOWS)
    buttons += (Button("No thanks", Action(DISMISS)),)
    text = ("It sounds as if you may want to report a concern or raise a grievance. I can take you through "
            "that step by step, in private: only you and the right person will see what you write.")
    replies = [turn.privately(text, buttons=buttons, kind="offer")]
    if not turn.in_private:
        replies.append(say("I've sent you a private message.", visibility=Visibility.EPHEMERAL, kind="offer_note"))
    return replies
