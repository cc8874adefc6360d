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


def op_hard_activations(opts) -> onnx.ModelProto:
    """Sigmoid -> HardSigmoid(alpha 0.25, beta 0.4) + HardSwish of x, as
    MobileViT's SiLU and LeViT's and EfficientViT's hard activations."""
    g = GraphBuilder("op_hard_activations")
    x = g.input("x", FLOAT, [2, 3, 8])
    s = g.node("Sigmoid", [x])
    h = g.node("HardSigmoid", [s], alpha=0.25, beta=0.4)
    w = g.node("HardSwish", [x])
    g.node("Add", [h, w], outputs=["y"])
    g.output("y", FLOAT, [2, 3, 8])
    return g.model(17)


def op_mod(opts) -> onnx.ModelProto:
    """Swin's window arithmetic: integer Mod of constants (the divisor's
    sign, -7 mod 3 = 2) folded into a Reshape target, and a float Mod
    (fmod=1) at run time."""
    g = GraphBuilder("op_mod")
    x = g.input("x", FLOAT, [2, 3, 4])
    a = g.constant(np.array([-7, 12], dtype=np.int64))
    b = g.constant(np.array([3, 5], dtype=np.int64))
    r = g.node("Mod", [a, b], fmod=0)              # [2, 2]
    c = g.constant(np.array([6], dtype=np.int64))
    target = g.node("Concat", [r, c], axis=0)     # [2, 2, 6]
    t = g.node("Reshape", [x, target])
    divisor = g.scalar("divisor", 0.75, np.float32)
    g.node("Mod", [t, divisor], outputs=["y"], fmod=1)
    g.output("y", FLOAT, [2, 2, 6])
    return g.model(17)


def op_pad(opts) -> onnx.ModelProto:
    """Constant Pad with a value: 1 row before and 2 after, 1 column cropped
    at the start and 3 added at the end."""
    g = GraphBuilder("op_pad")
    x = g.input("x", FLOAT, [1, 2, 4, 5])
    pads = g.initializer("pads", np.array([0, 0, 1, -1, 0, 0, 2, 3], dtype=np.int64))
    value = g.scalar("value", 0.5, np.float32)
    g.node("Pad", [x, pads, value], outputs=["y"], mode="constant")
    g.output("y", FLOAT, [1, 2, 7, 7])
    return g.model(17)


def op_avgpool(opts) -> onnx.ModelProto:
    """AveragePool 3x3, stride 1, pads 1, padding not counted
    (EfficientFormer's token mixer), then 3x3 stride 2 with ceil_mode and
    the padding counted."""
    g = GraphBuilder("op_avgpool")
    x = g.input("x", FLOAT, [1, 3, 7, 8])
    t = g.node("AveragePool", [x], kernel_shape=[3, 3], strides=[1, 1],
               pads=[1, 1, 1, 1], count_include_pad=0)
    g.node("AveragePool", [t], outputs=["y"], kernel_shape=[3, 3], strides=[2, 2],
           pads=[1, 0, 1, 0], count_include_pad=1, ceil_mode=1)
    g.output("y", FLOAT, [1, 3, 4, 4])
    return g.model(17)


def op_reductions(opts) -> onnx.ModelProto:
    """GlobalAveragePool and ReduceSum (axes input, keepdims 0)."""
    g = GraphBuilder("op_reductions")
    x = g.input("x", FLOAT, [2, 3, 4, 5])
    p = g.node("GlobalAveragePool", [x])           # [2, 3, 1, 1]
    axes = g.initializer("axes", np.array([2, -1], dtype=np.int64))
    s = g.node("ReduceSum", [x, axes], keepdims=0)  # [2, 3]
    f = g.node("Flatten", [p], axis=1)               # [2, 3]
    g.node("Add", [f, s], outputs=["y"])
    g.output("y", FLOAT, [2, 3])
    return g.model(17)


def op_batchnorm(opts) -> onnx.ModelProto:
    """Inference BatchNormalization of NCHW and of N x C (BatchNorm1d)."""
    gen = rng(21)
    g = GraphBuilder("op_batchnorm")
    x = g.input("x", FLOAT, [2, 4, 3, 3])
    params = [g.initializer(n, v) for n, v in (
        ("scale", 1 + randn(gen, 4, scale=0.2)), ("bias", randn(gen, 4, scale=0.1)),
        ("mean", randn(gen, 4, scale=0.1)),
        ("var", gen.uniform(0.5, 1.5, 4).astype(np.float32)))]
    t = g.node("BatchNormalization", [x] + params, epsilon=1e-3)
    p = g.node("ReduceMean", [t], axes=[2, 3], keepdims=0)   # [2, 4]
    g.node("BatchNormalization", [p] + params, outputs=["y"])
    g.output("y", FLOAT, [2, 4])
    return g.model(17)


def op_instancenorm(opts) -> onnx.ModelProto:
    """InstanceNormalization over H x W (MobileViTv2's GroupNorm(1))."""
    gen = rng(22)
    g = GraphBuilder("op_instancenorm")
    x = g.input("x", FLOAT, [2, 3, 4, 5])
    scale = g.initializer("scale", 1 + randn(gen, 3, scale=0.2))
    bias = g.initializer("bias", randn(gen, 3, scale=0.1))
    g.node("InstanceNormalization", [x, scale, bias], outputs=["y"], epsilon=1e-5)
    g.output("y", FLOAT, [2, 3, 4, 5])
    return g.model(17)


def op_resize(opts) -> onnx.ModelProto:
    """Resize: bilinear x2 with half_pixel from scales (EfficientFormerV2's
    upsampling), then nearest to 5 x 7 (asymmetric, floor) from sizes."""
    g = GraphBuilder("op_resize")
    x = g.input("x", FLOAT, [1, 2, 3, 4])
    scales = g.initializer("scales", np.array([1, 1, 2, 2], dtype=np.float32))
    t = g.node("Resize", [x, "", scales], mode="linear",
               coordinate_transformation_mode="half_pixel")
    sizes = g.initializer("sizes", np.array([1, 2, 5, 7], dtype=np.int64))
    g.node("Resize", [t, "", "", sizes], outputs=["y"], mode="nearest",
           coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    g.output("y", FLOAT, [1, 2, 5, 7])
    return g.model(17)


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
# Quantized models: what onnxruntime's quantize_static writes
# ---------------------------------------------------------------------------


class OrtQdq:
    """Writes Q/DQ pairs as onnxruntime's QDQ quantizer does: uint8
    activations with per-tensor parameters named after the tensor, and
    constants quantized like activations (QuantizeLinear of the float
    initializer, then DequantizeLinear)."""

    def __init__(self, g: GraphBuilder):
        self.g = g

    def pair(self, x: str, scale: float, zero_point: int,
             output: Optional[str] = None) -> str:
        s = self.g.scalar(f"{x}_scale", scale, np.float32)
        z = self.g.scalar(f"{x}_zero_point", zero_point, np.uint8)
        q = self.g.node("QuantizeLinear", [x, s, z], name=f"{x}_QuantizeLinear")
        return self.g.node("DequantizeLinear", [q, s, z],
                           name=f"{x}_DequantizeLinear",
                           outputs=[output] if output else 1)

    def constant(self, name: str, value: np.ndarray) -> str:
        """A float constant behind Q/DQ (uint8, range including 0)."""
        value = np.asarray(value, dtype=np.float32)
        lo, hi = min(float(value.min()), 0.0), max(float(value.max()), 0.0)
        scale = (hi - lo) / 255 if hi > lo else 1.0
        zp = int(round(-lo / scale))
        return self.pair(self.g.initializer(name, value), scale, zp)

    def weight(self, name: str, w: np.ndarray, axis: int):
        """Symmetric per-channel int8 along `axis`; returns the DQ output and
        the scales."""
        w = np.asarray(w, dtype=np.float32)
        other = tuple(d for d in range(w.ndim) if d != axis)
        scales = np.abs(w).max(axis=other) / 127
        shape = [1] * w.ndim
        shape[axis] = -1
        q = np.clip(np.round(w / scales.reshape(shape)), -127, 127).astype(np.int8)
        qn = self.g.initializer(f"{name}_quantized", q)
        sn = self.g.initializer(f"{name}_scale", scales.astype(np.float32))
        zn = self.g.initializer(f"{name}_zero_point", np.zeros(len(scales), np.int8))
        return self.g.node("DequantizeLinear", [qn, sn, zn],
                           name=f"{name}_DequantizeLinear", axis=axis), scales

    def int32_bias(self, name: str, b: np.ndarray, scales: np.ndarray) -> str:
        """An int32 bias at per-channel scales (input x weight scale)."""
        scales = np.asarray(scales, dtype=np.float32)
        q = np.round(np.asarray(b, np.float32) / scales).astype(np.int32)
        qn = self.g.initializer(f"{name}_quantized", q)
        sn = self.g.initializer(f"{name}_quantized_scale", scales)
        zn = self.g.initializer(f"{name}_quantized_zero_point",
                                np.zeros(len(q), np.int32))
        return self.g.node("DequantizeLinear", [qn, sn, zn],
                           name=f"{name}_DequantizeLinear", outputs=[name], axis=0)


def ort_gelu(opts) -> onnx.ModelProto:
    """onnxruntime's quantized erf GELU: Q/DQ pairs after the Erf, the Add
    and the first Mul, and its constants 1.0 and 0.5 quantized."""
    g = GraphBuilder("ort_gelu")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 5, 8]), 0.03, 128)
    sqrt2 = g.constant(np.array(1.4142135, dtype=np.float32), scope="/act")
    t = g.node("Div", [x, sqrt2], scope="/act")
    t = o.pair(g.node("Erf", [t], scope="/act"), 2 / 255, 128)
    t = o.pair(g.node("Add", [t, o.constant("one", 1.0)], scope="/act"), 2 / 255, 0)
    t = o.pair(g.node("Mul", [x, t], scope="/act"), 0.05, 10)
    y = g.node("Mul", [t, o.constant("half", 0.5)], scope="/act")
    o.pair(y, 0.025, 10, output="y")
    g.output("y", FLOAT, [1, 5, 8])
    return g.model(17)


def ort_activations(opts) -> onnx.ModelProto:
    """onnxruntime's quantized hybrid-model activations: HardSwish,
    HardSigmoid and SiLU (Sigmoid, its Q/DQ pair, then Mul by the input),
    each between Q/DQ pairs, summed by quantized Adds."""
    g = GraphBuilder("ort_activations")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 4, 5, 6]), 0.03, 128)
    hswish = o.pair(g.node("HardSwish", [x], scope="/a"), 0.016, 24)
    sig = o.pair(g.node("Sigmoid", [x], scope="/b"), 1 / 255, 0)
    silu = o.pair(g.node("Mul", [x, sig], scope="/b"), 0.016, 20)
    hsig = o.pair(g.node("HardSigmoid", [x], scope="/c", alpha=0.25, beta=0.4),
                  1 / 255, 0)
    t = o.pair(g.node("Add", [hswish, silu], scope="/d"), 0.03, 40)
    o.pair(g.node("Add", [t, hsig], scope="/d"), 0.035, 30, output="y")
    g.output("y", FLOAT, [1, 4, 5, 6])
    return g.model(17)


def qdq_int16_activations(opts) -> onnx.ModelProto:
    """Relu and Sigmoid between int16 Q/DQ pairs (opset 21): no 256-entry
    table can compute them, so they stay float islands."""
    g = GraphBuilder("qdq_int16_activations")

    def pair(x, scale, name, output=None):
        s = g.scalar(f"{name}_scale", scale, np.float32)
        z = g.scalar(f"{name}_zero_point", 0, np.int16)
        q = g.node("QuantizeLinear", [x, s, z], name=f"{name}_QuantizeLinear")
        return g.node("DequantizeLinear", [q, s, z], name=f"{name}_DequantizeLinear",
                      outputs=[output] if output else 1)

    x = pair(g.input("x", FLOAT, [1, 4, 5, 6]), 1e-3, "x")
    r = pair(g.node("Relu", [x], scope="/relu"), 5e-4, "relu")
    pair(g.node("Sigmoid", [r], scope="/sigmoid"), 2**-15, "sigmoid", output="y")
    g.output("y", FLOAT, [1, 4, 5, 6])
    return g.model(21)


def ort_pooling(opts) -> onnx.ModelProto:
    """onnxruntime's quantized means: Swin's ReduceMean over the tokens and
    a GlobalAveragePool, between Q/DQ pairs, concatenated."""
    g = GraphBuilder("ort_pooling")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 6, 7, 7]), 0.04, 120)
    pooled = o.pair(g.node("GlobalAveragePool", [x], scope="/pool"), 0.01, 128)
    flat = g.node("Flatten", [pooled], scope="/pool", axis=1)            # [1, 6]
    shape = g.initializer("tokens_shape", np.array([1, 6, 49], dtype=np.int64))
    tokens = g.node("Transpose", [g.node("Reshape", [x, shape], scope="/mean")],
                    scope="/mean", perm=[0, 2, 1])                     # [1, 49, 6]
    mean = o.pair(g.node("ReduceMean", [tokens], scope="/mean", axes=[1],
                         keepdims=0), 0.01, 128)                       # [1, 6]
    o.pair(g.node("Concat", [flat, mean], scope="/out", axis=1), 0.01, 128,
           output="y")
    g.output("y", FLOAT, [1, 12])
    return g.model(17)


def ort_batchnorm(opts) -> onnx.ModelProto:
    """onnxruntime's quantized LeViT/EfficientFormer pieces: an inference
    BatchNormalization (one negative scale) and a layer scale (Mul by a
    per-channel constant, then Div by another), each between Q/DQ pairs."""
    gen = rng(23)
    g = GraphBuilder("ort_batchnorm")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 4, 3, 5]), 0.03, 128)
    scale = 1 + randn(gen, 4, scale=0.3)
    scale[2] = -0.7
    params = [g.initializer(n, v) for n, v in (
        ("bn.weight", scale), ("bn.bias", randn(gen, 4, scale=0.2)),
        ("bn.mean", randn(gen, 4, scale=0.1)),
        ("bn.var", gen.uniform(0.5, 1.5, 4).astype(np.float32)))]
    t = o.pair(g.node("BatchNormalization", [x] + params, scope="/bn"), 0.03, 120)
    gamma = g.initializer("ls.gamma", (0.5 + randn(gen, 4, 1, 1, scale=0.2)))
    t = o.pair(g.node("Mul", [t, gamma], scope="/ls"), 0.02, 128)
    divisor = g.initializer("ls.divisor", np.array([1.5, 2.0, 0.5, 3.0, 1.0],
                                                     dtype=np.float32))
    o.pair(g.node("Div", [t, divisor], scope="/ls"), 0.03, 128, output="y")
    g.output("y", FLOAT, [1, 4, 3, 5])
    return g.model(17)


def ort_groupnorm(opts) -> onnx.ModelProto:
    """onnxruntime's quantized MobileViTv2 pieces: GroupNorm as exported
    (Reshape to groups, InstanceNormalization, Reshape back, Mul and Add by
    per-channel constants), a Relu, and a row sum broadcast back as its
    linear attention's context vector is (ReduceSum, Expand), each between
    Q/DQ pairs."""
    gen = rng(29)
    g = GraphBuilder("ort_groupnorm")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 6, 4, 4]), 0.03, 120)
    groups = o.pair(g.node("Reshape", [x, g.initializer(
        "groups", np.array([1, 2, -1], dtype=np.int64))], scope="/gn"), 0.03, 120)
    normed = o.pair(g.node("InstanceNormalization", [
        groups, g.initializer("gn.ones", np.ones(2, np.float32)),
        g.initializer("gn.zeros", np.zeros(2, np.float32))], scope="/gn",
        epsilon=1e-5), 0.025, 125)
    t = o.pair(g.node("Reshape", [normed, g.initializer(
        "back", np.array([1, 6, 4, 4], dtype=np.int64))], scope="/gn"), 0.025, 125)
    t = o.pair(g.node("Mul", [t, g.initializer(
        "gn.weight", 1 + randn(gen, 6, 1, 1, scale=0.3))], scope="/gn"), 0.03, 128)
    t = o.pair(g.node("Add", [t, g.initializer(
        "gn.bias", randn(gen, 6, 1, 1, scale=0.2))], scope="/gn"), 0.03, 122)
    r = o.pair(g.node("Relu", [t], scope="/attn"), 0.015, 0)
    context = g.node("ReduceSum", [x, g.initializer(
        "axes", np.array([3], dtype=np.int64))], scope="/attn", keepdims=1)
    wide = o.pair(g.node("Expand", [context, g.initializer(
        "shape", np.array([1, 6, 4, 4], dtype=np.int64))], scope="/attn"), 0.1, 128)
    o.pair(g.node("Add", [r, wide], scope="/attn"), 0.05, 128, output="y")
    g.output("y", FLOAT, [1, 6, 4, 4])
    return g.model(17)


def ort_resize(opts) -> onnx.ModelProto:
    """onnxruntime's quantized EfficientFormerV2 upsampling: a bilinear x2
    Resize (half_pixel, from scales) between Q/DQ pairs, then a nearest
    Resize to 5 x 7 (asymmetric, floor, from sizes) into other parameters."""
    g = GraphBuilder("ort_resize")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 2, 3, 4]), 0.03, 120)
    scales = g.initializer("scales", np.array([1, 1, 2, 2], dtype=np.float32))
    t = o.pair(g.node("Resize", [x, "", scales], scope="/up", mode="linear",
                      coordinate_transformation_mode="half_pixel"), 0.03, 120)
    sizes = g.initializer("sizes", np.array([1, 2, 5, 7], dtype=np.int64))
    o.pair(g.node("Resize", [t, "", "", sizes], scope="/down", mode="nearest",
                  coordinate_transformation_mode="asymmetric",
                  nearest_mode="floor"), 0.04, 128, output="y")
    g.output("y", FLOAT, [1, 2, 5, 7])
    return g.model(17)


def ort_gating(opts) -> onnx.ModelProto:
    """onnxruntime's quantized squeeze-excitation gate (EfficientViT-M):
    x * sigmoid(mean(x)), a Mul of two quantized tensors that broadcast."""
    g = GraphBuilder("ort_gating")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 4, 5, 5]), 0.03, 128)
    pooled = o.pair(g.node("GlobalAveragePool", [x], scope="/se"), 0.01, 128)
    gate = o.pair(g.node("Sigmoid", [pooled], scope="/se/gate"), 1 / 255, 0)
    o.pair(g.node("Mul", [x, gate], scope="/se"), 0.02, 128, output="y")
    g.output("y", FLOAT, [1, 4, 5, 5])
    return g.model(17)


def ort_sub(opts) -> onnx.ModelProto:
    """onnxruntime's quantized Sub of two activations (EfficientFormer's
    pool(x) - x) and of an activation and a constant."""
    g = GraphBuilder("ort_sub")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 3, 4, 4]), 0.03, 128)
    t = o.pair(g.node("Transpose", [x], scope="/t", perm=[0, 1, 3, 2]), 0.03, 128)
    d = o.pair(g.node("Sub", [t, x], scope="/sub"), 0.04, 128)
    c = o.constant("offset", np.array([0.25, -0.5, 1.0], dtype=np.float32).reshape(3, 1, 1))
    o.pair(g.node("Sub", [c, d], scope="/sub"), 0.05, 120, output="y")
    g.output("y", FLOAT, [1, 3, 4, 4])
    return g.model(17)


def ort_avgpool(opts) -> onnx.ModelProto:
    """onnxruntime's quantized EfficientFormer token mixer, pool(x) - x with
    a 3x3 AveragePool that does not count its padding, then a strided
    ceil_mode pool that does."""
    g = GraphBuilder("ort_avgpool")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 3, 7, 8]), 0.03, 128)
    p = o.pair(g.node("AveragePool", [x], scope="/mixer", kernel_shape=[3, 3],
                      strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=0),
               0.02, 128)
    d = o.pair(g.node("Sub", [p, x], scope="/mixer"), 0.03, 128)
    o.pair(g.node("AveragePool", [d], scope="/down", kernel_shape=[3, 3],
                  strides=[2, 2], pads=[1, 0, 1, 0], count_include_pad=1,
                  ceil_mode=1), 0.01, 128, output="y")
    g.output("y", FLOAT, [1, 3, 4, 4])
    return g.model(17)


def ort_linear_attention(opts) -> onnx.ModelProto:
    """onnxruntime's quantized ReLU linear attention core (EfficientViT-B,
    Trio-ViT): v padded with a row of ones, kv = k^T v, out = q kv, then the
    numerator rows divided by the last (normalising) row plus epsilon; a
    float Cast left by the exporter between the Div and its QuantizeLinear."""
    g = GraphBuilder("ort_linear_attention")
    o = OrtQdq(g)
    source = g.input("x", FLOAT, [1, 2, 4, 6])
    x = o.pair(source, 0.01, 0)                # q = k: the input's ReLU
    v = o.pair(g.node("Identity", [source], scope="/v"), 0.03, 128)
    pads = g.initializer("pads", np.array([0, 0, 0, 0, 0, 0, 1, 0], dtype=np.int64))
    one = g.scalar("one", 1.0, np.float32)
    v1 = o.pair(g.node("Pad", [v, pads, one], scope="/att", mode="constant"),
                0.03, 100)                                       # [1, 2, 5, 6]
    kt = g.node("Transpose", [x], scope="/att", perm=[0, 1, 3, 2])  # [1, 2, 6, 4]
    kv = o.pair(g.node("MatMul", [v1, kt], scope="/att"), 0.02, 128)  # [1, 2, 5, 4]
    out = o.pair(g.node("MatMul", [kv, x], scope="/att"), 0.01, 128)  # [1, 2, 5, 6]
    starts = g.initializer("starts", np.array([0], dtype=np.int64))
    mid = g.initializer("mid", np.array([-1], dtype=np.int64))
    end = g.initializer("end", np.array([2**62], dtype=np.int64))
    axis = g.initializer("axis", np.array([2], dtype=np.int64))
    num = o.pair(g.node("Slice", [out, starts, mid, axis], scope="/att"), 0.01, 128)
    den = o.pair(g.node("Slice", [out, mid, end, axis], scope="/att"), 0.01, 128)
    eps = o.constant("eps", np.array(0.03, dtype=np.float32))
    den = o.pair(g.node("Add", [den, eps], scope="/att"), 0.01, 0)
    q = g.node("Div", [num, den], scope="/att")
    c = g.node("Cast", [q], scope="/att", to=FLOAT)
    o.pair(c, 0.02, 128, output="y")
    g.output("y", FLOAT, [1, 2, 4, 6])
    return g.model(17)


def ort_layernorm13(opts) -> onnx.ModelProto:
    """onnxruntime's quantized opset-13 LayerNorm: Q/DQ pairs inside the
    decomposition and on gamma and beta."""
    gen = rng(31)
    g = GraphBuilder("ort_layernorm13")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 5, 8]), 0.04, 128)
    scope = "/norm"
    mean = o.pair(g.node("ReduceMean", [x], scope=scope, axes=[-1]), 0.01, 128)
    d = o.pair(g.node("Sub", [x, mean], scope=scope), 0.04, 128)
    two = g.constant(np.array(2.0, dtype=np.float32), scope=scope)
    var = g.node("ReduceMean", [g.node("Pow", [d, two], scope=scope)], scope=scope,
                 axes=[-1])
    var = o.pair(var, 0.05, 0)
    eps = g.constant(np.array(1e-6, dtype=np.float32), scope=scope)
    std = o.pair(g.node("Sqrt", [g.node("Add", [var, eps], scope=scope)], scope=scope),
                 0.02, 0)
    t = o.pair(g.node("Div", [d, std], scope=scope), 0.03, 128)
    gamma = o.constant("norm.weight", 1 + randn(gen, 8, scale=0.2))
    t = o.pair(g.node("Mul", [t, gamma], scope=scope), 0.035, 128)
    beta = o.constant("norm.bias", randn(gen, 8, scale=0.1))
    y = g.node("Add", [t, beta], scope=scope)
    o.pair(y, 0.035, 128, output="y")
    g.output("y", FLOAT, [1, 5, 8])
    return g.model(13)


def ort_softmax(opts) -> onnx.ModelProto:
    """A decomposed softmax (ReduceMax, Sub, Exp, ReduceSum, Div) with Q/DQ
    pairs inside, as quantizers leave exports that spell it out."""
    g = GraphBuilder("ort_softmax")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 2, 5, 5]), 0.05, 128)
    scope = "/attn"
    m = g.node("ReduceMax", [x], scope=scope, axes=[-1], keepdims=1)
    z = o.pair(g.node("Sub", [x, m], scope=scope), 0.05, 255)
    e = o.pair(g.node("Exp", [z], scope=scope), 1 / 255, 0)
    axes = g.initializer("axes", np.array([-1], dtype=np.int64))
    s = o.pair(g.node("ReduceSum", [e, axes], scope=scope, keepdims=1), 5 / 255, 0)
    y = g.node("Div", [e, s], scope=scope)
    o.pair(y, 1 / 255, 0, output="y")
    g.output("y", FLOAT, [1, 2, 5, 5])
    return g.model(13)


def ort_patch_head(opts) -> onnx.ModelProto:
    """The ends of a ViT as onnxruntime quantizes them: a patch-embedding
    Conv and a classifier Gemm with per-channel int32 biases (scale input x
    weight scale), a LayerNorm with a dequantized gamma and a float beta, a
    class token joined by a Concat with its own parameters, the attention
    scale as Div by a constant, and a position embedding Add."""
    gen = rng(32)
    g = GraphBuilder("ort_patch_head")
    o = OrtQdq(g)
    x_scale = 0.02
    x = o.pair(g.input("x", FLOAT, [1, 3, 8, 8]), x_scale, 128)
    w, w_scales = o.weight("patch.weight", randn(gen, 16, 3, 4, 4, scale=0.1), 0)
    b = o.int32_bias("patch.bias", randn(gen, 16, scale=0.1), x_scale * w_scales)
    c = g.node("Conv", [x, w, b], scope="/patch", kernel_shape=[4, 4],
               strides=[4, 4])
    c = o.pair(c, 0.03, 128)
    t = g.node("Reshape", [c, g.initializer("tokens", np.array([1, 16, 4], np.int64))],
               scope="/patch")
    t = o.pair(g.node("Transpose", [t], scope="/patch", perm=[0, 2, 1]), 0.03, 128)
    cls = g.node("Expand", [g.initializer("cls_token", randn(gen, 1, 1, 16, scale=1e-3)),
                            g.initializer("cls_shape", np.array([1, 1, 16], np.int64))],
                 scope="/cls")
    cls = o.pair(cls, 2e-5, 128)
    t = o.pair(g.node("Concat", [cls, t], scope="/cls", axis=1), 0.03, 128)
    pos = o.constant("pos_embed", randn(gen, 1, 5, 16, scale=0.1))
    t = o.pair(g.node("Add", [t, pos], scope="/pos"), 0.035, 128)
    t = o.pair(g.node("Div", [t, g.constant(np.array(4.0, np.float32), scope="/scale")],
                      scope="/scale"), 0.009, 128)
    gamma = o.constant("norm.weight", 1 + randn(gen, 16, scale=0.2))
    beta = g.initializer("norm.bias", randn(gen, 16, scale=0.1))
    n = o.pair(g.node("LayerNormalization", [t, gamma, beta], scope="/norm", axis=-1,
                      epsilon=1e-6), 0.04, 128)
    first = g.node("Gather", [n, g.initializer("index", np.array(0, np.int64))],
                   scope="/head", axis=1)
    first = o.pair(first, 0.04, 128)
    hw, hw_scales = o.weight("head.weight", randn(gen, 10, 16, scale=0.2), 0)
    hb = o.int32_bias("head.bias", randn(gen, 10, scale=0.1), 0.04 * hw_scales)
    logits = g.node("Gemm", [first, hw, hb], scope="/head", transB=1)
    o.pair(logits, 0.05, 128, output="y")
    g.output("y", FLOAT, [1, 10])
    return g.model(17)


def ort_int4_weight(opts) -> onnx.ModelProto:
    """Opset 21: a MatMul weight stored as packed int4, per-channel."""
    gen = rng(33)
    g = GraphBuilder("ort_int4_weight")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [2, 8]), 0.05, 128)
    def int4(name: str, values: np.ndarray) -> str:
        # TensorProto.INT4 (22, onnx 1.16; Debian's onnx predates it): two
        # values a byte, low nibble first.
        flat = (values.astype(np.int8).flatten() & 0xF).astype(np.uint8)
        if len(flat) % 2:
            flat = np.append(flat, 0)
        t = onnx.TensorProto(name=name, data_type=22, dims=list(values.shape))
        t.raw_data = (flat[0::2] | (flat[1::2] << 4)).astype(np.uint8).tobytes()
        g.initializers.append(t)
        return name

    wq = int4("w_q", gen.integers(-8, 8, size=(8, 6)))
    ws = g.initializer("w_scale", np.linspace(0.01, 0.02, 6, dtype=np.float32))
    wz = int4("w_zp", np.zeros(6, dtype=np.int8))
    wd = g.node("DequantizeLinear", [wq, ws, wz], scope="/fc", axis=1)
    y = g.node("MatMul", [x, wd], scope="/fc")
    o.pair(y, 0.1, 128, output="y")
    g.output("y", FLOAT, [2, 6])
    return g.model(21)


def review_concat_twice(opts) -> onnx.ModelProto:
    """Concat(a, a) of a dequantized value that a Relu also reads: the
    integer Concat must leave `a` as it was for the Relu."""
    g = GraphBuilder("review_concat_twice")
    s = g.scalar("s", 0.1, np.float32)
    z = g.scalar("z", 0, np.int8)
    a = emit_qdq(g, g.input("x", FLOAT, [1, 4]), s, z)
    c = g.node("Concat", [a, a], scope="/cat", axis=1)
    emit_qdq(g, c, s, z, output="y")
    g.node("Relu", [a], scope="/relu", outputs=["r"])
    g.output("y", FLOAT, [1, 8])
    g.output("r", FLOAT, [1, 4])
    return g.model(13)


def review_concat_float_constant(opts) -> onnx.ModelProto:
    """Concat of a float constant and a dequantized value with no
    QuantizeLinear after it: the constant must keep its float values."""
    g = GraphBuilder("review_concat_float_constant")
    a = emit_qdq(g, g.input("x", FLOAT, [2, 3]), g.scalar("s", 0.01, np.float32),
                 g.scalar("z", 0, np.int8))
    cls = g.initializer("cls", np.array([[5.0, -7.0, 0.123]], np.float32))
    g.node("Concat", [cls, a], scope="/cat", axis=0, outputs=["y"])
    g.output("y", FLOAT, [3, 3])
    return g.model(13)


def review_gelu_shared_pair(opts) -> onnx.ModelProto:
    """An erf GELU with a Q/DQ pair before its Erf whose dequantized value a
    Relu reads too: the pair is not inner to the GELU and stays."""
    g = GraphBuilder("review_gelu_shared_pair")
    s, z = g.scalar("s", 0.05, np.float32), g.scalar("z", 0, np.int8)
    x = emit_qdq(g, g.input("x", FLOAT, [1, 4]), s, z)
    sqrt2 = g.scalar("sqrt2", 1.4142135, np.float32)
    e = emit_qdq(g, g.node("Div", [x, sqrt2], scope="/act"), s, z)
    t = g.node("Erf", [e], scope="/act")
    t = g.node("Add", [t, g.scalar("one", 1.0, np.float32)], scope="/act")
    t = g.node("Mul", [x, t], scope="/act")
    t = g.node("Mul", [t, g.scalar("half", 0.5, np.float32)], scope="/act")
    emit_qdq(g, t, s, z, output="y")
    g.node("Relu", [e], scope="/relu", outputs=["r"])
    g.output("y", FLOAT, [1, 4])
    g.output("r", FLOAT, [1, 4])
    return g.model(13)


def review_int4_quantize(opts) -> onnx.ModelProto:
    """Opset 21: a constant quantized to int4 and dequantized again
    saturates at [-8, 7] (1.0 at scale 0.1 is 7, -1.0 is -8)."""
    g = GraphBuilder("review_int4_quantize")
    zp = onnx.TensorProto(name="z", data_type=22, dims=[])
    zp.raw_data = bytes([0])
    g.initializers.append(zp)
    s = g.scalar("s", 0.1, np.float32)
    w = g.initializer("w", np.array([1.0, -1.0, 0.3], np.float32))
    q = g.node("QuantizeLinear", [w, s, "z"], scope="/w")
    d = g.node("DequantizeLinear", [q, s, "z"], scope="/w")
    g.node("Add", [g.input("x", FLOAT, [3]), d], scope="/add", outputs=["y"])
    g.output("y", FLOAT, [3])
    return g.model(21)


def review_duplicate_qop_names(opts) -> onnx.ModelProto:
    """Two QLinearAdd nodes with one name: their QDQ forms must not share
    value names."""
    g = GraphBuilder("review_duplicate_qop_names")
    a = g.input("a", UINT8, [1, 4])
    q = QParams(g, "q", 0.05, 128, np.uint8)
    t = g.node("QLinearAdd", [a, q.scale, q.zero_point, a, q.scale, q.zero_point,
                              q.scale, q.zero_point], name="qa", domain=MS_DOMAIN)
    g.node("QLinearAdd", [t, q.scale, q.zero_point, a, q.scale, q.zero_point,
                          q.scale, q.zero_point], name="qa", domain=MS_DOMAIN,
           outputs=["y"])
    g.output("y", UINT8, [1, 4])
    return g.model(13, {MS_DOMAIN: 1})


def bad_runtime_gamma(opts) -> onnx.ModelProto:
    """A quantized LayerNormalization whose gamma is a graph input: the
    integer form needs a constant."""
    g = GraphBuilder("bad_runtime_gamma")
    o = OrtQdq(g)
    x = o.pair(g.input("x", FLOAT, [1, 5, 8]), 0.04, 128)
    gamma = g.input("gamma", FLOAT, [8])
    n = g.node("LayerNormalization", [x, gamma], scope="/blocks.0/norm1", axis=-1)
    o.pair(n, 0.04, 128, output="y")
    g.output("y", FLOAT, [1, 5, 8])
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


def qop_ort_tokens(opts) -> onnx.ModelProto:
    """onnxruntime's QOperator form of a ViT's token path: QLinearConcat of
    a quantized class token and the tokens, a QLinearMul by the attention
    scale, a float LayerNorm whose QuantizeLinear comes after a Gather, and
    a Transpose moving uint8 data itself."""
    gen = rng(34)
    g = GraphBuilder("qop_ort_tokens")
    x = g.input("x", FLOAT, [1, 4, 8])
    qx = QParams(g, "x", 0.03, 128, np.uint8)
    xq = g.node("QuantizeLinear", [x, qx.scale, qx.zero_point], scope="/in")
    cls = g.initializer("cls_quantized", gen.integers(0, 256, (1, 1, 8)).astype(np.uint8))
    qc = QParams(g, "cls", 0.001, 128, np.uint8)
    qt = QParams(g, "tokens", 0.035, 128, np.uint8)
    t = g.node("QLinearConcat", [qt.scale, qt.zero_point, cls, qc.scale, qc.zero_point,
                                 xq, qx.scale, qx.zero_point],
               scope="/cls", domain=MS_DOMAIN, axis=1)
    c = g.initializer("scale_quantized", np.array(255, np.uint8))
    qs = QParams(g, "scalec", 0.5 / 255, 0, np.uint8)
    qm = QParams(g, "scaled", 0.018, 128, np.uint8)
    t = g.node("QLinearMul", [t, qt.scale, qt.zero_point, c, qs.scale, qs.zero_point,
                              qm.scale, qm.zero_point], scope="/attn", domain=MS_DOMAIN)
    t = g.node("Transpose", [t], scope="/attn", perm=[0, 1, 2])
    d = g.node("DequantizeLinear", [t, qm.scale, qm.zero_point], scope="/norm")
    gamma = g.initializer("norm.weight", 1 + randn(gen, 8, scale=0.2))
    beta = g.initializer("norm.bias", randn(gen, 8, scale=0.1))
    n = g.node("LayerNormalization", [d, gamma, beta], scope="/norm", axis=-1)
    first = g.node("Gather", [n, g.initializer("index", np.array(0, np.int64))],
                   scope="/head", axis=1)
    qy = QParams(g, "y", 0.04, 128, np.uint8)
    y = g.node("QuantizeLinear", [first, qy.scale, qy.zero_point], scope="/head")
    g.node("DequantizeLinear", [y, qy.scale, qy.zero_point], scope="/out",
           outputs=["y"])
    g.output("y", FLOAT, [1, 8])
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


def bad_unsupported_ops(opts) -> onnx.ModelProto:
    """Three op types vitq does not import (Hardmax, LpNormalization, two
    Shrinks), one after another with a supported Relu between them, and an
    independent error (a Gemm with a wrongly shaped weight) on a second
    branch."""
    g = GraphBuilder("bad_unsupported_ops")
    x = g.input("x", FLOAT, [1, 4, 6])
    h = g.node("Hardmax", [x], scope="/act")
    p = g.node("LpNormalization", [h], scope="/norm")
    r = g.node("Relu", [p], scope="/relu")
    m = g.node("Shrink", [r], scope="/shrink", lambd=0.5)
    g.node("Shrink", [m], scope="/shrink", lambd=0.5, outputs=["y"])
    flat = g.node("Reshape", [x, g.initializer("shape", np.array([4, 6], dtype=np.int64))],
                  scope="/head")
    w = g.initializer("head.weight", np.ones((5, 3), dtype=np.float32))
    g.node("Gemm", [flat, w], scope="/head", outputs=["z"])
    g.output("y", FLOAT, [1, 4, 6])
    g.output("z", FLOAT, [4, 3])
    return g.model(17)


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
# Malformed models: one defect each, for malformed-onnx.test
# ---------------------------------------------------------------------------
#
# Each must be rejected with one located error (never a crash). Most are
# op_matmul, unary_model or a small graph with one thing broken; models that
# onnx's helpers refuse to build are edited after construction. Files that
# are not ONNX models at all come from their save function.


def tanh_model(name: str, opset: int = 17) -> onnx.ModelProto:
    """x[2, 3] -> Tanh -> y: the smallest valid graph, to break one way."""
    return unary_model(name, "Tanh", [2, 3], opset=opset)


def qdq_model(name: str, scale, zero_point=0, zp_dtype=np.int8,
              axis: Optional[int] = None) -> onnx.ModelProto:
    """x[4, 8] -> QuantizeLinear -> DequantizeLinear -> y with the given
    scale and zero-point initializers."""
    g = GraphBuilder(name)
    x = g.input("x", FLOAT, [4, 8])
    s = g.initializer("scale", np.asarray(scale, dtype=np.float32))
    zp = g.initializer("zero_point", np.asarray(zero_point, dtype=zp_dtype))
    attrs = {} if axis is None else {"axis": axis}
    emit_qdq(g, x, s, zp, output="y", **attrs)
    g.output("y", FLOAT, [4, 8])
    return g.model(13)


# -- files that are not ONNX models ------------------------------------------


def bad_empty_file(opts) -> onnx.ModelProto:
    """A zero-byte file (see save_empty)."""
    return op_matmul(opts)


def bad_garbage(opts) -> onnx.ModelProto:
    """200 random bytes (see save_garbage)."""
    return op_matmul(opts)


def bad_not_a_model(opts) -> onnx.ModelProto:
    """A serialized TensorProto, not a ModelProto (see save_first_initializer)."""
    return op_matmul(opts)


def bad_graph_not_model(opts) -> onnx.ModelProto:
    """A bare serialized GraphProto: parses as an empty-headed ModelProto
    (see save_graph_only)."""
    return op_matmul(opts)


def bad_text_format(opts) -> onnx.ModelProto:
    """op_matmul in protobuf text format (see save_text)."""
    return op_matmul(opts)


# -- opsets ------------------------------------------------------------------


def bad_no_default_opset(opts) -> onnx.ModelProto:
    """Imports only com.microsoft, no default-domain opset."""
    model = tanh_model("bad_no_default_opset")
    del model.opset_import[:]
    model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    return model


def bad_opset_old(opts) -> onnx.ModelProto:
    """Default-domain opset 7, older than the importer supports."""
    return tanh_model("bad_opset_old", opset=7)


def bad_opset_new(opts) -> onnx.ModelProto:
    """Default-domain opset 99, newer than any ONNX release."""
    return tanh_model("bad_opset_new", opset=99)


# -- graph structure ---------------------------------------------------------


def bad_undefined_input(opts) -> onnx.ModelProto:
    """An Add whose second input 'nowhere' is never produced."""
    g = GraphBuilder("bad_undefined_input")
    x = g.input("x", FLOAT, [2, 3])
    g.node("Add", [x, "nowhere"], outputs=["y"])
    g.output("y", FLOAT, [2, 3])
    return g.model(17)


def bad_cycle(opts) -> onnx.ModelProto:
    """Add -> Tanh -> back into the Add: a cycle, so no topological order."""
    g = GraphBuilder("bad_cycle")
    x = g.input("x", FLOAT, [2, 3])
    g.node("Add", [x, "t"], outputs=["a"])
    g.node("Tanh", ["a"], outputs=["t"])
    g.output("t", FLOAT, [2, 3])
    return g.model(17)


def bad_output_never_computed(opts) -> onnx.ModelProto:
    """The graph output 'z' is no node's output."""
    g = GraphBuilder("bad_output_never_computed")
    x = g.input("x", FLOAT, [2, 3])
    g.node("Tanh", [x], outputs=["y"])
    g.output("z", FLOAT, [2, 3])
    return g.model(17)


def bad_no_outputs(opts) -> onnx.ModelProto:
    """A graph without outputs: imports to a function with no results,
    which has nothing to compile."""
    model = tanh_model("bad_no_outputs")
    del model.graph.output[:]
    return model


def bad_empty_op_type(opts) -> onnx.ModelProto:
    """A node named 'nameless_op' with an empty op_type."""
    model = tanh_model("bad_empty_op_type")
    model.graph.node[0].op_type = ""
    model.graph.node[0].name = "nameless_op"
    return model


def bad_input_no_shape(opts) -> onnx.ModelProto:
    """Graph input 'x' declares its element type but no shape."""
    model = tanh_model("bad_input_no_shape")
    model.graph.input[0].type.tensor_type.ClearField("shape")
    return model


def bad_complex_input(opts) -> onnx.ModelProto:
    """Graph input 'x' of element type COMPLEX64."""
    model = tanh_model("bad_complex_input")
    model.graph.input[0].type.tensor_type.elem_type = TensorProto.COMPLEX64
    return model


# -- initializers ------------------------------------------------------------


def bad_raw_data_size(opts) -> onnx.ModelProto:
    """op_matmul whose 8x6 f32 weight holds 188 raw bytes, not 192."""
    model = op_matmul(opts)
    weight = model.graph.initializer[0]
    weight.raw_data = weight.raw_data[:-4]
    return model


def bad_negative_dim(opts) -> onnx.ModelProto:
    """op_matmul whose weight has dims [-8, 6]."""
    model = op_matmul(opts)
    model.graph.initializer[0].dims[0] = -8
    return model


def bad_string_initializer(opts) -> onnx.ModelProto:
    """An Add of a STRING initializer."""
    g = GraphBuilder("bad_string_initializer")
    x = g.input("x", FLOAT, [2, 3])
    g.initializers.append(helper.make_tensor("words", TensorProto.STRING, [1],
                                             [b"abc"]))
    g.node("Add", [x, "words"], outputs=["y"])
    g.output("y", FLOAT, [2, 3])
    return g.model(17)


def bad_external_no_location(opts) -> onnx.ModelProto:
    """op_matmul whose weight is marked EXTERNAL without a location."""
    model = op_matmul(opts)
    weight = model.graph.initializer[0]
    weight.data_location = TensorProto.EXTERNAL
    weight.ClearField("raw_data")
    return model


SHORT_WEIGHTS_FILE = "short_weights.bin"


def bad_external_short(opts) -> onnx.ModelProto:
    """op_matmul whose 192-byte weight is read from the 16-byte
    short_weights.bin (see save_short_external)."""
    model = op_matmul(opts)
    weight = model.graph.initializer[0]
    external_data_helper.set_external_data(weight, SHORT_WEIGHTS_FILE, offset=0,
                                           length=len(weight.raw_data))
    weight.ClearField("raw_data")
    return model


# -- ops ---------------------------------------------------------------------


def bad_matmul_inner(opts) -> onnx.ModelProto:
    """MatMul of x[2, 5] with a [7, 3] weight."""
    g = GraphBuilder("bad_matmul_inner")
    x = g.input("x", FLOAT, [2, 5])
    w = g.initializer("weight", randn(rng(30), 7, 3))
    g.node("MatMul", [x, w], outputs=["y"])
    g.output("y", FLOAT, [2, 3])
    return g.model(17)


def bad_matmul_batch(opts) -> onnx.ModelProto:
    """Batched MatMul 2x3x5x8 @ 3x3x8x4: batch dimensions 2 and 3 differ."""
    g = GraphBuilder("bad_matmul_batch")
    a = g.input("a", FLOAT, [2, 3, 5, 8])
    b = g.input("b", FLOAT, [3, 3, 8, 4])
    g.node("MatMul", [a, b], outputs=["y"])
    g.output("y", FLOAT, [2, 3, 5, 4])
    return g.model(17)


def bad_matmul_scalar(opts) -> onnx.ModelProto:
    """MatMul of a rank-0 input."""
    g = GraphBuilder("bad_matmul_scalar")
    x = g.input("x", FLOAT, [])
    w = g.initializer("weight", randn(rng(31), 8, 3))
    g.node("MatMul", [x, w], outputs=["y"])
    g.output("y", FLOAT, [3])
    return g.model(17)


def bad_integer_matmul(opts) -> onnx.ModelProto:
    """MatMul of two int32 inputs (no quantization)."""
    g = GraphBuilder("bad_integer_matmul")
    a = g.input("a", INT32, [2, 3])
    b = g.input("b", INT32, [3, 2])
    g.node("MatMul", [a, b], outputs=["y"])
    g.output("y", INT32, [2, 2])
    return g.model(17)


def bad_gemm_inner(opts) -> onnx.ModelProto:
    """Gemm A[3, 8] x B[6, 7]^T: K = 8 vs 7."""
    g = GraphBuilder("bad_gemm_inner")
    a = g.input("x", FLOAT, [3, 8])
    b = g.initializer("fc.weight", randn(rng(32), 6, 7))
    g.node("Gemm", [a, b], scope="/fc", outputs=["y"], transB=1)
    g.output("y", FLOAT, [3, 6])
    return g.model(17)


def bad_reshape_count(opts) -> onnx.ModelProto:
    """Reshape of 24 elements to [5, 5]."""
    g = GraphBuilder("bad_reshape_count")
    x = g.input("x", FLOAT, [2, 3, 4])
    shape = g.initializer("shape", np.array([5, 5], dtype=np.int64))
    g.node("Reshape", [x, shape], outputs=["y"])
    g.output("y", FLOAT, [5, 5])
    return g.model(17)


def conv_model(name: str, x_shape: Shape, w_shape: Sequence[int],
               **attrs) -> onnx.ModelProto:
    """Conv of x with a random weight of w_shape, output shape left open."""
    g = GraphBuilder(name)
    x = g.input("x", FLOAT, x_shape)
    w = g.initializer("conv.weight", randn(rng(33), *w_shape))
    g.node("Conv", [x, w], scope="/conv", outputs=["y"], **attrs)
    g.output("y", FLOAT, None)
    return g.model(17)


def bad_conv_kernel(opts) -> onnx.ModelProto:
    """5x5 kernel over a 4x4 unpadded input."""
    return conv_model("bad_conv_kernel", [1, 3, 4, 4], [4, 3, 5, 5],
                      kernel_shape=[5, 5])


def bad_conv_group(opts) -> onnx.ModelProto:
    """group=2 with 3 input channels."""
    return conv_model("bad_conv_group", [1, 3, 4, 4], [4, 1, 3, 3], group=2)


def bad_conv_stride_zero(opts) -> onnx.ModelProto:
    """strides [0, 1]."""
    return conv_model("bad_conv_stride_zero", [1, 3, 4, 4], [4, 3, 3, 3],
                      strides=[0, 1])


def bad_conv_1d(opts) -> onnx.ModelProto:
    """A 1-D convolution (rank-3 input and weight)."""
    return conv_model("bad_conv_1d", [1, 3, 8], [4, 3, 3])


def bad_conv_no_weight(opts) -> onnx.ModelProto:
    """Conv with its data input only."""
    model = conv_model("bad_conv_no_weight", [1, 3, 4, 4], [4, 3, 3, 3])
    del model.graph.node[0].input[1:]
    del model.graph.initializer[:]
    return model


def bad_softmax_axis(opts) -> onnx.ModelProto:
    """Softmax axis 5 of a rank-2 input."""
    return unary_model("bad_softmax_axis", "Softmax", [2, 3], axis=5)


def bad_transpose_perm_entry(opts) -> onnx.ModelProto:
    """Transpose perm [0, 1, 3] of a rank-3 input."""
    return unary_model("bad_transpose_perm_entry", "Transpose", [2, 3, 4],
                       out_shape=[2, 3, 4], perm=[0, 1, 3])


def bad_transpose_perm_length(opts) -> onnx.ModelProto:
    """Transpose perm [1, 0] of a rank-3 input."""
    return unary_model("bad_transpose_perm_length", "Transpose", [2, 3, 4],
                       out_shape=[3, 2, 4], perm=[1, 0])


def bad_concat_axis(opts) -> onnx.ModelProto:
    """Concat of two rank-2 inputs along axis 2."""
    g = GraphBuilder("bad_concat_axis")
    a = g.input("a", FLOAT, [2, 3])
    b = g.input("b", FLOAT, [2, 3])
    g.node("Concat", [a, b], outputs=["y"], axis=2)
    g.output("y", FLOAT, None)
    return g.model(17)


def gather_model(name: str) -> GraphBuilder:
    """Gather of input "index" (to be declared) along axis 1 of x[1, 5, 8]."""
    g = GraphBuilder(name)
    x = g.input("x", FLOAT, [1, 5, 8])
    g.node("Gather", [x, "index"], outputs=["y"], axis=1)
    g.output("y", FLOAT, [1, 8])
    return g


def bad_gather_index(opts) -> onnx.ModelProto:
    """Gather of the constant index 7 from a dimension of size 5."""
    g = gather_model("bad_gather_index")
    g.scalar("index", 7, np.int64)
    return g.model(17)


def bad_gather_dynamic_index(opts) -> onnx.ModelProto:
    """Gather whose index is a graph input, unknown at import time."""
    g = gather_model("bad_gather_dynamic_index")
    g.input("index", INT64, [])
    return g.model(17)


def layernorm_model(name: str, scale_size: int, outputs: int = 1
                    ) -> onnx.ModelProto:
    """LayerNormalization of x[2, 8] with a Scale of `scale_size` ones and
    the first `outputs` of its outputs."""
    g = GraphBuilder(name)
    x = g.input("x", FLOAT, [2, 8])
    scale = g.initializer("norm.weight", np.ones(scale_size, dtype=np.float32))
    g.node("LayerNormalization", [x, scale], scope="/norm",
           outputs=["y", "mean", "inv_std_dev"][:outputs], axis=-1)
    g.output("y", FLOAT, [2, 8])
    return g.model(17)


def bad_layernorm_scale(opts) -> onnx.ModelProto:
    """LayerNormalization over 8 elements with a 5-element Scale."""
    return layernorm_model("bad_layernorm_scale", 5)


def bad_layernorm_outputs(opts) -> onnx.ModelProto:
    """LayerNormalization asked for its Mean and InvStdDev outputs too."""
    return layernorm_model("bad_layernorm_outputs", 8, outputs=3)


def bad_add_one_input(opts) -> onnx.ModelProto:
    """An Add with one input."""
    return unary_model("bad_add_one_input", "Add", [2, 3])


def bad_mixed_types(opts) -> onnx.ModelProto:
    """Add of a float and an int32 input."""
    g = GraphBuilder("bad_mixed_types")
    a = g.input("a", FLOAT, [2, 3])
    b = g.input("b", INT32, [2, 3])
    g.node("Add", [a, b], outputs=["y"])
    g.output("y", FLOAT, [2, 3])
    return g.model(17)


def bad_ms_op(opts) -> onnx.ModelProto:
    """com.microsoft FusedGemm, which the importer does not know."""
    g = GraphBuilder("bad_ms_op")
    x = g.input("x", FLOAT, [2, 3])
    g.node("FusedGemm", [x], outputs=["y"], domain=MS_DOMAIN)
    g.output("y", FLOAT, None)
    return g.model(17, {MS_DOMAIN: 1})


def bad_custom_domain(opts) -> onnx.ModelProto:
    """An op of the custom domain org.example."""
    g = GraphBuilder("bad_custom_domain")
    x = g.input("x", FLOAT, [2, 3])
    g.node("Frobnicate", [x], outputs=["y"], domain="org.example")
    g.output("y", FLOAT, None)
    return g.model(17, {"org.example": 1})


def bad_cast_target(opts) -> onnx.ModelProto:
    """Cast to STRING."""
    return unary_model("bad_cast_target", "Cast", [2, 3], to=TensorProto.STRING)


def bad_constant_form(opts) -> onnx.ModelProto:
    """A Constant given as value_float rather than a tensor."""
    g = GraphBuilder("bad_constant_form")
    x = g.input("x", FLOAT, [2])
    c = g.node("Constant", [], value_float=2.0)
    g.node("Add", [x, c], outputs=["y"])
    g.output("y", FLOAT, [2])
    return g.model(17)


def bad_slice_step(opts) -> onnx.ModelProto:
    """Slice with step 0."""
    g = GraphBuilder("bad_slice_step")
    x = g.input("x", FLOAT, [2, 6])
    i64 = lambda name, v: g.initializer(name, np.array([v], dtype=np.int64))
    g.node("Slice", [x, i64("starts", 0), i64("ends", 4), i64("axes", 1),
                     i64("steps", 0)], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def bad_squeeze_dim(opts) -> onnx.ModelProto:
    """Squeeze of dimension 0, of size 2."""
    g = GraphBuilder("bad_squeeze_dim")
    x = g.input("x", FLOAT, [2, 4])
    axes = g.initializer("axes", np.array([0], dtype=np.int64))
    g.node("Squeeze", [x, axes], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def bad_unsqueeze_axis(opts) -> onnx.ModelProto:
    """Unsqueeze at axis 5 of a rank-2 input."""
    g = GraphBuilder("bad_unsqueeze_axis")
    x = g.input("x", FLOAT, [2, 4])
    axes = g.initializer("axes", np.array([5], dtype=np.int64))
    g.node("Unsqueeze", [x, axes], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def bad_gelu_approximate(opts) -> onnx.ModelProto:
    """Opset-20 Gelu with approximate="fast"."""
    return unary_model("bad_gelu_approximate", "Gelu", [2, 4], opset=20,
                       approximate="fast")


def bad_expand_shape(opts) -> onnx.ModelProto:
    """Expand of [3, 2] to [2, 3, 4]: 2 does not broadcast to 4."""
    g = GraphBuilder("bad_expand_shape")
    x = g.input("x", FLOAT, [3, 2])
    shape = g.initializer("shape", np.array([2, 3, 4], dtype=np.int64))
    g.node("Expand", [x, shape], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


# -- quantization ------------------------------------------------------------


def bad_quant_zero_scale(opts) -> onnx.ModelProto:
    """QuantizeLinear with scale 0."""
    return qdq_model("bad_quant_zero_scale", 0.0)


def bad_quant_negative_scale(opts) -> onnx.ModelProto:
    """QuantizeLinear with scale -0.5."""
    return qdq_model("bad_quant_negative_scale", -0.5)


def bad_quant_nan_scale(opts) -> onnx.ModelProto:
    """QuantizeLinear with a NaN scale."""
    return qdq_model("bad_quant_nan_scale", np.nan)


def bad_quant_axis_scales(opts) -> onnx.ModelProto:
    """Per-axis QuantizeLinear with 3 scales along axis 1, of size 8."""
    return qdq_model("bad_quant_axis_scales", [0.1, 0.2, 0.3], [0, 0, 0], axis=1)


def bad_quant_zero_point_type(opts) -> onnx.ModelProto:
    """QuantizeLinear with a float zero point."""
    return qdq_model("bad_quant_zero_point_type", 0.1, 0.0, np.float32)


def bad_quant_zero_point_count(opts) -> onnx.ModelProto:
    """Per-axis QuantizeLinear with 8 scales and 4 zero points."""
    return qdq_model("bad_quant_zero_point_count", [0.1] * 8, [0] * 4, axis=1)


def bad_quant_dynamic_scale(opts) -> onnx.ModelProto:
    """QuantizeLinear whose scale is a graph input."""
    g = GraphBuilder("bad_quant_dynamic_scale")
    x = g.input("x", FLOAT, [4, 8])
    s = g.input("scale", FLOAT, [])
    zp = g.scalar("zero_point", 0, np.int8)
    emit_qdq(g, x, s, zp, output="y")
    g.output("y", FLOAT, [4, 8])
    return g.model(13)


def bad_dequant_float_input(opts) -> onnx.ModelProto:
    """DequantizeLinear of a float input with an int8 zero point."""
    g = GraphBuilder("bad_dequant_float_input")
    x = g.input("x", FLOAT, [4, 8])
    s = g.scalar("scale", 0.1, np.float32)
    zp = g.scalar("zero_point", 0, np.int8)
    g.node("DequantizeLinear", [x, s, zp], outputs=["y"])
    g.output("y", FLOAT, [4, 8])
    return g.model(13)


def bad_bias_overflow(opts) -> onnx.ModelProto:
    """QDQ Gemm whose float bias 1e6 is not representable in int32 at the
    accumulator scale 1e-6 * 1e-6."""
    g = GraphBuilder("bad_bias_overflow")
    x = g.input("x", FLOAT, [4, 8])
    xs = g.scalar("x_scale", 1e-6, np.float32)
    xz = g.scalar("x_zero_point", 0, np.int8)
    w = g.initializer("fc.weight_quantized", rand_int8(rng(34), 6, 8))
    ws = g.scalar("fc.weight_scale", 1e-6, np.float32)
    wz = g.scalar("fc.weight_zero_point", 0, np.int8)
    b = g.initializer("fc.bias", np.full(6, 1e6, dtype=np.float32))
    ys = g.scalar("y_scale", 0.1, np.float32)
    yz = g.scalar("y_zero_point", 0, np.int8)
    w_dq = g.node("DequantizeLinear", [w, ws, wz], scope="/fc")
    y = g.node("Gemm", [emit_qdq(g, x, xs, xz), w_dq, b], scope="/fc",
               transB=1)
    emit_qdq(g, y, ys, yz, output="y")
    g.output("y", FLOAT, [4, 6])
    return g.model(13)


def replace_initializer(model: onnx.ModelProto, name: str,
                        array: np.ndarray) -> onnx.ModelProto:
    """Replaces the contents of initializer `name` by `array`."""
    for tensor in model.graph.initializer:
        if tensor.name == name:
            tensor.CopyFrom(numpy_helper.from_array(array, name))
    return model


def set_int_attr(model: onnx.ModelProto, name: str, value: int
                 ) -> onnx.ModelProto:
    """Sets (or adds) integer attribute `name` of the first node."""
    node = model.graph.node[0]
    for attribute in node.attribute:
        if attribute.name == name:
            attribute.i = value
            return model
    node.attribute.append(helper.make_attribute(name, value))
    return model


def bad_qlinearconv_weight_zp(opts) -> onnx.ModelProto:
    """qop_qlinearconv with a non-zero (asymmetric) weight zero point."""
    return replace_initializer(qop_qlinearconv(opts), "conv.weight_zero_point",
                               np.array([1, 0, 0, 0], dtype=np.int8))


def bad_qlinearconv_bias(opts) -> onnx.ModelProto:
    """qop_qlinearconv with a float bias."""
    return replace_initializer(qop_qlinearconv(opts), "conv.bias_quantized",
                               np.ones(4, dtype=np.float32))


def bad_qgemm_transa(opts) -> onnx.ModelProto:
    """qop_qgemm with transA=1."""
    return set_int_attr(qop_qgemm(opts), "transA", 1)


def bad_qlinearsoftmax_axis(opts) -> onnx.ModelProto:
    """qop_qlinearsoftmax with axis 7 of a rank-3 input."""
    return set_int_attr(qop_qlinearsoftmax(opts), "axis", 7)


# ---------------------------------------------------------------------------
# Reproducers of importer defects (not generated by default)
# ---------------------------------------------------------------------------
#
# crash_*: vitq-translate --import-onnx crashes (signal / uncaught
# exception) instead of reporting an error. poor_*: a clean exit 1, but the
# message is an internal MLIR verifier error about an op the importer built,
# not the ONNX node's problem. accepted_*: malformed models imported without
# any error. They stay out of the lit tests until the importer is fixed.


def crash_concat_no_inputs(opts) -> onnx.ModelProto:
    """Concat with no inputs: SIGSEGV."""
    g = GraphBuilder("crash_concat_no_inputs")
    g.input("x", FLOAT, [2, 3])
    g.node("Concat", [], outputs=["y"], axis=0)
    g.output("y", FLOAT, None)
    return g.model(17)


def crash_constantofshape_negative(opts) -> onnx.ModelProto:
    """ConstantOfShape of shape [-3]: std::length_error abort."""
    g = GraphBuilder("crash_constantofshape_negative")
    x = g.input("x", FLOAT, [1])
    shape = g.initializer("shape", np.array([-3], dtype=np.int64))
    g.node("Add", [x, g.node("ConstantOfShape", [shape])], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def crash_shape_div_overflow(opts) -> onnx.ModelProto:
    """Shape arithmetic INT64_MIN / -1: SIGFPE."""
    g = GraphBuilder("crash_shape_div_overflow")
    x = g.input("x", FLOAT, [2])
    a = g.initializer("a", np.array([np.iinfo(np.int64).min], dtype=np.int64))
    b = g.initializer("b", np.array([-1], dtype=np.int64))
    shape = g.node("Div", [a, b])
    g.node("Add", [x, g.node("ConstantOfShape", [shape])], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def crash_split_no_outputs(opts) -> onnx.ModelProto:
    """Split without outputs (even split into 0 parts): SIGFPE."""
    g = GraphBuilder("crash_split_no_outputs")
    x = g.input("x", FLOAT, [2, 6])
    g.node("Split", [x], outputs=[], axis=1)
    g.output("x", FLOAT, [2, 6])
    return g.model(17)


def external_field(model: onnx.ModelProto, key: str, value: str
                   ) -> onnx.ModelProto:
    """Points op_matmul's weight at short_weights.bin and sets one of its
    external_data fields to `value`."""
    weight = model.graph.initializer[0]
    for entry in weight.external_data:
        if entry.key == key:
            entry.value = value
    return model


def crash_external_length_text(opts) -> onnx.ModelProto:
    """External data length "abc": uncaught std::invalid_argument (stoull)."""
    return external_field(bad_external_short(opts), "length", "abc")


def crash_external_offset_range(opts) -> onnx.ModelProto:
    """External data offset 10^23: uncaught std::out_of_range (stoull)."""
    return external_field(bad_external_short(opts), "offset",
                          "99999999999999999999999")


def poor_concat_dims(opts) -> onnx.ModelProto:
    """Concat of [2, 3] and [2, 4] along axis 0: reported as a
    'tensor.concat' verifier error with the generic op dumped."""
    g = GraphBuilder("poor_concat_dims")
    a = g.input("a", FLOAT, [2, 3])
    b = g.input("b", FLOAT, [2, 4])
    g.node("Concat", [a, b], outputs=["y"], axis=0)
    g.output("y", FLOAT, None)
    return g.model(17)


def poor_transpose_duplicate_perm(opts) -> onnx.ModelProto:
    """Transpose perm [0, 0, 1]: a 'linalg.transpose' verifier error."""
    return unary_model("poor_transpose_duplicate_perm", "Transpose",
                       [2, 3, 4], out_shape=[2, 2, 3], perm=[0, 0, 1])


def poor_conv_bias_length(opts) -> onnx.ModelProto:
    """Conv with 4 output channels and a 3-element bias: a 'tensor.reshape'
    verifier error."""
    model = conv_model("poor_conv_bias_length", [1, 3, 4, 4], [4, 3, 3, 3])
    model.graph.initializer.append(
        numpy_helper.from_array(np.ones(3, dtype=np.float32), "conv.bias"))
    model.graph.node[0].input.append("conv.bias")
    return model


def poor_conv_dilation_overflow(opts) -> onnx.ModelProto:
    """Conv dilations [2^62, 1]: the output extent overflows into a
    negative dimension, reported by the 'linalg.fill' verifier."""
    return conv_model("poor_conv_dilation_overflow", [1, 3, 4, 4],
                      [4, 3, 3, 3], dilations=[1 << 62, 1])


def poor_split_negative(opts) -> onnx.ModelProto:
    """Split sizes [8, -2]: a 'tensor.extract_slice' error."""
    g = GraphBuilder("poor_split_negative")
    x = g.input("x", FLOAT, [2, 6])
    split = g.initializer("split", np.array([8, -2], dtype=np.int64))
    g.node("Split", [x, split], outputs=["y0", "y1"], axis=1)
    g.output("y0", FLOAT, None)
    g.output("y1", FLOAT, None)
    return g.model(17)


def poor_split_uneven(opts) -> onnx.ModelProto:
    """Even Split of 6 columns into 4 outputs: a 'tensor.extract_slice'
    out-of-bounds error."""
    g = GraphBuilder("poor_split_uneven")
    x = g.input("x", FLOAT, [2, 6])
    g.node("Split", [x], outputs=["a", "b", "c", "d"], axis=1)
    for name in "abcd":
        g.output(name, FLOAT, None)
    return g.model(17)


def poor_expand_negative(opts) -> onnx.ModelProto:
    """Expand to [-5, 3, 4]: a tensor type with a negative dimension,
    reported by the 'linalg.fill' verifier."""
    g = GraphBuilder("poor_expand_negative")
    x = g.input("x", FLOAT, [3, 1])
    shape = g.initializer("shape", np.array([-5, 3, 4], dtype=np.int64))
    g.node("Expand", [x, shape], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def poor_unsqueeze_duplicate_axes(opts) -> onnx.ModelProto:
    """Unsqueeze axes [0, 0]: "cannot reshape 8 elements into <a different
    garbage number each run>" (uninitialised dimensions)."""
    g = GraphBuilder("poor_unsqueeze_duplicate_axes")
    x = g.input("x", FLOAT, [2, 4])
    axes = g.initializer("axes", np.array([0, 0], dtype=np.int64))
    g.node("Unsqueeze", [x, axes], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def poor_quantize_integer_input(opts) -> onnx.ModelProto:
    """QuantizeLinear of an int32 input: a 'vitq.quantize' verifier error."""
    g = GraphBuilder("poor_quantize_integer_input")
    x = g.input("x", INT32, [4, 8])
    s = g.scalar("scale", 0.1, np.float32)
    zp = g.scalar("zero_point", 0, np.int8)
    g.node("QuantizeLinear", [x, s, zp], outputs=["y"])
    g.output("y", INT8, [4, 8])
    return g.model(13)


def accepted_rescale_range_exit0(opts) -> onnx.ModelProto:
    """A QDQ MatMul whose rescale (1e90) is out of range: prints "error:"
    but exits 0 and writes IR (the MatMul stays float)."""
    g = GraphBuilder("accepted_rescale_range_exit0")
    x = g.input("x", FLOAT, [4, 8])
    xs = g.scalar("x_scale", 1e30, np.float32)
    xz = g.scalar("x_zero_point", 0, np.int8)
    w = g.initializer("weight_quantized", rand_int8(rng(36), 8, 6))
    ws = g.scalar("weight_scale", 1e30, np.float32)
    wz = g.scalar("weight_zero_point", 0, np.int8)
    ys = g.scalar("y_scale", 1e-30, np.float32)
    yz = g.scalar("y_zero_point", 0, np.int8)
    w_dq = g.node("DequantizeLinear", [w, ws, wz])
    mm = g.node("MatMul", [emit_qdq(g, x, xs, xz), w_dq])
    emit_qdq(g, mm, ys, yz, output="y")
    g.output("y", FLOAT, [4, 6])
    return g.model(13)


def accepted_dims_overflow(opts) -> onnx.ModelProto:
    """op_matmul whose weight dims [8, 2^59 + 6] wrap the byte count to the
    192 bytes present: imported as tensor<8x576460752303423494xf32> backed
    by a 192-byte blob."""
    model = op_matmul(opts)
    model.graph.initializer[0].dims[1] = (1 << 59) + 6
    return model


def accepted_external_escape(opts) -> onnx.ModelProto:
    """External data location "../../../../../../../../etc/passwd": read
    from outside the model directory as the weight."""
    model = op_matmul(opts)
    weight = model.graph.initializer[0]
    external_data_helper.set_external_data(
        weight, "../../../../../../../../etc/passwd", offset=0,
        length=len(weight.raw_data))
    weight.ClearField("raw_data")
    return model


def accepted_float_axis(opts) -> onnx.ModelProto:
    """Softmax whose axis attribute is the FLOAT 1.5: read as axis 0."""
    model = unary_model("accepted_float_axis", "Softmax", [2, 3])
    model.graph.node[0].attribute.append(helper.make_attribute("axis", 1.5))
    return model


def accepted_reshape_two_inferred(opts) -> onnx.ModelProto:
    """Reshape to [-1, -1] (at most one -1 is allowed): becomes [1, 24]."""
    g = GraphBuilder("accepted_reshape_two_inferred")
    x = g.input("x", FLOAT, [2, 3, 4])
    shape = g.initializer("shape", np.array([-1, -1], dtype=np.int64))
    g.node("Reshape", [x, shape], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def accepted_split_sizes(opts) -> onnx.ModelProto:
    """Split of 6 columns into sizes [2, 5]: imported as [2, 4]."""
    g = GraphBuilder("accepted_split_sizes")
    x = g.input("x", FLOAT, [2, 6])
    split = g.initializer("split", np.array([2, 5], dtype=np.int64))
    g.node("Split", [x, split], outputs=["y0", "y1"], axis=1)
    g.output("y0", FLOAT, None)
    g.output("y1", FLOAT, None)
    return g.model(17)


def accepted_slice_lengths(opts) -> onnx.ModelProto:
    """Slice with 2 starts but 1 end: imported as a [1, 0] slice."""
    g = GraphBuilder("accepted_slice_lengths")
    x = g.input("x", FLOAT, [2, 6])
    starts = g.initializer("starts", np.array([0, 0], dtype=np.int64))
    ends = g.initializer("ends", np.array([1], dtype=np.int64))
    g.node("Slice", [x, starts, ends], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def accepted_squeeze_axis(opts) -> onnx.ModelProto:
    """Squeeze of axis 7 of a rank-2 input: silently a no-op."""
    g = GraphBuilder("accepted_squeeze_axis")
    x = g.input("x", FLOAT, [2, 4])
    axes = g.initializer("axes", np.array([7], dtype=np.int64))
    g.node("Squeeze", [x, axes], outputs=["y"])
    g.output("y", FLOAT, None)
    return g.model(17)


def accepted_block_quantization(opts) -> onnx.ModelProto:
    """Opset-21 blocked QuantizeLinear (block_size 4, scales [4, 2]): read
    as per-axis along axis 1 with the 8 scales flattened."""
    g = GraphBuilder("accepted_block_quantization")
    x = g.input("x", FLOAT, [4, 8])
    s = g.initializer("scale", np.full((4, 2), 0.1, dtype=np.float32))
    zp = g.initializer("zero_point", np.zeros((4, 2), dtype=np.int8))
    emit_qdq(g, x, s, zp, output="y", axis=1, block_size=4)
    g.output("y", FLOAT, [4, 8])
    return g.model(21)


def poor_input_zero_dim(opts) -> onnx.ModelProto:
    """A graph input with a 0 dimension: rejected, but as a "dynamic
    dimension 1 ('')"."""
    return matmul_model("poor_input_zero_dim", [1, 0, 8])


def accepted_huge_input(opts) -> onnx.ModelProto:
    """Input [2^40, 2^40, 8]: the element count overflows and the
    flattening reshape becomes tensor<0x8xf32>."""
    return matmul_model("accepted_huge_input", [1 << 40, 1 << 40, 8])


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


def save_empty(model: onnx.ModelProto, path: str) -> None:
    """Writes an empty file."""
    with open(path, "wb"):
        pass


def save_garbage(model: onnx.ModelProto, path: str) -> None:
    """Writes 200 bytes from a fixed-seed generator (which do not parse)."""
    with open(path, "wb") as f:
        f.write(rng(35).integers(0, 256, size=200, dtype=np.uint8).tobytes())


def save_first_initializer(model: onnx.ModelProto, path: str) -> None:
    """Writes the model's first initializer, a TensorProto."""
    with open(path, "wb") as f:
        f.write(model.graph.initializer[0].SerializeToString())


def save_graph_only(model: onnx.ModelProto, path: str) -> None:
    """Writes the model's GraphProto without the ModelProto around it."""
    with open(path, "wb") as f:
        f.write(model.graph.SerializeToString())


def save_text(model: onnx.ModelProto, path: str) -> None:
    """Writes the model in protobuf text format."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(str(model))


def save_short_external(model: onnx.ModelProto, path: str) -> None:
    """Writes the model and a 16-byte short_weights.bin next to it."""
    with open(os.path.join(os.path.dirname(path), SHORT_WEIGHTS_FILE),
              "wb") as f:
        f.write(bytes(16))
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
    must fail), "fail_check" (check_model must fail), "none" (not
    validated: external data that onnx refuses to load but checks fine).
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
    "op_hard_activations": Entry(op_hard_activations),
    "op_mod": Entry(op_mod),
    "op_pad": Entry(op_pad),
    "op_avgpool": Entry(op_avgpool),
    "op_reductions": Entry(op_reductions),
    "op_batchnorm": Entry(op_batchnorm),
    "op_instancenorm": Entry(op_instancenorm),
    "op_resize": Entry(op_resize),
    "ort_activations": Entry(ort_activations),
    "ort_pooling": Entry(ort_pooling),
    "ort_batchnorm": Entry(ort_batchnorm),
    "qdq_int16_activations": Entry(qdq_int16_activations),
    "ort_resize": Entry(ort_resize),
    "ort_groupnorm": Entry(ort_groupnorm),
    "ort_gating": Entry(ort_gating),
    "ort_sub": Entry(ort_sub),
    "ort_avgpool": Entry(ort_avgpool),
    "ort_linear_attention": Entry(ort_linear_attention),
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
    "qop_ort_tokens": Entry(qop_ort_tokens, check="parse"),
    "ort_gelu": Entry(ort_gelu),
    "ort_layernorm13": Entry(ort_layernorm13),
    "ort_softmax": Entry(ort_softmax),
    "ort_patch_head": Entry(ort_patch_head),
    "ort_int4_weight": Entry(ort_int4_weight, check="none"),
    "bad_runtime_gamma": Entry(bad_runtime_gamma),
    "review_concat_twice": Entry(review_concat_twice),
    "review_concat_float_constant": Entry(review_concat_float_constant),
    "review_gelu_shared_pair": Entry(review_gelu_shared_pair),
    "review_int4_quantize": Entry(review_int4_quantize, check="none"),
    "review_duplicate_qop_names": Entry(review_duplicate_qop_names, check="parse"),
    "deit_fp32": Entry(deit_fp32),
    "deit_qdq": Entry(deit_qdq),
    "deit_fp32_base_size": Entry(deit_fp32_base_size, default=False),
    "bad_truncated": Entry(bad_truncated, check="fail_load", save=save_truncated),
    "bad_unknown_op": Entry(bad_unknown_op, check="fail_check"),
    "bad_unsupported_ops": Entry(bad_unsupported_ops, check="parse"),
    "bad_shape_div": Entry(bad_shape_div, check="parse"),
    "bad_attr": Entry(bad_attr, check="parse"),  # onnx 1.12 accepts it
    "bad_dynamic_dim": Entry(bad_dynamic_dim),
    "bad_missing_external": Entry(bad_missing_external, check="fail_check",
                                  save=save_missing_external),
    "external_data": Entry(external_data, save=save_external),
    "bad_empty_file": Entry(bad_empty_file, check="fail_check",
                            save=save_empty),
    "bad_garbage": Entry(bad_garbage, check="fail_load", save=save_garbage),
    "bad_not_a_model": Entry(bad_not_a_model, check="fail_load",
                             save=save_first_initializer),
    "bad_graph_not_model": Entry(bad_graph_not_model, check="fail_check",
                                 save=save_graph_only),
    "bad_text_format": Entry(bad_text_format, check="fail_load",
                             save=save_text),
    "bad_no_default_opset": Entry(bad_no_default_opset, check="fail_check"),
    "bad_opset_old": Entry(bad_opset_old, check="parse"),
    "bad_opset_new": Entry(bad_opset_new, check="fail_check"),
    "bad_undefined_input": Entry(bad_undefined_input, check="fail_check"),
    "bad_cycle": Entry(bad_cycle, check="fail_check"),
    "bad_output_never_computed": Entry(bad_output_never_computed,
                                       check="parse"),
    "bad_no_outputs": Entry(bad_no_outputs, check="parse"),
    "bad_empty_op_type": Entry(bad_empty_op_type, check="fail_check"),
    "bad_input_no_shape": Entry(bad_input_no_shape, check="fail_check"),
    "bad_complex_input": Entry(bad_complex_input, check="fail_check"),
    "bad_raw_data_size": Entry(bad_raw_data_size, check="parse"),
    "bad_negative_dim": Entry(bad_negative_dim, check="fail_check"),
    "bad_string_initializer": Entry(bad_string_initializer, check="fail_check"),
    "bad_external_no_location": Entry(bad_external_no_location,
                                      check="fail_check"),
    "bad_external_short": Entry(bad_external_short, check="parse",
                                save=save_short_external),
    "bad_matmul_inner": Entry(bad_matmul_inner, check="fail_check"),
    "bad_matmul_batch": Entry(bad_matmul_batch, check="fail_check"),
    "bad_matmul_scalar": Entry(bad_matmul_scalar, check="fail_check"),
    "bad_integer_matmul": Entry(bad_integer_matmul, check="parse"),
    "bad_gemm_inner": Entry(bad_gemm_inner, check="parse"),
    "bad_reshape_count": Entry(bad_reshape_count, check="parse"),
    "bad_conv_kernel": Entry(bad_conv_kernel, check="fail_check"),
    "bad_conv_group": Entry(bad_conv_group, check="fail_check"),
    "bad_conv_stride_zero": Entry(bad_conv_stride_zero, check="fail_check"),
    "bad_conv_1d": Entry(bad_conv_1d, check="fail_check"),
    "bad_conv_no_weight": Entry(bad_conv_no_weight, check="fail_check"),
    "bad_softmax_axis": Entry(bad_softmax_axis, check="fail_check"),
    "bad_transpose_perm_entry": Entry(bad_transpose_perm_entry,
                                      check="fail_check"),
    "bad_transpose_perm_length": Entry(bad_transpose_perm_length,
                                       check="fail_check"),
    "bad_concat_axis": Entry(bad_concat_axis, check="fail_check"),
    "bad_gather_index": Entry(bad_gather_index, check="parse"),
    "bad_gather_dynamic_index": Entry(bad_gather_dynamic_index, check="parse"),
    "bad_layernorm_scale": Entry(bad_layernorm_scale, check="parse"),
    "bad_layernorm_outputs": Entry(bad_layernorm_outputs, check="parse"),
    "bad_add_one_input": Entry(bad_add_one_input, check="fail_check"),
    "bad_mixed_types": Entry(bad_mixed_types, check="fail_check"),
    "bad_ms_op": Entry(bad_ms_op, check="fail_check"),
    "bad_custom_domain": Entry(bad_custom_domain, check="fail_check"),
    "bad_cast_target": Entry(bad_cast_target, check="fail_check"),
    "bad_constant_form": Entry(bad_constant_form, check="parse"),
    "bad_slice_step": Entry(bad_slice_step, check="fail_check"),
    "bad_squeeze_dim": Entry(bad_squeeze_dim, check="fail_check"),
    "bad_unsqueeze_axis": Entry(bad_unsqueeze_axis, check="fail_check"),
    "bad_gelu_approximate": Entry(bad_gelu_approximate, check="fail_check"),
    "bad_expand_shape": Entry(bad_expand_shape, check="fail_check"),
    "bad_quant_zero_scale": Entry(bad_quant_zero_scale, check="parse"),
    "bad_quant_negative_scale": Entry(bad_quant_negative_scale, check="parse"),
    "bad_quant_nan_scale": Entry(bad_quant_nan_scale, check="parse"),
    "bad_quant_axis_scales": Entry(bad_quant_axis_scales, check="parse"),
    "bad_quant_zero_point_type": Entry(bad_quant_zero_point_type,
                                       check="fail_check"),
    "bad_quant_zero_point_count": Entry(bad_quant_zero_point_count,
                                        check="parse"),
    "bad_quant_dynamic_scale": Entry(bad_quant_dynamic_scale, check="parse"),
    "bad_dequant_float_input": Entry(bad_dequant_float_input,
                                     check="fail_check"),
    "bad_bias_overflow": Entry(bad_bias_overflow, check="parse"),
    "bad_qlinearconv_weight_zp": Entry(bad_qlinearconv_weight_zp,
                                       check="parse"),
    "bad_qlinearconv_bias": Entry(bad_qlinearconv_bias, check="fail_check"),
    "bad_qgemm_transa": Entry(bad_qgemm_transa, check="parse"),
    "bad_qlinearsoftmax_axis": Entry(bad_qlinearsoftmax_axis, check="parse"),
    "crash_concat_no_inputs": Entry(crash_concat_no_inputs, check="fail_check",
                                    default=False),
    "crash_constantofshape_negative": Entry(crash_constantofshape_negative,
                                            check="fail_check", default=False),
    "crash_shape_div_overflow": Entry(crash_shape_div_overflow,
                                      check="fail_check", default=False),
    "crash_split_no_outputs": Entry(crash_split_no_outputs, check="fail_check",
                                    default=False),
    "crash_external_length_text": Entry(crash_external_length_text,
                                        check="none", save=save_short_external,
                                        default=False),
    "crash_external_offset_range": Entry(crash_external_offset_range,
                                         check="none", save=save_short_external,
                                         default=False),
    "poor_concat_dims": Entry(poor_concat_dims, check="fail_check",
                              default=False),
    "poor_transpose_duplicate_perm": Entry(poor_transpose_duplicate_perm,
                                           check="fail_check", default=False),
    "poor_conv_bias_length": Entry(poor_conv_bias_length, check="fail_check",
                                   default=False),
    "poor_conv_dilation_overflow": Entry(poor_conv_dilation_overflow,
                                         check="fail_check", default=False),
    "poor_split_negative": Entry(poor_split_negative, check="fail_check",
                                 default=False),
    "poor_split_uneven": Entry(poor_split_uneven, check="fail_check",
                               default=False),
    "poor_expand_negative": Entry(poor_expand_negative, check="fail_check",
                                  default=False),
    "poor_unsqueeze_duplicate_axes": Entry(poor_unsqueeze_duplicate_axes,
                                           check="fail_check", default=False),
    "poor_quantize_integer_input": Entry(poor_quantize_integer_input,
                                         check="parse", default=False),
    "accepted_rescale_range_exit0": Entry(accepted_rescale_range_exit0,
                                          check="parse", default=False),
    "accepted_dims_overflow": Entry(accepted_dims_overflow, check="fail_check",
                                    default=False),
    "accepted_external_escape": Entry(accepted_external_escape, check="none",
                                      default=False),
    "accepted_float_axis": Entry(accepted_float_axis, check="fail_check",
                                 default=False),
    "accepted_reshape_two_inferred": Entry(accepted_reshape_two_inferred,
                                           check="fail_check", default=False),
    "accepted_split_sizes": Entry(accepted_split_sizes, check="fail_check",
                                  default=False),
    "accepted_slice_lengths": Entry(accepted_slice_lengths, check="fail_check",
                                    default=False),
    "accepted_squeeze_axis": Entry(accepted_squeeze_axis, check="fail_check",
                                   default=False),
    "accepted_block_quantization": Entry(accepted_block_quantization,
                                         check="fail_check", default=False),
    "poor_input_zero_dim": Entry(poor_input_zero_dim, check="parse",
                                 default=False),
    "accepted_huge_input": Entry(accepted_huge_input, check="parse",
                                 default=False),
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
    elif check == "none":
        return
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
