"""The question encoder written from the weights: the same bytes every time, and only for the BERT it knows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge.onnx_embedder import DATA_FILE, ONNX_FILE, current_export, load_query_model, models_folder
from knowledge.onnx_export import export
from knowledge.onnx_graph import UnsupportedModelError, write
from knowledge.st_embedder import model_path


def test_exporting_again_gives_the_same_files_and_folder(tmp_path: Path) -> None:
    first = export(tmp_path)
    files = {name: (models_folder(tmp_path) / first.folder / name).read_bytes() for name in (ONNX_FILE, DATA_FILE)}
    second = export(tmp_path)
    assert (second.folder, second.onnx_digest) == (first.folder, first.onnx_digest)
    assert {name: (models_folder(tmp_path) / second.folder / name).read_bytes() for name in files} == files
    assert [p.name for p in models_folder(tmp_path).iterdir() if p.is_dir()] == [first.folder]
    assert current_export(tmp_path) == second
    vectors = load_query_model(tmp_path).embed(["can I instruct the deputy clerk?"])  # type: ignore[union-attr]
    assert vectors.shape == (1, 384)
    assert abs(float((vectors**2).sum()) - 1.0) < 1e-5


@pytest.mark.parametrize(("setting", "value"), [("model_type", "roberta"), ("hidden_act", "silu"),
                                                ("position_embedding_type", "relative_key")])
def test_a_model_of_another_shape_is_refused_by_name(tmp_path: Path, setting: str, value: str) -> None:
    source = tmp_path / "model"
    source.mkdir()
    config = json.loads((Path(model_path()) / "config.json").read_text(encoding="utf-8"))
    (source / "config.json").write_text(json.dumps(config | {setting: value}), encoding="utf-8")
    shutil.copy(Path(model_path()) / "model.safetensors", source / "model.safetensors")
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(UnsupportedModelError, match=setting):
        write(source, target)
    assert not (target / ONNX_FILE).exists()
