"""Export the question encoder to ONNX, in a process of its own: ``python -m knowledge.onnx_export HOME``.

Why a separate process: the export holds the model, the traced program and the serialised graph at once. Run
inside the process that embeds documents it pushed that process from ~670 MB to ~870-1010 MB; alone, with only
``transformers`` loaded (not sentence-transformers) and the weights written as external data rather than
serialised into one protobuf in memory, it peaks near 590 MB and its memory is returned when it exits. It runs
while the parent embeds documents (``knowledge.query_encoder``), so the build takes no longer for it.

Why the ``torch.export`` (dynamo) exporter: the TorchScript exporter costs ~230 MB more even without the weights.
The example traced is a padded pair of real sentences, so the traced path is the one padded batches take; eager
attention, because the fused kernel's mask handling does not survive export on every input. Mean pooling and
normalisation are folded into the graph, so both runtimes give the sentence-transformers vectors (the tests
compare them).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

from knowledge.onnx_embedder import (
    DATA_FILE,
    EXPORT_PREFIX,
    INPUTS,
    MANIFEST_FILE,
    ONNX_FILE,
    OUTPUT,
    ExportManifest,
    digest_of,
    models_folder,
    source_digest,
    source_version,
    tokenizer_for,
    write_manifest,
)
from knowledge.st_embedder import MODEL_NAME, model_path


def _max_seq_length() -> int:
    """Where sentence-transformers truncates, read from the model's own configuration."""
    config = json.loads((Path(model_path()) / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return int(config["max_seq_length"])


def _pooled(transformer: Any) -> Any:
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
                    ) -> torch.Tensor:
            tokens = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return Pooled(transformer).eval()


def export(home: Path) -> ExportManifest:
    """Write ``<home>/models/<folder>/`` (graph + external weights) and then the manifest that names it."""
    folder = models_folder(home)
    folder.mkdir(parents=True, exist_ok=True)  # before the slow imports: an unwritable home fails at once
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    torch.set_num_threads(1)  # the parent is embedding documents on the other cores meanwhile
    max_seq_length = _max_seq_length()
    module = _pooled(AutoModel.from_pretrained(model_path(), attn_implementation="eager"))
    tokenizer = tokenizer_for(max_seq_length)
    example = tokenizer.encode_batch(["Can a councillor instruct the clerk's staff?", "Who to ask."])
    width = max(len(e.ids) for e in example)
    arrays = tuple(
        torch.tensor([getattr(e, field) + [0] * (width - len(e.ids)) for e in example], dtype=torch.int64)
        for field in ("ids", "attention_mask", "type_ids")
    )
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence", max=max_seq_length)
    shapes = tuple({0: batch, 1: sequence} for _ in INPUTS)

    staging = folder / f".{EXPORT_PREFIX}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(module, arrays, input_names=list(INPUTS), output_names=[OUTPUT],
                                        dynamic_shapes=shapes, opset_version=18, dynamo=True, optimize=True,
                                        verbose=False)
            assert program is not None
            program.save(str(staging / ONNX_FILE), external_data=True)
        if not (staging / DATA_FILE).exists():
            raise RuntimeError(f"the exporter did not write {DATA_FILE}")
        digest, size = digest_of(staging)
        final = folder / f"{EXPORT_PREFIX}-{digest[:16]}"
        if final.exists():  # another process exported the same bytes first
            shutil.rmtree(staging)
        else:
            os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    manifest = ExportManifest(
        source_model=MODEL_NAME, source_version=source_version(), source_digest=source_digest(),
        onnx_digest=digest, onnx_bytes=size, max_seq_length=max_seq_length, folder=final.name,
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
