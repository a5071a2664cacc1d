"""The MiniLM question encoder written out as an ONNX graph straight from its weights, without torch.

Why not a torch exporter: the model is a plain BERT encoder, six identical layers of standard operators,
and both of torch's exporters were costly for it on 2 cores: ``torch.export`` spent ~20 s of CPU tracing and
decomposing (beside the document embedding), the TorchScript exporter needed 820 MB. Built here from the
safetensors file with ``onnx.helper``, the graph takes well under a second and ~300 MB, is byte-for-byte the
same every time, and needs neither torch nor transformers. Mean pooling and normalisation are part of the
graph, so it gives the sentence-transformers vectors (``tests/test_onnx_query.py`` compares them).

The graph mirrors Hugging Face's eager ``BertModel`` operation by operation (erf GELU, additive attention mask
of the float32 minimum, LayerNorm epsilon from the config) so that ONNX Runtime's own graph optimiser fuses it
into its attention, LayerNorm and GELU kernels as it does for exported BERT models. Any model that is not
this shape of BERT is refused with a clear error; questions then fall back to sentence-transformers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.external_data_helper import set_external_data

from knowledge.onnx_embedder import DATA_FILE, INPUTS, ONNX_FILE, OPSET, OUTPUT

SCORE = "score"
EXTERNAL_FROM_BYTES = 1024
"""Smaller tensors (shape constants, scalars) stay inside the graph, where shape inference can read them."""
DATA_ALIGNMENT = 4096


class UnsupportedModelError(ValueError):
    """The model's configuration is not the BERT encoder this builder writes."""


@dataclass(frozen=True, slots=True)
class BertShape:
    hidden: int
    heads: int
    layers: int
    epsilon: float

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BertShape:
        expected = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}
        for key, value in expected.items():
            if config.get(key, value) != value:
                raise UnsupportedModelError(f"{key} is {config.get(key)!r}; the ONNX builder writes {value!r}")
        hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
        if hidden % heads:
            raise UnsupportedModelError(f"hidden size {hidden} does not split into {heads} heads")
        return cls(hidden, heads, int(config["num_hidden_layers"]), float(config.get("layer_norm_eps", 1e-12)))

    @property
    def head_size(self) -> int:
        return self.hidden // self.heads


class _Graph:
    """Nodes and initialisers in the order they are written, so the files come out the same every time.

    Weights go straight to the data file as they are added (one tensor in memory at a time, not the whole
    model two or three times over as protobuf copies), each at a page-aligned offset so that ONNX Runtime can
    map the file instead of copying it.
    """

    def __init__(self, weights: Any, data: BinaryIO) -> None:
        self.weights = weights
        self.data = data
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()
        self._count = 0
        names = set(weights.keys())
        self._prefix = next((p for p in ("bert.", "encoder.") if f"{p}embeddings.word_embeddings.weight" in names), "")

    def weight(self, name: str, *, transpose: bool = False, prefixed: bool = True) -> str:
        """A tensor from the checkpoint, added once; linear weights are stored transposed for ``MatMul``.
        ``prefixed``: an encoder tensor (checkpoints saved from BertForX say "bert.", the reranker "encoder.");
        the reranker's head is not."""
        stored = f"{name}.T" if transpose else name
        if stored not in self._names:
            array = self.weights.get_tensor(f"{self._prefix if prefixed else ''}{name}")
            if array.dtype == np.float16:  # the tuned weights ship as fp16; the graph computes in float32
                array = array.astype(np.float32)
            self._add(stored, np.ascontiguousarray(array.T if transpose else array))
        return stored

    def constant(self, name: str, value: Any, dtype: type = np.int64) -> str:
        if name not in self._names:
            self._add(name, np.asarray(value, dtype=dtype))
        return name

    def _add(self, name: str, array: np.ndarray) -> None:
        self._names.add(name)
        if array.nbytes < EXTERNAL_FROM_BYTES:
            self.initializers.append(numpy_helper.from_array(array, name))
            return
        offset = -self.data.tell() % DATA_ALIGNMENT + self.data.tell()
        self.data.seek(offset)
        self.data.write(array.tobytes())
        tensor = onnx.TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(array.dtype),
                                  dims=array.shape, raw_data=b"")
        set_external_data(tensor, DATA_FILE, offset=offset, length=array.nbytes)
        tensor.ClearField("raw_data")
        self.initializers.append(tensor)

    def op(self, op_type: str, inputs: list[str], *, output: str | None = None, **attributes: Any) -> str:
        self._count += 1
        output = output or f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=f"{op_type}_{self._count}",
                                           **attributes))
        return output

    def linear(self, x: str, prefix: str) -> str:
        return self.op("Add", [self.op("MatMul", [x, self.weight(f"{prefix}.weight", transpose=True)]),
                               self.weight(f"{prefix}.bias")])

    def layer_norm(self, x: str, prefix: str, epsilon: float) -> str:
        return self.op("LayerNormalization", [x, self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")],
                       axis=-1, epsilon=epsilon)


def _embeddings(graph: _Graph, shape: BertShape) -> str:
    sequence = graph.op("Gather", [graph.op("Shape", ["input_ids"]), graph.constant("one", 1)], axis=0)
    positions = graph.op("Range", [graph.constant("zero", 0), sequence, graph.constant("one", 1)])
    summed = graph.op("Add", [
        graph.op("Add", [
            graph.op("Gather", [graph.weight("embeddings.word_embeddings.weight"), "input_ids"], axis=0),
            graph.op("Gather", [graph.weight("embeddings.token_type_embeddings.weight"), "token_type_ids"], axis=0),
        ]),
        graph.op("Gather", [graph.weight("embeddings.position_embeddings.weight"), positions], axis=0),
    ])
    return graph.layer_norm(summed, "embeddings.LayerNorm", shape.epsilon)


def _mask_bias(graph: _Graph) -> str:
    """``(1 - mask) * float32.min`` shaped ``[batch, 1, 1, sequence]``, as BERT's eager attention adds it."""
    mask = graph.op("Cast", [graph.op("Unsqueeze", ["attention_mask", graph.constant("axes_1_2", [1, 2])])],
                    to=TensorProto.FLOAT)
    inverted = graph.op("Sub", [graph.constant("one_f", 1.0, np.float32), mask])
    return graph.op("Mul", [inverted, graph.constant("mask_min", np.finfo(np.float32).min, np.float32)])


def _attention(graph: _Graph, x: str, bias: str, prefix: str, shape: BertShape) -> str:
    split = graph.constant("split_heads", [0, 0, shape.heads, shape.head_size])

    def heads(name: str, permutation: list[int]) -> str:
        projected = graph.linear(x, f"{prefix}.self.{name}")
        return graph.op("Transpose", [graph.op("Reshape", [projected, split])], perm=permutation)

    query, key, value = heads("query", [0, 2, 1, 3]), heads("key", [0, 2, 3, 1]), heads("value", [0, 2, 1, 3])
    scores = graph.op("Div", [graph.op("MatMul", [query, key]),
                              graph.constant("head_scale", math.sqrt(shape.head_size), np.float32)])
    probabilities = graph.op("Softmax", [graph.op("Add", [scores, bias])], axis=-1)
    context = graph.op("Transpose", [graph.op("MatMul", [probabilities, value])], perm=[0, 2, 1, 3])
    merged = graph.op("Reshape", [context, graph.constant("merge_heads", [0, 0, shape.hidden])])
    return graph.layer_norm(graph.op("Add", [graph.linear(merged, f"{prefix}.output.dense"), x]),
                            f"{prefix}.output.LayerNorm", shape.epsilon)


def _gelu(graph: _Graph, x: str) -> str:
    """The exact (erf) GELU of BERT's ``"gelu"``: ``x * 0.5 * (1 + erf(x / sqrt 2))``."""
    erf = graph.op("Erf", [graph.op("Div", [x, graph.constant("sqrt_2", math.sqrt(2.0), np.float32)])])
    return graph.op("Mul", [graph.op("Mul", [x, graph.op("Add", [erf, graph.constant("one_f", 1.0, np.float32)])]),
                            graph.constant("half", 0.5, np.float32)])


def _layer(graph: _Graph, x: str, bias: str, index: int, shape: BertShape) -> str:
    prefix = f"encoder.layer.{index}"
    attended = _attention(graph, x, bias, f"{prefix}.attention", shape)
    expanded = _gelu(graph, graph.linear(attended, f"{prefix}.intermediate.dense"))
    return graph.layer_norm(graph.op("Add", [graph.linear(expanded, f"{prefix}.output.dense"), attended]),
                            f"{prefix}.output.LayerNorm", shape.epsilon)


def _mean_pooled(graph: _Graph, tokens: str) -> str:
    """Mean over real tokens: sentence-transformers' Pooling module (and the reranker's)."""
    mask = graph.op("Cast", [graph.op("Unsqueeze", ["attention_mask", graph.constant("axis_2", [2])])],
                    to=TensorProto.FLOAT)
    axis_1 = graph.constant("axis_1", [1])
    summed = graph.op("ReduceSum", [graph.op("Mul", [tokens, mask]), axis_1], keepdims=0)
    counted = graph.op("Clip", [graph.op("ReduceSum", [mask, axis_1], keepdims=0),
                                graph.constant("min_count", 1e-9, np.float32)])
    return graph.op("Div", [summed, counted])


def _mean_pooled_unit(graph: _Graph, tokens: str, output: str) -> str:
    """Mean over real tokens, then L2 normalisation: sentence-transformers' Pooling + Normalize modules."""
    mean = _mean_pooled(graph, tokens)
    norm = graph.op("Clip", [graph.op("ReduceL2", [mean, graph.constant("axis_last", [-1])], keepdims=1),
                             graph.constant("min_norm", 1e-12, np.float32)])
    return graph.op("Div", [mean, norm], output=output)


def _score(graph: _Graph, tokens: str, output: str) -> str:
    """The reranker's one score per pair: its linear head over the mean-pooled tokens (``training.reranker``)."""
    pooled = _mean_pooled(graph, tokens)
    scored = graph.op("Add", [graph.op("MatMul", [pooled, graph.weight("head.weight", transpose=True, prefixed=False)]),
                              graph.weight("head.bias", prefixed=False)])
    return graph.op("Squeeze", [scored, graph.constant("axis_last", [-1])], output=output)


def write(model_folder: Path, target: Path, *, weights: Path | None = None, scorer: bool = False) -> None:
    """Write ``target/model.onnx`` and ``target/model.onnx.data``: the encoder of the sentence-transformers
    model in ``model_folder`` (its config.json, and model.safetensors unless other ``weights`` are named).
    ``scorer``: the weights are the reranker's, and the graph gives its score (output ``score``) instead of
    a unit vector."""
    from safetensors import safe_open

    shape = BertShape.from_config(json.loads((model_folder / "config.json").read_text(encoding="utf-8")))
    source = weights or model_folder / "model.safetensors"
    with safe_open(str(source), framework="numpy") as weights_file, \
            (target / DATA_FILE).open("wb") as data:
        model = _model(_Graph(weights_file, data), shape, scorer=scorer)
    onnx.save_model(model, str(target / ONNX_FILE))
    onnx.checker.check_model(str(target / ONNX_FILE))


def _model(graph: _Graph, shape: BertShape, *, scorer: bool = False) -> onnx.ModelProto:
    hidden = _embeddings(graph, shape)
    bias = _mask_bias(graph)
    for index in range(shape.layers):
        hidden = _layer(graph, hidden, bias, index, shape)
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"]) for name in INPUTS]
    if scorer:
        _score(graph, hidden, SCORE)
        output = helper.make_tensor_value_info(SCORE, TensorProto.FLOAT, ["batch"])
    else:
        _mean_pooled_unit(graph, hidden, OUTPUT)
        output = helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", shape.hidden])
    name = "minilm_reranker" if scorer else "minilm_question_encoder"
    model = helper.make_model(
        helper.make_graph(graph.nodes, name, inputs, [output], graph.initializers),
        opset_imports=[helper.make_opsetid("", OPSET)], producer_name="protocol-bot",
    )
    model.ir_version = 8  # what ONNX Runtime reads everywhere; nothing here needs newer
    return model
