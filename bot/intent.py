"""Someone who wants to report a concern or raise a grievance is offered that flow, privately.

A pattern is enough here: a false positive costs one polite offer the person can ignore, and a question
phrased as a question ("how do I raise a grievance?") is also answered from the protocol. The pattern is
built from parts rather than from example sentences:

- an intent to report: "report" used as a verb ("I want to report", "how do I report", "report the clerk")
  followed by a target (a person, a wrong, "it", "something"); never "who does the clerk report to?";
- an intent to complain, raise a grievance or a concern ("lodge a formal grievance", "I have concerns about"),
  or to blow the whistle;
- harm described ("the clerk is bullying me", "I'm being harassed", "shouted at me", "sexist comment");
- wrongdoing described ("committing fraud", "cooking the books", "didn't declare an interest",
  "breached the code of conduct", "leaked confidential information").

Measured in ``tests/test_intent.py`` against phrasings written before this pattern was
(``tests/data/report_offer_phrasings.txt``) and ordinary protocol questions that must not get an offer
(``tests/data/ordinary_questions.txt``).
"""

from __future__ import annotations

import re

from bot.context import Turn
from bot.messages import Action, Button, Reply, Visibility, say

START = "flow.start"
DISMISS = "offer.dismiss"
FLOWS = (("concern", "Report a concern"), ("grievance", "Raise a grievance"))

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


def wants_to_report(text: str) -> bool:
    return bool(_WANT.search(_normal(text)))


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))


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
