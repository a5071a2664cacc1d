"""Retrieval contracts with the fake embedder: FAISS agrees with brute force; persistence is honest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.chunks import chunks_for
from knowledge.documents import BUNDLED_DIR, CouncilSource
from knowledge.embedding import HashEmbedder
from knowledge.errors import IndexStaleError, UnknownCouncilError
from knowledge.index import CouncilIndex
from knowledge.library import Library

QUESTIONS = ["can I instruct the deputy clerk?", "who do I complain to about an officer", "press releases"]


def build(slug: str = "cheshire") -> tuple[CouncilIndex, HashEmbedder, CouncilSource]:
    source = CouncilSource(slug, BUNDLED_DIR / slug)
    doc = source.parse()
    embedder = HashEmbedder()
    return CouncilIndex.build(doc.meta, list(doc.clauses), embedder, source.digest()), embedder, source


@pytest.mark.parametrize("question", QUESTIONS)
def test_dense_search_matches_brute_force(question: str) -> None:
    index, embedder, _ = build()
    vectors = embedder.embed([c.embed_text for c in chunks_for(index.clauses)])
    query = embedder.embed([question])
    expected = np.argsort(-(vectors @ query[0]), kind="stable")[:10]
    scores, ids = index.dense.search(query, 10)
    np.testing.assert_allclose(scores, (vectors @ query[0])[expected], rtol=1e-5)
    assert set(ids[:5]) <= set(np.argsort(-(vectors @ query[0]))[:6])


def test_saved_index_loads_identically(tmp_path: Path) -> None:
    index, embedder, source = build()
    index.save(tmp_path / "cheshire")
    loaded = CouncilIndex.load(tmp_path / "cheshire", model=embedder.name, digest=source.digest())
    assert loaded.clauses == index.clauses
    q = embedder.embed(["press"])
    assert (loaded.dense.search(q, 5)[1] == index.dense.search(q, 5)[1]).all()


def test_index_from_other_model_or_older_document_is_refused(tmp_path: Path) -> None:
    index, embedder, source = build()
    index.save(tmp_path / "cheshire")
    with pytest.raises(IndexStaleError):
        CouncilIndex.load(tmp_path / "cheshire", model="another-model", digest=source.digest())
    with pytest.raises(IndexStaleError):
        CouncilIndex.load(tmp_path / "cheshire", model=embedder.name, digest="older")


def test_changed_document_rebuilds_only_its_council(tmp_path: Path) -> None:
    messages: list[str] = []
    library = Library(tmp_path, HashEmbedder(), messages.append)
    library.load_all()
    runtime = tmp_path / "councils" / "honiton"
    runtime.mkdir(parents=True)
    text = (BUNDLED_DIR / "honiton" / "protocol.txt").read_text(encoding="utf-8")
    (runtime / "protocol.txt").write_text(text.replace("mutual trust", "mutual trust and candour"), encoding="utf-8")
    (runtime / "meta.yaml").write_text((BUNDLED_DIR / "honiton" / "meta.yaml").read_text(), encoding="utf-8")
    messages.clear()
    Library(tmp_path, HashEmbedder(), messages.append).load_all()
    built = [m.split(":")[0] for m in messages if ": built (" in m]
    assert built == ["honiton"]
    assert sum("loaded" in m for m in messages) == 4


def test_unknown_council_lists_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownCouncilError, match="Valid councils: blaby, cheshire, honiton, ledbury, wendlebury"):
        Library(tmp_path, HashEmbedder()).council("narnia")


def test_broken_council_is_skipped_and_others_load(tmp_path: Path) -> None:
    broken = tmp_path / "councils" / "broken"
    broken.mkdir(parents=True)
    (broken / "protocol.txt").write_text("   \n", encoding="utf-8")
    (broken / "meta.yaml").write_text("council: Broken\ntitle: Protocol\n", encoding="utf-8")
    library = Library(tmp_path, HashEmbedder())
    library.load_all()
    assert "protocol.txt" in library.problems["broken"] and "empty" in library.problems["broken"]
    assert len(library.indexes) == 5
