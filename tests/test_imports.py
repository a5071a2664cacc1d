"""Dependencies point adapters -> bot -> knowledge; heavy libraries live in one module each."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"knowledge": {"bot", "adapters", "training"}, "bot": {"adapters", "training"}, "adapters": {"training"},
             "config": {"bot", "adapters", "knowledge", "training"}}
"""``training`` imports torch to fit the encoder: nothing the bot runs may import it."""


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_dependency_direction() -> None:
    bad = []
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            for name in imports_of(path):
                if name.split(".")[0] in forbidden:
                    bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert bad == []


def test_heavy_libraries_in_one_module_each() -> None:
    owners: dict[str, set[str]] = {
        "sentence_transformers": set(), "faiss": set(), "bm25s": set(), "onnxruntime": set(), "onnx": set(),
        "torch": set(),
    }
    for package in ("bot", "knowledge", "adapters", "config"):
        for path in (ROOT / package).rglob("*.py"):
            for name in imports_of(path):
                if name.split(".")[0] in owners:
                    owners[name.split(".")[0]].add(path.name)
    assert owners == {
        "sentence_transformers": {"st_embedder.py"}, "faiss": {"dense.py"}, "bm25s": {"lexical.py"},
        # questions at serving time; the graph written at index time (own process); torch never directly
        "onnxruntime": {"onnx_embedder.py"}, "onnx": {"onnx_graph.py"}, "torch": set(),
    }
