"""The report offer, measured (issue 14, finding 5): recall on ways people say they want to report, complain, raise a
grievance or blow the whistle, and false offers on ordinary protocol questions.

The decision is learned (``bot/intent.py``, fitted by ``training/intent.py`` on ``training/data/`` and the two
``.txt`` lists here). It is measured through the serving path (the ONNX question encoder) on the two blind
``.jsonl`` lists here, which no fitting ever reads; the cross-validated figures are recorded in the model's JSON.
The numbers are printed with every run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.intent import MODEL_PATH, ReportIntent, load_model, matches
from knowledge.embedding import HashEmbedder, Vectors

DATA = Path(__file__).parent / "data"
RECALL = 0.95
FALSE_OFFERS = 0.02
NOUNS = ["who does the clerk report to?", "what reports does the RFO give to council?",
         "how do I report my absence from a meeting?", "what is a conflict of interest?",
         "can the RFO make payments without approval?"]
MISSED = ["I want to report the clerk for misconduct", "the clerk is bullying me", "blow the whistle",
          "who do I complain to about the clerk?", "I\u2019m being picked on by the clerk", "i wanna report the clerk"]


def lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportIntent]:
    """The decision as the bot serves it: the tuned MiniLM's ONNX export encodes the message."""
    from knowledge.query_encoder import MiniLmEmbedder

    encoder = MiniLmEmbedder(tmp_path_factory.mktemp("intent-home"))
    encoder.prepare_queries()
    assert encoder.query_backend == "onnx"
    intent = ReportIntent(encoder)
    assert intent.learned, "the shipped model was fitted on another encoder: run `make train-intent`"
    yield intent


def blind(name: str) -> list[str]:
    return [json.loads(line)["text"] for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.model
async def test_the_offer_catches_people_who_want_to_report_and_spares_ordinary_questions(
        learned: ReportIntent, capsys: pytest.CaptureFixture[str]) -> None:
    """Measured on 130 phrasings and 220 ordinary questions written blind (by a writer who saw only the protocols,
    after the model was fitted; never trained or tuned on). Issue 14's target is recall >= 0.95 with false offers
    <= 0.02. Recall was 0.862 when fitted in session 6 and 0.877 with session 7's 600 more examples; with session
    8's hashed word features and 800 more examples (chosen by cross-validation on the training data alone) 0.969
    with no false offers, which meets it. This test failed at the session 7 model."""
    wanting = blind("blind_report_offer_phrasings.jsonl")
    ordinary = blind("blind_ordinary_questions.jsonl")
    assert len(wanting) >= 100 and len(ordinary) >= 200
    missed = [p for p in wanting if not await learned.wants_to_report(p)]
    offered = [q for q in ordinary if await learned.wants_to_report(q)]
    recall = 1 - len(missed) / len(wanting)
    false_offers = len(offered) / len(ordinary)
    pattern_recall = sum(map(matches, wanting)) / len(wanting)
    trained_on = lines("report_offer_phrasings.txt")
    fitted = [p for p in trained_on if await learned.wants_to_report(p)]
    with capsys.disabled():
        print(f"\nreport offer (learned, blind): recall {recall:.3f} on {len(wanting)} phrasings, false offers "
              f"{false_offers:.3f} on {len(ordinary)} ordinary questions (the pattern alone: recall "
              f"{pattern_recall:.3f}); on its own training phrasings {len(fitted)}/{len(trained_on)}")
    assert false_offers <= FALSE_OFFERS, f"false offers {false_offers:.3f}: {offered}"
    assert recall >= RECALL, f"recall {recall:.3f}; missed: {missed}"


@pytest.mark.model
@pytest.mark.parametrize("text", NOUNS)
async def test_report_as_a_noun_or_line_management_is_not_an_offer(learned: ReportIntent, text: str) -> None:
    assert not await learned.wants_to_report(text)


@pytest.mark.model
@pytest.mark.parametrize("text", MISSED)
async def test_the_phrasings_the_issue_saw_missed_are_offered(learned: ReportIntent, text: str) -> None:
    assert await learned.wants_to_report(text)


def test_the_shipped_model_was_fitted_on_this_data_with_this_encoder(capsys: pytest.CaptureFixture[str]) -> None:
    from knowledge.st_embedder import MODEL_NAME
    from training.intent import digest

    record = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert record["training_sha256"] == digest(), "the intent data changed since fitting: run `make train-intent`"
    assert record["encoder"] == MODEL_NAME, "the encoder changed since fitting: run `make train-intent`"
    assert len(record["weights"]) == record["dimension"] + record["ngram_buckets"] + 1 == 384 + 1024 + 1
    cv, alone = record["cross_validation"], record["pattern_alone"]
    with capsys.disabled():
        print(f"\nreport offer (cross-validated, {cv['folds']} folds): recall {cv['recall']:.3f}, "
              f"false offers {cv['false_offers']:.3f} (the pattern alone: recall {alone['recall']:.3f}, "
              f"false offers {alone['false_offers']:.3f})")
    assert cv["false_offers"] <= record["cross_validation"]["max_false_offers"] <= 0.015
    assert cv["recall"] > alone["recall"]


@pytest.mark.parametrize("text", NOUNS + MISSED + ["the chair shouted at me", "when is the next meeting?"])
async def test_with_the_hash_embedder_the_pattern_decides(text: str) -> None:
    intent = ReportIntent(HashEmbedder())
    assert not intent.learned
    assert await intent.wants_to_report(text) == matches(text)


def test_the_pattern_alone_still_reads_report_as_a_verb() -> None:
    assert not any(matches(t) for t in NOUNS)
    assert all(matches(t) for t in MISSED)


class CountingEncoder:
    """The hash embedder, counting its calls and noting the threads they ran on."""

    def __init__(self) -> None:
        self.inner = HashEmbedder(8)
        self.name, self.dimension = self.inner.name, self.inner.dimension
        self.texts: list[str] = []
        self.threads: set[int] = set()

    def embed(self, texts: list[str]) -> Vectors:
        self.texts += texts
        self.threads.add(threading.get_ident())
        return self.inner.embed(texts)


async def test_the_learned_path_runs_off_the_event_loop_and_remembers_decisions(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    model = tmp_path / "intent.json"  # a model "fitted" on the hash vectors: it offers on the pattern's hit only
    model.write_text(json.dumps({"encoder": encoder.name, "dimension": 8, "weights": [0.0] * 8 + [10.0],
                                 "bias": -5.0, "threshold": 0.5}), encoding="utf-8")
    intent = ReportIntent(encoder, model_path=model, cache_size=2)
    assert intent.learned
    assert await intent.wants_to_report("the clerk is bullying me")
    assert not await intent.wants_to_report("when is the next meeting?")
    assert await intent.wants_to_report("the clerk is bullying me")
    assert encoder.texts == ["the clerk is bullying me", "when is the next meeting?"]
    assert threading.get_ident() not in encoder.threads
    await intent.wants_to_report("a third message")  # room for two: the least recently asked goes
    await intent.wants_to_report("the clerk is bullying me")
    assert len(encoder.texts) == 3
    await intent.wants_to_report("when is the next meeting?")
    assert len(encoder.texts) == 4


def test_a_malformed_model_names_the_field(tmp_path: Path) -> None:
    bad: dict[str, Any] = {"encoder": "x", "dimension": 4, "weights": [0.0] * 3, "bias": 0.0, "threshold": 0.5}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="'weights'"):
        load_model(path)
    assert load_model(tmp_path / "missing.json") is None
