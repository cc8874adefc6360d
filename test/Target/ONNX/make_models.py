#!/usr/bin/python3
"""Generates the ONNX models used by the `vitq-translate --import-onnx` tests.

Usage:
    make_models.py OUTDIR [NAME ...] [--depth N] [--dim N] [--heads N]
                   [--mlp-dim N] [--check] [--list]

Writes OUTDIR/<name>.onnx for every NAME (all default models when no NAME is
given), plus the side files some models need. The script only uses the
`onnx` package's helper / numpy_helper / external_data_helper modules and
numpy, so it runs with Debian's python3-onnx (1.12) -- no torch, no
onnxruntime. All randomness comes from fixed seeds: the output is
byte-for-byte reproducible.

Graphs mimic what torch.onnx.export produces: every node has a unique
name built from a module scope and its op type ("/blocks.0/attn/MatMul",
then "/blocks.0/attn/MatMul_1", ...), and a node's outputs default to
"<node name>_output_<i>".

--check validates what was written: models of default-domain opset <= 17
go through onnx.checker.check_model plus strict shape inference (which
also cross-checks the declared output shapes); newer-opset models, which
onnx 1.12 does not know, are only re-parsed; malformed models must fail
to load or to check.
"""

import argparse
import dataclasses
import os
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import onnx
from onnx import TensorProto, external_data_helper, helper, numpy_helper

FLOAT = TensorProto.FLOAT
INT8 = TensorProto.INT8
UINT8 = TensorProto.UINT8
INT16 = TensorProto.INT16
INT32 = TensorProto.INT32
INT64 = TensorProto.INT64

MS_DOMAIN = "com.microsoft"
INT64_MAX = np.iinfo(np.int64).max

Shape = Sequence[Union[int, str, None]]


def ir_version_for(opset: int) -> int:
    """IR version of the ONNX release that introduced `opset`."""
    if opset <= 18:
        return 8
    if opset <= 20:
        return 9
    return 10


# ---------------------------------------------------------------------------
# Graph construction
# ---------------------------------------------------------------------------


class GraphBuilder:
    """Accumulates the nodes, initializers and inputs/outputs of one graph.

    Node names are "<scope>/<op type>" with "_1", "_2", ... appended when a
    name repeats, as torch.onnx.export does.
    """

    def __init__(self, name: str):
        self.name = name
        self.nodes: List[onnx.NodeProto] = []
        self.initializers: List[onnx.TensorProto] = []
        self.inputs: List[onnx.ValueInfoProto] = []
        self.outputs: List[onnx.ValueInfoProto] = []
        self._name_counts: Dict[str, int] = {}

    def input(self, name: str, elem_type: int, shape: Shape) -> str:
        """Declares a graph input and returns its name."""
        self.inputs.append(helper.make_tensor_value_info(name, elem_type, shape))
        return name

    def output(self, name: str, elem_type: int, shape: Optional[Shape]) -> str:
        """Declares a graph output and returns its name."""
        self.outputs.append(helper.make_tensor_value_info(name, elem_type, shape))
        return name

    def initializer(self, name: str, array: np.ndarray) -> str:
        """Adds an initializer (stored as raw_data) and returns its name."""
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def scalar(self, name: str, value, dtype) -> str:
        """Adds a rank-0 initializer of numpy type `dtype`."""
        return self.initializer(name, np.array(value, dtype=dtype))

    def unique_name(self, base: str) -> str:
        """Returns `base`, or `base_<n>` if `base` was already used."""
        count = self._name_counts.get(base, 0)
        self._name_counts[base] = count + 1
        return base if count == 0 else f"{base}_{count}"

    def node(self, op_type: str, inputs: Sequence[str], scope: str = "",
             outputs: Union[int, Sequence[str]] = 1, name: Optional[str] = None,
             domain: Optional[str] = None, **attrs):
        """Appends a node; returns its output name (or list of names).

        `outputs` is either a count (names are derived from the node name)
        or the explicit output names. `name` overrides the scope-derived
        node name.
        """
        name = self.unique_name(name or f"{scope}/{op_type}")
        if isinstance(outputs, int):
            outputs = [f"{name}_output_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), list(outputs),
                                           name=name, domain=domain, **attrs))
        return outputs[0] if len(outputs) == 1 else list(outputs)

    def constant(self, value: np.ndarray, scope: str = "") -> str:
        """Appends a `Constant` node holding `value`; returns its output."""
        return self.node("Constant", [], scope=scope,
                         value=numpy_helper.from_array(np.asarray(value)))

    def model(self, opset: int, extra_opsets: Optional[Dict[str, int]] = None,
              ir_version: Optional[int] = None) -> onnx.ModelProto:
        """Wraps the graph into a model importing `opset` of the default domain."""
        graph = helper.make_graph(self.nodes, self.name, self.inputs,
                                  self.outputs, self.initializers)
        opsets = [helper.make_opsetid("", opset)]
        opsets += [helper.make_opsetid(d, v) for d, v in (extra_opsets or {}).items()]
        model = helper.make_model(graph, opset_imports=opsets,
                                  producer_name="vitq make_models.py")
        # Set directly: onnx 1.12's helper does not know IR versions 9 and 10.
        model.ir_version = ir_version or ir_version_for(opset)
        return model


def rng(seed: int = 0) -> np.random.Generator:
    """Deterministic random generator."""
    return np.random.default_rng(seed)


def randn(gen: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """float32 normal samples."""
    return gen.standard_normal(shape, dtype=np.float32) * np.float32(scale)


def rand_int8(gen: np.random.Generator, *shape: int) -> np.ndarray:
    """int8 samples in [-127, 127] (symmetric range)."""
    return gen.integers(-127, 128, size=shape, dtype=np.int8)


def unary_model(name: str, op_type: str, shape: Shape, opset: int = 17,
                out_shape: Optional[Shape] = None, **attrs) -> onnx.ModelProto:
    """x -> op_type(**attrs) -> y, all float32."""
    g = GraphBuilder(name)
    x = g.input("x", FLOAT, shape)
    g.node(op_type, [x], outputs=["y"], **attrs)
    g.output("y", FLOAT, out_shape or shape)
    return g.model(opset)


# ---------------------------------------------------------------------------
# Per-op FP32 models
# ---------------------------------------------------------------------------


def op_conv(opts) -> onnx.ModelProto:
    """Patch-embedding style Conv: 2x2 kernel, stride 2, no padding, bias."""
    gen = rng(1)
    g = GraphBuilder("op_conv")
    x = g.input("x", FLOAT, [1, 3, 8, 8])
    w = g.initializer("conv.weight", randn(gen, 4, 3, 2, 2))
    b = g.initializer("conv.bias", randn(gen, 4))
    g.node("Conv", [x, w, b], scope="/conv", outputs=["y"], dilations=[1, 1],
           group=1, kernel_shape=[2, 2], pads=[0, 0, 0, 0], strides=[2, 2])
    g.output("y", FLOAT, [1, 4, 4, 4])
    return g.model(17)


def op_conv_grouped(opts) -> onnx.ModelProto:
    """Grouped (group=2) 3x3 Conv with padding 1 and no bias."""
    gen = rng(2)
    g = GraphBuilder("op_conv_grouped")
    x = g.input("x", FLOAT, [1, 4, 6, 6])
    w = g.initializer("conv.weight", randn(gen, 4, 2, 3, 3))
    g.node("Conv", [x, w], scope="/conv", outputs=["y"], dilations=[1, 1],
           group=2, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    g.output("y", FLOAT, [1, 4, 6, 6])
    return g.model(17)


def matmul_model(name: str, x_shape: Shape, opset: int = 17) -> onnx.ModelProto:
    """x[..., 8] @ weight[8, 6] -> y[..., 6]."""
    g = GraphBuilder(name)
    x = g.input("x", FLOAT, x_shape)
    w = g.initializer("weight", randn(rng(3), 8, 6))
    g.node("MatMul", [x, w], outputs=["y"])
    g.output("y", FLOAT, list(x_shape[:-1]) + [6])
    return g.model(opset)


def op_matmul(opts) -> onnx.ModelProto:
    """MatMul of a 2x5x8 input with an 8x6 initializer."""
    return matmul_model("op_matmul", [2, 5, 8])


def op_matmul_batched(opts) -> onnx.ModelProto:
    """Batched MatMul of two graph inputs, 2x3x5x8 @ 2x3x8x4."""
    g = GraphBuilder("op_matmul_batched")
    a = g.input("a", FLOAT, [2, 3, 5, 8])
    b = g.input("b", FLOAT, [2, 3, 8, 4])
    g.node("MatMul", [a, b], outputs=["y"])
    g.output("y", FLOAT, [2, 3, 5, 4])
    return g.model(17)


def op_gemm(opts) -> onnx.ModelProto:
    """Gemm A[3,8] x B[6,8]^T + C[6] (transB=1), as torch exports nn.Linear."""
    gen = rng(4)
    g = GraphBuilder("op_gemm")
    a = g.input("x", FLOAT, [3, 8])
    b = g.initializer("fc.weight", randn(gen, 6, 8))
    c = g.initializer("fc.bias", randn(gen, 6))
    g.node("Gemm", [a, b, c], scope="/fc", outputs=["y"], alpha=1.0, beta=1.0,
           transB=1)
    g.output("y", FLOAT, [3, 6])
    return g.model(17)


def op_elementwise(opts) -> onnx.ModelProto:
    """Add (broadcast [4]) -> Sub -> Mul -> Div -> Pow(2.0) -> Sqrt -> Erf -> Tanh."""
    g = GraphBuilder("op_elementwise")
    x = g.input("x", FLOAT, [2, 3, 4])
    bias = g.initializer("bias", randn(rng(5), 4))
    divisor = g.scalar("divisor", 3.0, np.float32)
    exponent = g.scalar("exponent", 2.0, np.float32)
    t = g.node("Add", [x, bias])
    t = g.node("Sub", [t, x])
    t = g.node("Mul", [t, x])
    t = g.node("Div", [t, divisor])
    t = g.node("Pow", [t, exponent])
    t = g.node("Sqrt", [t])
    t = g.node("Erf", [t])
    g.node("Tanh", [t], outputs=["y"])
    g.output("y", FLOAT, [2, 3, 4])
    return g.model(17)


def op_reducemean(opts) -> onnx.ModelProto:
    """ReduceMean with the opset-13 `axes` attribute."""
    return unary_model("op_reducemean", "ReduceMean", [2, 3, 4],
                       out_shape=[2, 3, 1], axes=[-1], keepdims=1)


def op_reducemean18(opts) -> onnx.ModelProto:
    """Opset-18 ReduceMean, whose axes are an int64 input."""
    g = GraphBuilder("op_reducemean18")
    x = g.input("x", FLOAT, [2, 3, 4])
    axes = g.initializer("axes", np.array([-1], dtype=np.int64))
    g.node("ReduceMean", [x, axes], outputs=["y"], keepdims=1)
    g.output("y", FLOAT, [2, 3, 1])
    return g.model(18)


def op_softmax(opts) -> onnx.ModelProto:
    """Softmax over the last axis."""
    return unary_model("op_softmax", "Softmax", [2, 3, 4], axis=-1)


def op_gelu(opts) -> onnx.ModelProto:
    """Opset-20 Gelu, exact (erf) form."""
    return unary_model("op_gelu", "Gelu", [2, 4], opset=20, approximate="none")


def op_gelu_tanh(opts) -> onnx.ModelProto:
    """Opset-20 Gelu, tanh approximation."""
    return unary_model("op_gelu_tanh", "Gelu", [2, 4], opset=20,
                       approximate="tanh")


def op_layernorm17(opts) -> onnx.ModelProto:
    """Opset-17 LayerNormalization over the last axis with Scale and B."""
    gen = rng(6)
    g = GraphBuilder("op_layernorm17")
    x = g.input("x", FLOAT, [2, 3, 8])
    scale = g.initializer("norm.weight", 1 + randn(gen, 8, scale=0.1))
    bias = g.initializer("norm.bias", randn(gen, 8, scale=0.1))
    g.node("LayerNormalization", [x, scale, bias], scope="/norm", outputs=["y"],
           axis=-1, epsilon=1e-6)
    g.output("y", FLOAT, [2, 3, 8])
    return g.model(17)


def op_reshape(opts) -> onnx.ModelProto:
    """Reshape 2x3x4 to a target shape [4, -1, 2] held in an initializer."""
    g = GraphBuilder("op_reshape")
    x = g.input("x", FLOAT, [2, 3, 4])
    shape = g.initializer("shape", np.array([4, -1, 2], dtype=np.int64))
    g.node("Reshape", [x, shape], outputs=["y"])
    g.output("y", FLOAT, [4, 3, 2])
    return g.model(17)


def op_transpose(opts) -> onnx.ModelProto:
    """Transpose with perm [2, 0, 1]."""
    return unary_model("op_transpose", "Transpose", [2, 3, 4],
                       out_shape=[4, 2, 3], perm=[2, 0, 1])


def op_flatten(opts) -> onnx.ModelProto:
    """Flatten with axis=1."""
    return unary_model("op_flatten", "Flatten", [2, 3, 4], out_shape=[2, 12],
                       axis=1)


def op_squeeze_unsqueeze(opts) -> onnx.ModelProto:
    """Opset-13 Squeeze/Unsqueeze, axes given as int64 inputs (one negative)."""
    g = GraphBuilder("op_squeeze_unsqueeze")
    x = g.input("x", FLOAT, [2, 1, 4])
    squeeze_axes = g.initializer("squeeze_axes", np.array([1], dtype=np.int64))
    unsqueeze_axes = g.initializer("unsqueeze_axes",
                                   np.array([0, -1], dtype=np.int64))
    t = g.node("Squeeze", [x, squeeze_axes])                  # [2, 4]
    g.node("Unsqueeze", [t, unsqueeze_axes], outputs=["y"])   # [1, 2, 4, 1]
    g.output("y", FLOAT, [1, 2, 4, 1])
    return g.model(17)


def op_concat(opts) -> onnx.ModelProto:
    """Concat of a graph input and an initializer along axis 1."""
    g = GraphBuilder("op_concat")
    x = g.input("x", FLOAT, [2, 3, 4])
    extra = g.initializer("extra", randn(rng(7), 2, 2, 4))
    g.node("Concat", [x, extra], outputs=["y"], axis=1)
    g.output("y", FLOAT, [2, 5, 4])
    return g.model(17)


def op_slice(opts) -> onnx.ModelProto:
    """Slice x[:, 1:5:2, 0:INT64_MAX] with starts/ends/axes/steps initializers."""
    g = GraphBuilder("op_slice")
    x = g.input("x", FLOAT, [2, 6, 4])
    starts = g.initializer("starts", np.array([1, 0], dtype=np.int64))
    ends = g.initializer("ends", np.array([5, INT64_MAX], dtype=np.int64))
    axes = g.initializer("axes", np.array([1, 2], dtype=np.int64))
    steps = g.initializer("steps", np.array([2, 1], dtype=np.int64))
    g.node("Slice", [x, starts, ends, axes, steps], outputs=["y"])
    g.output("y", FLOAT, [2, 2, 4])
    return g.model(17)


def op_split(opts) -> onnx.ModelProto:
    """Opset-13 Split with a `split` sizes input, two outputs."""
    g = GraphBuilder("op_split")
    x = g.input("x", FLOAT, [2, 6])
    split = g.initializer("split", np.array([2, 4], dtype=np.int64))
    g.node("Split", [x, split], outputs=["y0", "y1"], axis=1)
    g.output("y0", FLOAT, [2, 2])
    g.output("y1", FLOAT, [2, 4])
    return g.model(17)


def op_gather(opts) -> onnx.ModelProto:
    """Gather of index 0 (rank-0 int64) along axis 1, like ViT's cls-token pick."""
    g = GraphBuilder("op_gather")
    x = g.input("x", FLOAT, [1, 5, 8])
    index = g.scalar("index", 0, np.int64)
    g.node("Gather", [x, index], outputs=["y"], axis=1)
    g.output("y", FLOAT, [1, 8])
    return g.model(17)


def op_expand(opts) -> onnx.ModelProto:
    """Expand a 3x1 input to the shape [2, 3, 4] held in an initializer."""
    g = GraphBuilder("op_expand")
    x = g.input("x", FLOAT, [3, 1])
    shape = g.initializer("shape", np.array([2, 3, 4], dtype=np.int64))
    g.node("Expand", [x, shape], outputs=["y"])
    g.output("y", FLOAT, [2, 3, 4])
    return g.model(17)


def op_identity_cast(opts) -> onnx.ModelProto:
    """Identity followed by a (no-op) Cast to float."""
    g = GraphBuilder("op_identity_cast")
    x = g.input("x", FLOAT, [2, 3])
    t = g.node("Identity", [x])
    g.node("Cast", [t], outputs=["y"], to=FLOAT)
    g.output("y", FLOAT, [2, 3])
    return g.model(17)


def op_shape_subgraph(opts) -> onnx.ModelProto:
    """torch's dynamic-reshape idiom, foldable because the input is static.

    x.reshape(x.size(0), -1) + ones_like(...):
    Shape -> Gather(0) -> Unsqueeze -> Concat(Constant [-1]) -> Reshape,
    then Shape -> ConstantOfShape(1.0) -> Add.
    """
    g = GraphBuilder("op_shape_subgraph")
    x = g.input("x", FLOAT, [1, 4, 6])
    shape = g.node("Shape", [x])
    batch = g.node("Gather", [shape, g.constant(np.array(0, dtype=np.int64))],
                   axis=0)
    batch = g.node("Unsqueeze", [batch, g.constant(np.array([0], dtype=np.int64))])
    target = g.node("Concat", [batch, g.constant(np.array([-1], dtype=np.int64))],
                    axis=0)
    flat = g.node("Reshape", [x, target])                      # [1, 24]
    ones = g.node("ConstantOfShape", [g.node("Shape", [flat])],
                  value=numpy_helper.from_array(np.array([1.0], dtype=np.float32)))
    g.node("Add", [flat, ones], outputs=["y"])
    g.output("y", FLOAT, [1, 24])
    return g.model(17)


def emit_expand_idiom(g: GraphBuilder, x: str, divisor: int) -> str:
    """torch's `cls.expand(x.shape[0], -1, -1)` shape arithmetic on `x`:
    Shape -> Slice -> Concat -> Mul/Div -> Equal(-1) -> Where; returns the
    expanded [batch, 1, 6] cls token."""
    i64 = lambda *v: g.constant(np.array(v, dtype=np.int64))
    shape = g.node("Shape", [x])
    batch = g.node("Slice", [shape, i64(0), i64(1), i64(0)])
    target = g.node("Concat", [batch, i64(-1, -1)], axis=0)
    target = g.node("Div", [g.node("Mul", [target, i64(2)]), i64(divisor)])
    minus_one = g.node("Equal", [target, i64(-1)])
    ones = g.node("ConstantOfShape", [g.node("Shape", [target])],
                  value=numpy_helper.from_array(np.array([1], dtype=np.int64)))
    target = g.node("Where", [minus_one, ones, target])
    cls = g.initializer("cls", randn(rng(3), 1, 1, 6))
    return g.node("Expand", [cls, target])


def op_shape_arith(opts) -> onnx.ModelProto:
    """The expand idiom on a 3x4x6 input, concatenated in front of it."""
    g = GraphBuilder("op_shape_arith")
    x = g.input("x", FLOAT, [3, 4, 6])
    g.node("Concat", [emit_expand_idiom(g, x, 2), x], axis=1, outputs=["y"])
    g.output("y", FLOAT, [3, 5, 6])
    return g.model(13)


# ---------------------------------------------------------------------------
# Decomposed patterns (torch exports below opset 17 / of nn.GELU)
# ---------------------------------------------------------------------------


def emit_layernorm13(g: GraphBuilder, x: str, scope: str, gamma: str, beta: str,
                     eps: float, output: Optional[str] = None) -> str:
    """nn.LayerNorm as torch 1.13 exports it at opset 13."""
    mean = g.node("ReduceMean", [x], scope=scope, axes=[-1])
    d = g.node("Sub", [x, mean], scope=scope)
    two = g.constant(np.array(2.0, dtype=np.float32), scope=scope)
    sq = g.node("Pow", [d, two], scope=scope)
    var = g.node("ReduceMean", [sq], scope=scope, axes=[-1])
    eps_c = g.constant(np.array(eps, dtype=np.float32), scope=scope)
    std = g.node("Sqrt", [g.node("Add", [var, eps_c], scope=scope)], scope=scope)
    t = g.node("Div", [d, std], scope=scope)
    t = g.node("Mul", [t, gamma], scope=scope)
    return g.node("Add", [t, beta], scope=scope, outputs=[output] if output else 1)


def emit_gelu_erf(g: GraphBuilder, x: str, scope: str,
                  output: Optional[str] = None) -> str:
    """nn.GELU() as torch exports it: x * (erf(x / sqrt 2) + 1) * 0.5."""
    sqrt2 = g.constant(np.array(1.4142135, dtype=np.float32), scope=scope)
    t = g.node("Erf", [g.node("Div", [x, sqrt2], scope=scope)], scope=scope)
    one = g.constant(np.array(1.0, dtype=np.float32), scope=scope)
    t = g.node("Add", [t, one], scope=scope)
    t = g.node("Mul", [x, t], scope=scope)
    half = g.constant(np.array(0.5, dtype=np.float32), scope=scope)
    return g.node("Mul", [t, half], scope=scope, outputs=[output] if output else 1)


def pattern_layernorm13(opts) -> onnx.ModelProto:
    """Opset-13 decomposed LayerNorm (eps 1e-6) on 1x5x8."""
    gen = rng(8)
    g = GraphBuilder("pattern_layernorm13")
    x = g.input("x", FLOAT, [1, 5, 8])
    gamma = g.initializer("norm.weight", 1 + randn(gen, 8, scale=0.1))
    beta = g.initializer("norm.bias", randn(gen, 8, scale=0.1))
    emit_layernorm13(g, x, "/norm", gamma, beta, 1e-6, output="y")
    g.output("y", FLOAT, [1, 5, 8])
    return g.model(13)


def pattern_gelu_erf(opts) -> onnx.ModelProto:
    """torch's erf GELU pattern on 1x5x8."""
    g = GraphBuilder("pattern_gelu_erf")
    x = g.input("x", FLOAT, [1, 5, 8])
    emit_gelu_erf(g, x, "/act", output="y")
    g.output("y", FLOAT, [1, 5, 8])
    return g.model(17)


def dynamic_batch(opts) -> onnx.ModelProto:
    """MatMul whose input has a symbolic leading dimension "batch"."""
    return matmul_model("dynamic_batch", ["batch", 5, 8])


# ---------------------------------------------------------------------------
# Quantized models: QDQ
# ---------------------------------------------------------------------------


def emit_qdq(g: GraphBuilder, x: str, scale: str, zero_point: str,
             scope: str = "", output: Optional[str] = None, **attrs) -> str:
    """QuantizeLinear -> DequantizeLinear of `x`; returns the DQ output."""
    q = g.node("QuantizeLinear", [x, scale, zero_point], scope=scope, **attrs)
    return g.node("DequantizeLinear", [q, scale, zero_point], scope=scope,
                  outputs=[output] if output else 1, **attrs)


def qdq_matmul(opts) -> onnx.ModelProto:
    """Opset-13 QDQ MatMul island, int8 per-tensor, weight as int8 initializer."""
    g = GraphBuilder("qdq_matmul")
    x = g.input("x", FLOAT, [4, 8])
    x_scale = g.scalar("x_scale", 0.05, np.float32)
    x_zp = g.scalar("x_zero_point", 0, np.int8)
    w_q = g.initializer("weight_quantized", rand_int8(rng(9), 8, 6))
    w_scale = g.scalar("weight_scale", 0.01, np.float32)
    w_zp = g.scalar("weight_zero_point", 0, np.int8)
    y_scale = g.scalar("y_scale", 0.1, np.float32)
    y_zp = g.scalar("y_zero_point", 0, np.int8)

    x_dq = emit_qdq(g, x, x_scale, x_zp)
    w = g.node("DequantizeLinear", [w_q, w_scale, w_zp])
    mm = g.node("MatMul", [x_dq, w])
    emit_qdq(g, mm, y_scale, y_zp, output="y")
    g.output("y", FLOAT, [4, 6])
    return g.model(13)


def qdq_conv_per_axis(opts) -> onnx.ModelProto:
    """Opset-13 QDQ Conv: uint8 activations (zp 128), per-channel int8 weight."""
    gen = rng(10)
    g = GraphBuilder("qdq_conv_per_axis")
    x = g.input("x", FLOAT, [1, 3, 8, 8])
    x_scale = g.scalar("x_scale", 0.02, np.float32)
    x_zp = g.scalar("x_zero_point", 128, np.uint8)
    w_q = g.initializer("conv.weight_quantized", rand_int8(gen, 4, 3, 3, 3))
    w_scale = g.initializer("conv.weight_scale",
                            np.array([0.01, 0.02, 0.005, 0.015], dtype=np.float32))
    w_zp = g.initializer("conv.weight_zero_point", np.zeros(4, dtype=np.int8))
    bias = g.initializer("conv.bias", randn(gen, 4, scale=0.1))
    y_scale = g.scalar("y_scale", 0.05, np.float32)
    y_zp = g.scalar("y_zero_point", 128, np.uint8)

    x_dq = emit_qdq(g, x, x_scale, x_zp)
    w = g.node("DequantizeLinear", [w_q, w_scale, w_zp], scope="/conv", axis=0)
    conv = g.node("Conv", [x_dq, w, bias], scope="/conv", dilations=[1, 1],
                  group=1, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    emit_qdq(g, conv, y_scale, y_zp, output="y")
    g.output("y", FLOAT, [1, 4, 8, 8])
    return g.model(13)


def qdq_int16_residual(opts) -> onnx.ModelProto:
    """Opset-21 / IR-10 int16 QDQ residual Add."""
    g = GraphBuilder("qdq_int16_residual")
    a = g.input("a", INT16, [1, 5, 8])
    b = g.input("b", INT16, [1, 5, 8])
    a_scale = g.scalar("a_scale", 0.001, np.float32)
    b_scale = g.scalar("b_scale", 0.002, np.float32)
    y_scale = g.scalar("y_scale", 0.003, np.float32)
    zp = g.scalar("zero_point", 0, np.int16)
    a_dq = g.node("DequantizeLinear", [a, a_scale, zp])
    b_dq = g.node("DequantizeLinear", [b, b_scale, zp])
    s = g.node("Add", [a_dq, b_dq])
    emit_qdq(g, s, y_scale, zp, output="y")
    g.output("y", FLOAT, [1, 5, 8])
    return g.model(21)


def qdq_float_island(opts) -> onnx.ModelProto:
    """A Tanh between DequantizeLinear and QuantizeLinear: no integer form."""
    g = GraphBuilder("qdq_float_island")
    x = g.input("x", FLOAT, [1, 5, 8])
    s = g.scalar("scale", 0.05, np.float32)
    zp = g.scalar("zero_point", 0, np.int8)
    t = g.node("Tanh", [emit_qdq(g, x, s, zp)], scope="/act")
    emit_qdq(g, t, s, zp, output="y")
    g.output("y", FLOAT, [1, 5, 8])
    return g.model(17)


def qdq_default_zero_point(opts) -> onnx.ModelProto:
    """Q/DQ without zero points: DequantizeLinear's defaults to its input's
    type (int8 here), QuantizeLinear's to uint8."""
    g = GraphBuilder("qdq_default_zero_point")
    x = g.input("x", INT8, [2, 3])
    s = g.scalar("x_scale", 0.1, np.float32)
    y = g.node("DequantizeLinear", [x, s])
    t = g.node("Tanh", [y])
    g.node("QuantizeLinear", [t, s], outputs=["q"])
    g.output("q", UINT8, [2, 3])
    return g.model(17)


def qdq_uint8_linear(opts) -> onnx.ModelProto:
    """ONNX Runtime's default QDQ layout: uint8 activations, int8 per-channel
    weights, MatMul + bias Add with a QDQ pair after each."""
    gen = rng(21)
    g = GraphBuilder("qdq_uint8_linear")
    x = g.input("x", FLOAT, [1, 4, 8])
    xs = g.scalar("x_scale", 0.03, np.float32)
    xz = g.scalar("x_zero_point", 131, np.uint8)
    w = g.initializer("fc.weight_quantized", rand_int8(gen, 8, 6))
    ws = g.initializer("fc.weight_scale",
                       np.array([0.01, 0.02, 0.015, 0.01, 0.005, 0.02], np.float32))
    wz = g.initializer("fc.weight_zero_point", np.zeros(6, dtype=np.int8))
    w_dq = g.node("DequantizeLinear", [w, ws, wz], scope="/fc", axis=1)
    mm = g.node("MatMul", [emit_qdq(g, x, xs, xz), w_dq], scope="/fc")
    ys = g.scalar("y_scale", 0.04, np.float32)
    yz = g.scalar("y_zero_point", 120, np.uint8)
    b = g.initializer("fc.bias", randn(gen, 6, scale=0.1))
    y = g.node("Add", [mm, b], scope="/fc")
    emit_qdq(g, y, ys, yz, output="y")
    g.output("y", FLOAT, [1, 4, 6])
    return g.model(17)


# ---------------------------------------------------------------------------
# Quantized models: QOperator (one op each, quantized graph inputs/outputs)
# ---------------------------------------------------------------------------


class QParams:
    """Adds the scale / zero-point scalars of one quantized tensor."""

    def __init__(self, g: GraphBuilder, prefix: str, scale, zero_point, dtype):
        self.scale = g.scalar(f"{prefix}_scale", scale, np.float32)
        self.zero_point = g.scalar(f"{prefix}_zero_point", zero_point, dtype)


def qop_qlinearmatmul(opts) -> onnx.ModelProto:
    """QLinearMatMul: uint8 a (zp 128) x int8 weight -> uint8 y."""
    g = GraphBuilder("qop_qlinearmatmul")
    a = g.input("x", UINT8, [2, 8])
    b = g.initializer("weight_quantized", rand_int8(rng(11), 8, 6))
    qa = QParams(g, "x", 0.05, 128, np.uint8)
    qb = QParams(g, "weight", 0.01, 0, np.int8)
    qy = QParams(g, "y", 0.1, 128, np.uint8)
    g.node("QLinearMatMul", [a, qa.scale, qa.zero_point, b, qb.scale,
                             qb.zero_point, qy.scale, qy.zero_point],
           outputs=["y"])
    g.output("y", UINT8, [2, 6])
    return g.model(13)


def qop_qlinearconv(opts) -> onnx.ModelProto:
    """QLinearConv: uint8 x, per-channel int8 weight, int32 bias."""
    gen = rng(12)
    g = GraphBuilder("qop_qlinearconv")
    x = g.input("x", UINT8, [1, 3, 8, 8])
    qx = QParams(g, "x", 0.02, 128, np.uint8)
    w = g.initializer("conv.weight_quantized", rand_int8(gen, 4, 3, 3, 3))
    w_scale = g.initializer("conv.weight_scale",
                            np.array([0.01, 0.02, 0.005, 0.015], dtype=np.float32))
    w_zp = g.initializer("conv.weight_zero_point", np.zeros(4, dtype=np.int8))
    bias = g.initializer("conv.bias_quantized",
                         gen.integers(-1000, 1000, size=4, dtype=np.int32))
    qy = QParams(g, "y", 0.05, 128, np.uint8)
    g.node("QLinearConv", [x, qx.scale, qx.zero_point, w, w_scale, w_zp,
                           qy.scale, qy.zero_point, bias],
           scope="/conv", outputs=["y"], dilations=[1, 1], group=1,
           kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    g.output("y", UINT8, [1, 4, 8, 8])
    return g.model(13)


def qop_matmulinteger(opts) -> onnx.ModelProto:
    """MatMulInteger: uint8 a (zp 128) x int8 weight -> int32 accumulator."""
    g = GraphBuilder("qop_matmulinteger")
    a = g.input("x", UINT8, [2, 8])
    b = g.initializer("weight_quantized", rand_int8(rng(13), 8, 6))
    a_zp = g.scalar("x_zero_point", 128, np.uint8)
    b_zp = g.scalar("weight_zero_point", 0, np.int8)
    g.node("MatMulInteger", [a, b, a_zp, b_zp], outputs=["y"])
    g.output("y", INT32, [2, 6])
    return g.model(13)


def qop_qlinearadd(opts) -> onnx.ModelProto:
    """com.microsoft QLinearAdd of two uint8 activations (residual style)."""
    g = GraphBuilder("qop_qlinearadd")
    a = g.input("a", UINT8, [1, 5, 8])
    b = g.input("b", UINT8, [1, 5, 8])
    qa = QParams(g, "a", 0.05, 128, np.uint8)
    qb = QParams(g, "b", 0.04, 120, np.uint8)
    qy = QParams(g, "y", 0.08, 128, np.uint8)
    g.node("QLinearAdd", [a, qa.scale, qa.zero_point, b, qb.scale, qb.zero_point,
                          qy.scale, qy.zero_point],
           outputs=["y"], domain=MS_DOMAIN)
    g.output("y", UINT8, [1, 5, 8])
    return g.model(13, {MS_DOMAIN: 1})


def qop_qgemm(opts) -> onnx.ModelProto:
    """com.microsoft QGemm: uint8 A, int8 B^T (transB=1), int32 C, uint8 Y."""
    gen = rng(14)
    g = GraphBuilder("qop_qgemm")
    a = g.input("x", UINT8, [3, 8])
    qa = QParams(g, "x", 0.05, 128, np.uint8)
    b = g.initializer("fc.weight_quantized", rand_int8(gen, 6, 8))
    qb = QParams(g, "fc.weight", 0.01, 0, np.int8)
    c = g.initializer("fc.bias_quantized",
                      gen.integers(-1000, 1000, size=6, dtype=np.int32))
    qy = QParams(g, "y", 0.1, 128, np.uint8)
    g.node("QGemm", [a, qa.scale, qa.zero_point, b, qb.scale, qb.zero_point, c,
                     qy.scale, qy.zero_point],
           scope="/fc", outputs=["y"], domain=MS_DOMAIN, alpha=1.0, transB=1)
    g.output("y", UINT8, [3, 6])
    return g.model(13, {MS_DOMAIN: 1})


def qop_qlinearsoftmax(opts) -> onnx.ModelProto:
    """com.microsoft QLinearSoftmax (axis=-1, opset=13) on uint8."""
    g = GraphBuilder("qop_qlinearsoftmax")
    x = g.input("x", UINT8, [2, 3, 4])
    qx = QParams(g, "x", 0.05, 128, np.uint8)
    qy = QParams(g, "y", 1.0 / 256.0, 0, np.uint8)
    g.node("QLinearSoftmax", [x, qx.scale, qx.zero_point, qy.scale, qy.zero_point],
           outputs=["y"], domain=MS_DOMAIN, axis=-1, opset=13)
    g.output("y", UINT8, [2, 3, 4])
    return g.model(13, {MS_DOMAIN: 1})


# ---------------------------------------------------------------------------
# DeiT-shaped encoders
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DeitConfig:
    """Dimensions of a ViT/DeiT encoder with a classification head."""
    depth: int = 12
    dim: int = 64
    heads: int = 4
    mlp_dim: int = 256
    image_size: int = 32
    patch_size: int = 8
    channels: int = 3
    classes: int = 10
    eps: float = 1e-6
    seed: int = 0

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def tokens(self) -> int:
        """Patches plus the cls token."""
        return self.grid * self.grid + 1

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads


DEIT_BASE = DeitConfig(depth=12, dim=768, heads=12, mlp_dim=3072, image_size=224,
                       patch_size=16, classes=1000)

# Fixed activation scales of deit_qdq (int8, zero point 0).
ACT_SCALE = 0.05
INPUT_SCALE = 0.02
SOFTMAX_SCALE = 1.0 / 127.0


class DeitEmitter:
    """Emits a DeiT encoder in torch.onnx.export opset-17 style.

    With `quantize`, the graph gets QDQ nodes (all int8, zero point 0):
    weights are int8 initializers with per-tensor symmetric scales
    (max|w| / 127) followed by DequantizeLinear; Conv and Gemm biases are
    int32 with scale input_scale * weight_scale; activations get a
    QuantizeLinear -> DequantizeLinear pair on the graph input, on the
    class token, on both inputs and on the output of every MatMul / Conv /
    Gemm, and on the outputs of the bias and residual adds, LayerNorms,
    Softmaxes and GELUs. Only the logits stay float. Float and QDQ models draw the same weights.

    Scalars (Gather indices, attention scale, GELU constants) are
    `Constant` nodes; weights and shape tensors are initializers.
    """

    def __init__(self, name: str, cfg: DeitConfig, quantize: bool):
        if cfg.dim % cfg.heads:
            raise ValueError(f"dim {cfg.dim} is not a multiple of heads {cfg.heads}")
        if cfg.image_size % cfg.patch_size:
            raise ValueError("image size is not a multiple of the patch size")
        self.cfg = cfg
        self.quantize = quantize
        self.g = GraphBuilder(name)
        self.gen = rng(cfg.seed)
        self._dq_scales: Dict[str, float] = {}  # DQ output -> its scale

    # -- parameters ---------------------------------------------------------

    def _random(self, *shape: int) -> np.ndarray:
        return randn(self.gen, *shape, scale=0.02)

    def weight(self, name: str, *shape: int) -> str:
        """A random weight: float initializer, or int8 initializer + DQ."""
        w = self._random(*shape)
        if not self.quantize:
            return self.g.initializer(name, w)
        scale = float(np.max(np.abs(w))) / 127.0 or 1.0
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        self.g.initializer(f"{name}_quantized", q)
        self.g.scalar(f"{name}_scale", scale, np.float32)
        self.g.scalar(f"{name}_zero_point", 0, np.int8)
        dq = self.g.node("DequantizeLinear",
                         [f"{name}_quantized", f"{name}_scale",
                          f"{name}_zero_point"],
                         name=f"{name}_DequantizeLinear",
                         outputs=[f"{name}_dequantized"])
        self._dq_scales[dq] = scale
        return dq

    def bias(self, name: str, size: int, int32_scale: Optional[float] = None) -> str:
        """A random bias: float, or (QDQ Conv/Gemm) int32 with scale `int32_scale`."""
        b = self._random(size)
        if not (self.quantize and int32_scale):
            return self.g.initializer(name, b)
        q = np.round(b / int32_scale).astype(np.int32)
        self.g.initializer(f"{name}_quantized", q)
        self.g.scalar(f"{name}_scale", int32_scale, np.float32)
        self.g.scalar(f"{name}_zero_point", 0, np.int32)
        return self.g.node("DequantizeLinear",
                           [f"{name}_quantized", f"{name}_scale",
                            f"{name}_zero_point"],
                           name=f"{name}_DequantizeLinear",
                           outputs=[f"{name}_dequantized"])

    def act(self, x: str, scale: float = ACT_SCALE) -> str:
        """QDQ pair on activation `x` (no-op in float mode or if already DQ'd)."""
        if not self.quantize or x in self._dq_scales:
            return x
        s = self.g.scalar(f"{x}_scale", scale, np.float32)
        zp = self.g.scalar(f"{x}_zero_point", 0, np.int8)
        q = self.g.node("QuantizeLinear", [x, s, zp], name=f"{x}_QuantizeLinear",
                        outputs=[f"{x}_quantized"])
        dq = self.g.node("DequantizeLinear", [q, s, zp],
                         name=f"{x}_DequantizeLinear", outputs=[f"{x}_dequantized"])
        self._dq_scales[dq] = scale
        return dq

    # -- layers -------------------------------------------------------------

    def matmul(self, a: str, b: str, scope: str) -> str:
        """MatMul with QDQ on both inputs and on the output."""
        return self.act(self.g.node("MatMul", [self.act(a), self.act(b)], scope=scope))

    def linear(self, x: str, prefix: str, scope: str, d_in: int, d_out: int) -> str:
        """nn.Linear on a 3-D input: MatMul(weight^T initializer) + Add(bias)."""
        w = self.weight(f"{prefix}.weight", d_in, d_out)
        y = self.matmul(x, w, scope)
        return self.act(self.g.node("Add", [y, self.bias(f"{prefix}.bias", d_out)],
                                    scope=scope))

    def layer_norm(self, x: str, prefix: str, scope: str) -> str:
        """Opset-17 LayerNormalization with random affine parameters."""
        d = self.cfg.dim
        gamma = self.g.initializer(f"{prefix}.weight", 1 + self._random(d))
        beta = self.g.initializer(f"{prefix}.bias", self._random(d))
        y = self.g.node("LayerNormalization", [x, gamma, beta], scope=scope,
                        axis=-1, epsilon=self.cfg.eps)
        return self.act(y)

    def reshape(self, x: str, shape: Sequence[int], scope: str, what: str) -> str:
        shape_init = self.g.initializer(f"{scope}/{what}_shape",
                                        np.array(shape, dtype=np.int64))
        return self.g.node("Reshape", [x, shape_init], scope=scope)

    def attention(self, x: str, i: int) -> str:
        """timm Attention: fused qkv, per-head softmax(q k^T * scale) v, proj."""
        c, g = self.cfg, self.g
        scope, prefix = f"/blocks.{i}/attn", f"blocks.{i}.attn"
        qkv = self.linear(x, f"{prefix}.qkv", f"{scope}/qkv", c.dim, 3 * c.dim)
        qkv = self.reshape(qkv, [1, c.tokens, 3, c.heads, c.head_dim], scope, "qkv")
        qkv = g.node("Transpose", [qkv], scope=scope, perm=[2, 0, 3, 1, 4])
        q, k, v = (g.node("Gather", [qkv, g.constant(np.array(j, dtype=np.int64),
                                                      scope=scope)],
                          scope=scope, axis=0) for j in range(3))
        k_t = g.node("Transpose", [k], scope=scope, perm=[0, 1, 3, 2])
        scores = self.matmul(q, k_t, scope)
        scale = g.constant(np.array(c.head_dim ** -0.5, dtype=np.float32), scope=scope)
        scores = g.node("Mul", [scores, scale], scope=scope)
        probs = self.act(g.node("Softmax", [scores], scope=scope, axis=-1),
                         SOFTMAX_SCALE)
        ctx = self.matmul(probs, v, scope)
        ctx = g.node("Transpose", [ctx], scope=scope, perm=[0, 2, 1, 3])
        ctx = self.reshape(ctx, [1, c.tokens, c.dim], scope, "out")
        return self.linear(ctx, f"{prefix}.proj", f"{scope}/proj", c.dim, c.dim)

    def mlp(self, x: str, i: int) -> str:
        """fc1 -> erf GELU -> fc2."""
        c = self.cfg
        scope, prefix = f"/blocks.{i}/mlp", f"blocks.{i}.mlp"
        h = self.linear(x, f"{prefix}.fc1", f"{scope}/fc1", c.dim, c.mlp_dim)
        h = self.act(emit_gelu_erf(self.g, h, f"{scope}/act"))
        return self.linear(h, f"{prefix}.fc2", f"{scope}/fc2", c.mlp_dim, c.dim)

    def block(self, x: str, i: int) -> str:
        """Pre-norm transformer block with two residual adds."""
        scope = f"/blocks.{i}"
        h = self.attention(self.layer_norm(x, f"blocks.{i}.norm1", f"{scope}/norm1"), i)
        x = self.act(self.g.node("Add", [x, h], scope=scope))
        h = self.mlp(self.layer_norm(x, f"blocks.{i}.norm2", f"{scope}/norm2"), i)
        return self.act(self.g.node("Add", [x, h], scope=scope))

    def patch_embed(self, pixels: str) -> str:
        """Conv patchify -> flatten(2) -> transpose(1, 2)."""
        c, g = self.cfg, self.g
        scope = "/patch_embed/proj"
        w = self.weight("patch_embed.proj.weight", c.dim, c.channels,
                        c.patch_size, c.patch_size)
        bias_scale = (self._dq_scales[pixels] * self._dq_scales[w]
                      if self.quantize else None)
        b = self.bias("patch_embed.proj.bias", c.dim, bias_scale)
        y = g.node("Conv", [pixels, w, b], scope=scope, dilations=[1, 1], group=1,
                   kernel_shape=[c.patch_size] * 2, pads=[0, 0, 0, 0],
                   strides=[c.patch_size] * 2)
        y = self.act(y)
        y = self.reshape(y, [1, c.dim, -1], "/patch_embed", "flatten")
        return g.node("Transpose", [y], scope="/patch_embed", perm=[0, 2, 1])

    def head(self, x: str) -> str:
        """Final norm -> cls token (Gather 0 on axis 1) -> Gemm classifier."""
        c, g = self.cfg, self.g
        x = self.layer_norm(x, "norm", "/norm")
        cls = self.act(g.node("Gather", [x, g.constant(np.array(0, dtype=np.int64))],
                              axis=1))
        w = self.weight("head.weight", c.classes, c.dim)
        bias_scale = (self._dq_scales[cls] * self._dq_scales[w]
                      if self.quantize else None)
        b = self.bias("head.bias", c.classes, bias_scale)
        return g.node("Gemm", [cls, w, b], scope="/head", outputs=["logits"],
                      alpha=1.0, beta=1.0, transB=1)

    def build(self) -> onnx.ModelProto:
        c, g = self.cfg, self.g
        pixels = g.input("pixel_values", FLOAT,
                         [1, c.channels, c.image_size, c.image_size])
        x = self.patch_embed(self.act(pixels, INPUT_SCALE))
        cls_token = self.act(g.initializer("cls_token", self._random(1, 1, c.dim)))
        x = g.node("Concat", [cls_token, x], axis=1)
        pos_embed = g.initializer("pos_embed", self._random(1, c.tokens, c.dim))
        x = self.act(g.node("Add", [x, pos_embed]))
        for i in range(c.depth):
            x = self.block(x, i)
        self.head(x)
        g.output("logits", FLOAT, [1, c.classes])
        return g.model(17)


def small_deit_config(opts) -> DeitConfig:
    """The DeiT dimensions selected on the command line."""
    return DeitConfig(depth=opts.depth, dim=opts.dim, heads=opts.heads,
                      mlp_dim=opts.mlp_dim)


def deit_fp32(opts) -> onnx.ModelProto:
    """Small float DeiT encoder (--depth/--dim/--heads/--mlp-dim)."""
    return DeitEmitter("deit_fp32", small_deit_config(opts), quantize=False).build()


def deit_qdq(opts) -> onnx.ModelProto:
    """deit_fp32 with int8 QDQ everywhere but the logits."""
    return DeitEmitter("deit_qdq", small_deit_config(opts), quantize=True).build()


def deit_fp32_base_size(opts) -> onnx.ModelProto:
    """DeiT-Base sized float model (~86M parameters) for import benchmarks."""
    return DeitEmitter("deit_fp32_base_size", DEIT_BASE, quantize=False).build()


# ---------------------------------------------------------------------------
# Malformed / unsupported models
# ---------------------------------------------------------------------------


def bad_unknown_op(opts) -> onnx.ModelProto:
    """A default-domain node of the unknown op type FancyOp."""
    return unary_model("bad_unknown_op", "FancyOp", [2, 3])


def bad_shape_div(opts) -> onnx.ModelProto:
    """The expand idiom with its shape divided by zero."""
    g = GraphBuilder("bad_shape_div")
    x = g.input("x", FLOAT, [3, 4, 6])
    g.node("Concat", [emit_expand_idiom(g, x, 0), x], axis=1, outputs=["y"])
    g.output("y", FLOAT, [3, 5, 6])
    return g.model(13)


def bad_attr(opts) -> onnx.ModelProto:
    """Conv with the invalid auto_pad value "VALID_PLUS"."""
    g = GraphBuilder("bad_attr")
    x = g.input("x", FLOAT, [1, 3, 8, 8])
    w = g.initializer("conv.weight", randn(rng(15), 4, 3, 3, 3))
    g.node("Conv", [x, w], scope="/conv", outputs=["y"], auto_pad="VALID_PLUS",
           kernel_shape=[3, 3])
    g.output("y", FLOAT, [1, 4, 6, 6])
    return g.model(17)


def bad_dynamic_dim(opts) -> onnx.ModelProto:
    """MatMul whose input has a symbolic non-leading dimension "seq"."""
    return matmul_model("bad_dynamic_dim", [1, "seq", 8])


def bad_truncated(opts) -> onnx.ModelProto:
    """op_matmul, written truncated to 60% of its bytes (see save_truncated)."""
    return op_matmul(opts)


def bad_missing_external(opts) -> onnx.ModelProto:
    """op_matmul whose weight points at the nonexistent missing_weights.bin."""
    model = op_matmul(opts)
    weight = model.graph.initializer[0]
    external_data_helper.set_external_data(weight, "missing_weights.bin",
                                           offset=0, length=len(weight.raw_data))
    weight.ClearField("raw_data")
    return model


def external_data(opts) -> onnx.ModelProto:
    """op_matmul with its weight in external_data.bin (see save_external)."""
    return op_matmul(opts)


# ---------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------


def remove_if_exists(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)


def save_plain(model: onnx.ModelProto, path: str) -> None:
    """Writes the serialized model, tensors inline as raw_data."""
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def save_truncated(model: onnx.ModelProto, path: str) -> None:
    """Writes only the first 60% of the serialized model."""
    data = model.SerializeToString()
    with open(path, "wb") as f:
        f.write(data[:len(data) * 6 // 10])


def save_missing_external(model: onnx.ModelProto, path: str) -> None:
    """Writes the model and makes sure missing_weights.bin does not exist."""
    remove_if_exists(os.path.join(os.path.dirname(path), "missing_weights.bin"))
    save_plain(model, path)


EXTERNAL_DATA_FILE = "external_data.bin"


def save_external(model: onnx.ModelProto, path: str) -> None:
    """Moves every initializer into external_data.bin next to the model."""
    # onnx appends to an existing data file: start from scratch.
    remove_if_exists(os.path.join(os.path.dirname(path), EXTERNAL_DATA_FILE))
    onnx.save_model(model, path, save_as_external_data=True,
                    all_tensors_to_one_file=True, location=EXTERNAL_DATA_FILE,
                    size_threshold=0)


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Entry:
    """How to build, save and validate one model.

    check: "checker" (check_model + strict shape inference), "parse"
    (re-load only: opset unknown to onnx 1.12), "fail_load" (onnx.load
    must fail), "fail_check" (check_model must fail).
    """
    build: Callable[[argparse.Namespace], onnx.ModelProto]
    check: str = "checker"
    save: Callable[[onnx.ModelProto, str], None] = save_plain
    default: bool = True


MODELS: Dict[str, Entry] = {
    "op_conv": Entry(op_conv),
    "op_conv_grouped": Entry(op_conv_grouped),
    "op_matmul": Entry(op_matmul),
    "op_matmul_batched": Entry(op_matmul_batched),
    "op_gemm": Entry(op_gemm),
    "op_elementwise": Entry(op_elementwise),
    "op_reducemean": Entry(op_reducemean),
    "op_reducemean18": Entry(op_reducemean18, check="parse"),
    "op_softmax": Entry(op_softmax),
    "op_gelu": Entry(op_gelu, check="parse"),
    "op_gelu_tanh": Entry(op_gelu_tanh, check="parse"),
    "op_layernorm17": Entry(op_layernorm17),
    "op_reshape": Entry(op_reshape),
    "op_transpose": Entry(op_transpose),
    "op_flatten": Entry(op_flatten),
    "op_squeeze_unsqueeze": Entry(op_squeeze_unsqueeze),
    "op_concat": Entry(op_concat),
    "op_slice": Entry(op_slice),
    "op_split": Entry(op_split),
    "op_gather": Entry(op_gather),
    "op_expand": Entry(op_expand),
    "op_identity_cast": Entry(op_identity_cast),
    "op_shape_subgraph": Entry(op_shape_subgraph),
    "op_shape_arith": Entry(op_shape_arith),
    "pattern_layernorm13": Entry(pattern_layernorm13),
    "pattern_gelu_erf": Entry(pattern_gelu_erf),
    "dynamic_batch": Entry(dynamic_batch),
    "qdq_matmul": Entry(qdq_matmul),
    "qdq_conv_per_axis": Entry(qdq_conv_per_axis),
    "qop_qlinearmatmul": Entry(qop_qlinearmatmul),
    "qop_qlinearconv": Entry(qop_qlinearconv),
    "qop_matmulinteger": Entry(qop_matmulinteger),
    "qop_qlinearadd": Entry(qop_qlinearadd),
    "qop_qgemm": Entry(qop_qgemm),
    "qop_qlinearsoftmax": Entry(qop_qlinearsoftmax),
    "qdq_int16_residual": Entry(qdq_int16_residual, check="parse"),
    "qdq_float_island": Entry(qdq_float_island),
    "qdq_default_zero_point": Entry(qdq_default_zero_point),
    "qdq_uint8_linear": Entry(qdq_uint8_linear),
    "deit_fp32": Entry(deit_fp32),
    "deit_qdq": Entry(deit_qdq),
    "deit_fp32_base_size": Entry(deit_fp32_base_size, default=False),
    "bad_truncated": Entry(bad_truncated, check="fail_load", save=save_truncated),
    "bad_unknown_op": Entry(bad_unknown_op, check="fail_check"),
    "bad_shape_div": Entry(bad_shape_div, check="parse"),
    "bad_attr": Entry(bad_attr, check="parse"),  # onnx 1.12 accepts it
    "bad_dynamic_dim": Entry(bad_dynamic_dim),
    "bad_missing_external": Entry(bad_missing_external, check="fail_check",
                                  save=save_missing_external),
    "external_data": Entry(external_data, save=save_external),
}


# ---------------------------------------------------------------------------
# Validation and command line
# ---------------------------------------------------------------------------


def validate(path: str, check: str) -> None:
    """Raises AssertionError (or the onnx error) if `path` fails `check`."""
    if check == "checker":
        onnx.checker.check_model(path)
        # In memory: infer_shapes_path would rewrite the file.
        onnx.shape_inference.infer_shapes(onnx.load(path), check_type=True,
                                          strict_mode=True)
    elif check == "parse":
        model = onnx.load(path)
        assert len(model.graph.node) > 0, "empty graph"
    elif check in ("fail_load", "fail_check"):
        try:
            model = onnx.load(path, load_external_data=False)
            if check == "fail_check":
                onnx.checker.check_model(path)
                onnx.shape_inference.infer_shapes(model, check_type=True,
                                                  strict_mode=True)
        except Exception:  # pylint: disable=broad-except
            return
        raise AssertionError(f"expected {check[5:]} to fail")
    else:
        raise ValueError(check)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="models: " + ", ".join(
            n + ("" if e.default else " (only when named)")
            for n, e in MODELS.items()))
    parser.add_argument("outdir", nargs="?", help="output directory")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="models to write (default: all default models)")
    deit = DeitConfig()
    parser.add_argument("--depth", type=int, default=deit.depth,
                        help="deit_fp32/deit_qdq blocks (default %(default)s)")
    parser.add_argument("--dim", type=int, default=deit.dim,
                        help="deit_fp32/deit_qdq width (default %(default)s)")
    parser.add_argument("--heads", type=int, default=deit.heads,
                        help="deit_fp32/deit_qdq heads (default %(default)s)")
    parser.add_argument("--mlp-dim", type=int, default=deit.mlp_dim,
                        help="deit_fp32/deit_qdq MLP width (default %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="validate every written model")
    parser.add_argument("--list", action="store_true",
                        help="print the model names and exit")
    opts = parser.parse_args(argv)
    if not opts.list and not opts.outdir:
        parser.error("OUTDIR is required")
    unknown = [n for n in opts.names if n not in MODELS]
    if unknown:
        parser.error(f"unknown model(s): {', '.join(unknown)}")
    return opts


def main(argv: Sequence[str]) -> int:
    opts = parse_args(argv)
    if opts.list:
        for name, entry in MODELS.items():
            print(name if entry.default else f"{name} (only when named)")
        return 0
    names = opts.names or [n for n, e in MODELS.items() if e.default]
    os.makedirs(opts.outdir, exist_ok=True)
    failures = 0
    for name in names:
        entry = MODELS[name]
        start = time.perf_counter()
        path = os.path.join(opts.outdir, f"{name}.onnx")
        entry.save(entry.build(opts), path)
        status = ""
        if opts.check:
            try:
                validate(path, entry.check)
                status = f" ok ({entry.check})"
            except Exception as err:  # pylint: disable=broad-except
                failures += 1
                status = f" FAILED ({entry.check}): {err}"
        if opts.check:
            print(f"{name}: {time.perf_counter() - start:.2f}s{status}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
