"""Write the question encoder as ONNX, in a process of its own: ``python -m knowledge.onnx_export HOME``.

The graph is built from the model's weights by ``knowledge.onnx_graph`` (no torch: ~0.5 s, ~180 MB, the same
bytes every time). It still runs as a child process, started when documents are about to be embedded: its
memory is returned when it exits instead of adding to the build's peak, a failure in it leaves the build
standing (questions fall back to sentence-transformers), and it overlaps the document model's loading.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from knowledge.onnx_embedder import (
    EXPORT_PREFIX,
    MANIFEST_FILE,
    ONNX_FILE,
    ExportManifest,
    digest_of,
    models_folder,
    quantize,
    source_digest,
    source_version,
    write_manifest,
)
from knowledge.onnx_graph import write
from knowledge.reranking import RERANKER_FILE, reranker_mark, reranker_weights
from knowledge.st_embedder import MODEL_NAME, model_path, weights_path


def _max_seq_length() -> int:
    """Where sentence-transformers truncates, read from the model's own configuration."""
    config = json.loads((Path(model_path()) / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return int(config["max_seq_length"])


def _write_reranker(weights: Path, staging: Path) -> None:
    """The reranker's float graph in a scratch folder, then its 8-bit version beside the question encoder."""
    scratch = staging / "reranker-float"
    scratch.mkdir()
    try:
        write(Path(model_path()), scratch, weights=weights, scorer=True)
        quantize(scratch / ONNX_FILE, staging / RERANKER_FILE)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def export(home: Path) -> ExportManifest:
    """Write ``<home>/models/<folder>/`` (graph + external weights) and then the manifest that names it."""
    folder = models_folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".{EXPORT_PREFIX}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        write(Path(model_path()), staging, weights=weights_path())
        reranker = reranker_weights()
        if reranker is not None:
            _write_reranker(reranker, staging)
        digest, size = digest_of(staging)
        final = folder / f"{EXPORT_PREFIX}-{digest[:16]}"
        if final.exists():  # the same bytes were written before (the graph is deterministic)
            shutil.rmtree(staging)
        else:
            os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    manifest = ExportManifest(
        source_model=MODEL_NAME, source_version=source_version(), source_digest=source_digest(),
        onnx_digest=digest, onnx_bytes=size, max_seq_length=_max_seq_length(), folder=final.name,
        reranker=reranker_mark(),
    )
    write_manifest(home, manifest)
    for stale in folder.glob(f"{EXPORT_PREFIX}*"):  # earlier exports, including the one-file format 1
        if stale.name in (final.name, MANIFEST_FILE):
            continue
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    return manifest


def _peak_rss_mb() -> float | None:
    """This process's own high-water mark (``VmHWM``), so the build can report the exporter's memory too."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m knowledge.onnx_export HOME", file=sys.stderr)
        return 2
    manifest = export(Path(argv[0]))
    print(json.dumps({"folder": manifest.folder, "bytes": manifest.onnx_bytes, "peak_rss_mb": _peak_rss_mb()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
