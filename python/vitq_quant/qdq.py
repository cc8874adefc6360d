"""Calibrates an FP32 ONNX model and writes it fully quantised in QDQ form.

    python -m vitq_quant.qdq model.onnx calib.f32 -o model_qdq.onnx
        [--activation-scheme symmetric|asymmetric] [--residual-bits 8|16]
        [--calibration minmax|percentile] [--percentile 99.99] [--int32-bias]

Layout (what vitq's importer turns into integer-only ops, with one rounding
per op):

- a QuantizeLinear/DequantizeLinear pair on the graph input and on the output
  of every MatMul/Gemm/Conv (after its bias Add, which stays float so that
  the importer folds it into the int32 accumulator), Add, LayerNormalization,
  Softmax and GELU; decomposed LayerNorm and erf GELU patterns count as one
  op (Q/DQ on their final output only); any other op on the data path gets
  one too, so that only the logits leave the integer domain;
- data movement (Reshape, Transpose, Split, Gather, Concat, ...) and Mul or
  Div by a positive scalar (the attention scale) get none: vitq carries the
  quantised type through them (the Mul only changes its scale; a Div is
  rewritten as Mul by the reciprocal, which vitq folds the same way). Inputs of a
  Concat share one set of parameters, and a constant input of one (the class
  token) is quantised like an activation;
- weights of MatMul/Gemm/Conv: int8 initializers, symmetric, per output
  channel (DequantizeLinear with `axis`); biases stay float, or with
  `--int32-bias` become what standard quantisers write: an int32
  initializer behind a DequantizeLinear with per-output-channel scale
  x_scale * w_scale[c] (zero point 0, axis 0), x_scale being the layer
  input's activation scale;
- activations: int8, asymmetric (default; the better fidelity on the digits
  ViT, in onnxruntime and in vitq's integer code) or symmetric; with
  `--residual-bits 16` the residual stream (residual Add outputs and
  LayerNorm inputs) is int16, which needs opset 21: the model is converted.

Shape computations (Shape and everything computed from it, int64 tensors)
are left alone.
"""

import argparse
import collections
import dataclasses
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper, version_converter

from .calibrate import Range, calibrate
from .graph import GraphIndex, Pattern, find_patterns

PASS_THROUGH = {"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Split",
                "Slice", "Gather", "Expand", "Identity", "Concat"}
LINEAR = {"MatMul", "Gemm", "Conv"}
INT16_OPSET = 21


@dataclasses.dataclass
class QuantParams:
    scale: float
    zero_point: int
    bits: int

    @property
    def dtype(self):
        return np.int8 if self.bits == 8 else np.int16


def activation_params(lo: float, hi: float, bits: int, symmetric: bool) -> QuantParams:
    """Scale and zero point covering [lo, hi] (always including 0)."""
    qmin, qmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if symmetric:
        amax = max(-lo, hi) or 1.0
        return QuantParams(amax / qmax, 0, bits)
    if hi == lo:
        hi = 1.0
    scale = (hi - lo) / (qmax - qmin)
    zero_point = int(np.clip(round(qmin - lo / scale), qmin, qmax))
    return QuantParams(scale, zero_point, bits)


@dataclasses.dataclass
class Bias:
    """The bias constant of a MatMul (+ Add)/Gemm/Conv, its weight and the
    op's data input (whose scale times the weight's makes the bias's)."""
    name: str
    weight: str
    input: str


class UnionFind:
    """Groups of tensors that must share quantisation parameters."""

    def __init__(self):
        self.parent: Dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> Dict[str, List[str]]:
        out: Dict[str, List[str]] = {}
        for x in list(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return out


class Planner:
    """Decides where Q/DQ pairs go, which weights are quantised and which
    tensors share parameters, walking the graph once in topological order.

    Invariant: after a data-path node is visited, all its outputs are
    quantised, either explicitly (a Q/DQ pair) or implicitly (vitq carries the
    type through a data-movement op or a positive scalar Mul).
    """

    def __init__(self, index: GraphIndex):
        self.index = index
        self.explicit: Dict[str, None] = {}  # ordered set
        self.quantised = set()
        self.weights: Dict[str, int] = {}   # weight initializer -> channel axis
        self.biases: Dict[str, Bias] = {}   # bias constant -> its linear op
        self.shared = UnionFind()
        self.residual = set()  # residual-stream tensors (int16 with --residual-bits 16)
        # Nodes are keyed by their first output: names may be missing.
        self.skipped = set()   # nodes folded into a pattern or a linear op
        self.reciprocals: List[onnx.NodeProto] = []  # Div by a scalar, to become Mul
        self.patterns: Dict[str, Pattern] = {}  # pattern output -> pattern
        for p in find_patterns(index):
            self.patterns[p.output] = p
            self.skipped.update(n.output[0] for n in p.nodes[:-1])

    def plan(self) -> "Planner":
        for node in self.index.graph.node:
            key = node.output[0]
            if key in self.skipped:
                continue
            if key in self.patterns:
                self._visit_pattern(self.patterns[key])
            elif node.output[0] in self.index.data:
                self._visit(node)
        return self

    # -- marking ------------------------------------------------------------

    def _operand(self, name: str) -> None:
        """A float input of a quantised op: quantise it if it is not yet.

        A constant moved by data-movement ops (torch's Expand of the class
        token) is quantised at its source, where the importer folds the
        QuantizeLinear into an integer constant.
        """
        self.shared.find(name)
        if name in self.quantised or not self.index.is_float(name):
            return
        self.quantised.add(name)
        producer = self.index.producer.get(name)
        if name not in self.index.data and producer is not None \
                and producer.op_type in PASS_THROUGH:
            self._visit_pass_through(producer)
        else:
            self.explicit[name] = None

    def _output(self, name: str) -> None:
        """The output of a computing op: Q/DQ, except for graph outputs (the
        logits stay float)."""
        if name not in self.index.graph_outputs and self.index.is_float(name):
            self.explicit[name] = None
            self.quantised.add(name)
            self.shared.find(name)

    def _compute(self, operands: Sequence[str], output: str) -> None:
        for name in operands:
            self._operand(name)
        self._output(output)

    # -- node kinds -----------------------------------------------------------

    def _visit_pattern(self, p: Pattern) -> None:
        if p.kind == "layernorm":
            self.residual.add(p.input)
        self._compute([p.input], p.output)

    def _visit(self, node: onnx.NodeProto) -> None:
        op, ins, index = node.op_type, list(node.input), self.index
        if op in LINEAR and ins[1] in index.initializers and index.is_float(ins[1]):
            self._visit_linear(node)
        elif op == "LayerNormalization":
            self.residual.add(ins[0])
            self._compute(ins[:1], node.output[0])
        elif op == "Add":
            data = [i for i in ins if i in index.data]
            if len(data) == 2:
                self.residual.add(node.output[0])
            self._compute(data, node.output[0])
        elif op in ("Mul", "Div") and self._scaled_operand(node) is not None:
            self._operand(self._scaled_operand(node))
            self.quantised.add(node.output[0])
            if op == "Div":
                self.reciprocals.append(node)
        elif op in PASS_THROUGH:
            self._visit_pass_through(node)
        else:  # Softmax, Gelu, Mul of two activations, any other float op
            data = [i for i in ins if i in index.data and index.is_float(i)]
            self._compute(data, node.output[0])

    def _visit_linear(self, node: onnx.NodeProto) -> None:
        """MatMul/Gemm/Conv with a weight initializer; a MatMul's bias Add
        joins it so that the bias is added in the int32 accumulator."""
        w = node.input[1]
        rank = len(self.index.initializers[w].dims)
        if node.op_type == "Gemm":
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            axis = 0 if trans_b else 1
        else:
            axis = 0 if node.op_type == "Conv" else rank - 1
        self.weights[w] = axis
        output = node.output[0]
        bias_add = self.index.sole_consumer(output, "Add") if node.op_type == "MatMul" \
            else None
        bias = None
        if bias_add is not None and self.index.other_input(bias_add, output) \
                in self.index.constants:
            self.skipped.add(bias_add.output[0])
            output = bias_add.output[0]
            bias = self.index.other_input(bias_add, node.output[0])
        elif node.op_type in ("Gemm", "Conv") and len(node.input) > 2 \
                and node.input[2] in self.index.constants:
            beta = next((a.f for a in node.attribute if a.name == "beta"), 1.0)
            bias = node.input[2] if beta == 1.0 else None
        if bias is not None and self._per_channel_bias(bias, w, axis):
            self.biases[bias] = Bias(bias, w, node.input[0])
        self._compute(node.input[:1], output)

    def _per_channel_bias(self, bias: str, weight: str, axis: int) -> bool:
        """Whether `bias` is a float vector with one value per output channel
        of `weight` (what an int32 per-channel bias can replace)."""
        value = self.index.constants[bias]
        channels = self.index.initializers[weight].dims[axis]
        return value.dtype == np.float32 and value.shape == (channels,) \
            and bias not in self.biases and bias not in self.index.data

    def input_scale(self, name: str, params: Dict[str, "QuantParams"]) -> float:
        """The activation scale of tensor `name` as vitq sees it: that of its
        group's explicit Q/DQ, times the positive scalars of the Mul/Div it
        went through since."""
        factor = 1.0
        groups = self.shared.groups()
        while True:
            members = groups.get(self.shared.find(name), [])
            scaled = next((params[m] for m in members if m in params), None)
            if scaled is not None:
                return scaled.scale * factor
            producer = self.index.producer.get(name)
            if producer is None:
                raise ValueError(f"'{name}' has no quantisation parameters")
            if producer.op_type in ("Mul", "Div") and self._scaled_operand(producer):
                data = self._scaled_operand(producer)
                value = self.index.scalar(self.index.other_input(producer, data))
                factor *= value if producer.op_type == "Mul" else 1.0 / value
                name = data
            elif producer.op_type in PASS_THROUGH:
                name = producer.input[0]
            else:
                raise ValueError(f"'{name}' ({producer.op_type}) has no quantisation "
                                 f"parameters")

    def _scaled_operand(self, node: onnx.NodeProto) -> Optional[str]:
        """x of Mul(x, c), Mul(c, x) or Div(x, c) with a positive scalar
        constant c; else None."""
        a, b = node.input
        orders = [(a, b)] if node.op_type == "Div" else [(a, b), (b, a)]
        for data, const in orders:
            value = self.index.scalar(const)
            if data in self.index.data and value is not None and value > 0:
                return data
        return None

    def _visit_pass_through(self, node: onnx.NodeProto) -> None:
        """Data movement: outputs share the parameters of the moved inputs
        (all of a Concat's inputs, otherwise the first)."""
        moved = [i for i in node.input if self.index.is_float(i)] \
            if node.op_type == "Concat" else node.input[:1]
        for name in moved:
            self._operand(name)
            for out in node.output:
                self.shared.union(out, name)
        self.quantised.update(node.output)

    # -- parameters -----------------------------------------------------------

    def params(self, ranges: Dict[str, Range], symmetric: bool,
               residual_bits: int) -> Dict[str, QuantParams]:
        """Parameters of each explicit tensor from its group's joint range."""
        result = {}
        for members in self.shared.groups().values():
            explicit = [m for m in members if m in self.explicit]
            if not explicit:
                continue
            lo = min(ranges[m][0] for m in explicit)
            hi = max(ranges[m][1] for m in explicit)
            bits = residual_bits if self.residual.intersection(members) else 8
            p = activation_params(lo, hi, bits, symmetric)
            result.update((m, p) for m in explicit)
        return result


def quantise_weight(w: np.ndarray, axis: int):
    """int8 symmetric per-channel along `axis`: (int8 values, scales)."""
    reduce = tuple(d for d in range(w.ndim) if d != axis)
    amax = np.max(np.abs(w), axis=reduce)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


class Writer:
    """Rewrites the graph with the planned Q/DQ pairs and weight DQs."""

    def __init__(self, model: onnx.ModelProto, planner: Planner,
                 params: Dict[str, QuantParams], int32_bias: bool = False):
        self.model, self.planner, self.params = model, planner, params
        self.index = planner.index
        self.int32_bias = int32_bias
        self.initializers: List[onnx.TensorProto] = []
        self.weight_scales: Dict[str, np.ndarray] = {}

    def _dq_name(self, tensor: str) -> str:
        return f"{tensor}_dequantized"

    def _qdq(self, tensor: str) -> List[onnx.NodeProto]:
        p = self.params[tensor]
        scale, zp = f"{tensor}_scale", f"{tensor}_zero_point"
        self.initializers += [numpy_helper.from_array(np.array(p.scale, np.float32), scale),
                              numpy_helper.from_array(np.array(p.zero_point, p.dtype), zp)]
        q = f"{tensor}_quantized"
        return [helper.make_node("QuantizeLinear", [tensor, scale, zp], [q],
                                 name=f"{tensor}_QuantizeLinear"),
                helper.make_node("DequantizeLinear", [q, scale, zp], [self._dq_name(tensor)],
                                 name=f"{tensor}_DequantizeLinear")]

    def _weight_dq(self, name: str, axis: int) -> onnx.NodeProto:
        q, scale = quantise_weight(numpy_helper.to_array(self.index.initializers[name]), axis)
        self.weight_scales[name] = scale
        self.initializers += [
            numpy_helper.from_array(q, f"{name}_quantized"),
            numpy_helper.from_array(scale, f"{name}_scale"),
            numpy_helper.from_array(np.zeros(scale.shape, np.int8), f"{name}_zero_point")]
        return helper.make_node(
            "DequantizeLinear", [f"{name}_quantized", f"{name}_scale", f"{name}_zero_point"],
            [self._dq_name(name)], name=f"{name}_DequantizeLinear", axis=axis)

    def _bias_dq(self, bias: Bias) -> onnx.NodeProto:
        """int32 bias, scale x_scale * w_scale[c] per output channel (axis 0),
        zero point 0: how quantize_static and other quantisers write it."""
        value = self.index.constants[bias.name].astype(np.float64)
        x_scale = self.planner.input_scale(bias.input, self.params)
        scale = (x_scale * self.weight_scales[bias.weight].astype(np.float64)) \
            .astype(np.float32)
        limits = np.iinfo(np.int32)
        q = np.clip(np.round(value / scale.astype(np.float64)), limits.min, limits.max)
        name = bias.name
        self.initializers += [
            numpy_helper.from_array(q.astype(np.int32), f"{name}_quantized"),
            numpy_helper.from_array(scale, f"{name}_scale"),
            numpy_helper.from_array(np.zeros(scale.shape, np.int32), f"{name}_zero_point")]
        return helper.make_node(
            "DequantizeLinear", [f"{name}_quantized", f"{name}_scale", f"{name}_zero_point"],
            [self._dq_name(name)], name=f"{name}_DequantizeLinear", axis=0)

    def _divide_by_multiplying(self, node: onnx.NodeProto) -> None:
        """Div(x, c) -> Mul(x, 1/c): vitq folds a positive scalar Mul into
        the quantised type's scale, but keeps a Div float."""
        name = f"{node.output[0]}_reciprocal"
        value = self.index.constants[node.input[1]]
        self.initializers.append(
            numpy_helper.from_array(np.reciprocal(value).astype(np.float32), name))
        node.op_type = "Mul"
        node.input[1] = name

    def write(self) -> onnx.ModelProto:
        plan, graph = self.planner, self.model.graph
        renamed = set(plan.weights) | set(plan.explicit)
        nodes = [self._weight_dq(w, axis) for w, axis in plan.weights.items()]
        if self.int32_bias:  # before the Div rewrite: input_scale reads the Divs
            renamed |= set(plan.biases)
            nodes += [self._bias_dq(b) for b in plan.biases.values()]
        for node in plan.reciprocals:
            self._divide_by_multiplying(node)
        for name in plan.explicit:  # graph inputs and constants come first
            if name not in self.index.producer:
                nodes += self._qdq(name)
        for node in graph.node:
            for i, name in enumerate(node.input):
                if name in renamed:
                    node.input[i] = self._dq_name(name)
            nodes.append(node)
            for name in node.output:
                if name in plan.explicit:
                    nodes += self._qdq(name)
        del graph.node[:]
        graph.node.extend(nodes)
        used = {i for n in nodes for i in n.input}
        kept = [t for t in graph.initializer if t.name in used]
        del graph.initializer[:]
        graph.initializer.extend(kept + self.initializers)
        return self.model


def prepare(model: onnx.ModelProto, residual_bits: int) -> onnx.ModelProto:
    """Upgrades the opset where the quantised form needs it: 13 for per-axis
    DequantizeLinear, 21 for int16 QuantizeLinear/DequantizeLinear."""
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    need = INT16_OPSET if residual_bits == 16 else 13
    if opset < need:
        model = version_converter.convert_version(model, need)
        model.ir_version = max(model.ir_version, 10 if need >= 21 else 7)
    return model


def quantise(model: onnx.ModelProto, calibration: str, symmetric: bool = False,
             residual_bits: int = 8, method: str = "minmax",
             percentile: float = 99.99, int32_bias: bool = False) -> onnx.ModelProto:
    """The whole flow: plan, calibrate the planned tensors, rewrite (`model`
    is rewritten in place)."""
    model = prepare(model, residual_bits)
    planner = Planner(GraphIndex(model)).plan()
    activations = [t for t in planner.explicit if t not in planner.index.constants]
    ranges = calibrate(model, calibration, activations, method, percentile)
    for name in planner.explicit:
        value = planner.index.constants.get(name)
        if value is not None:
            ranges[name] = (float(value.min()), float(value.max()))
    params = planner.params(ranges, symmetric, residual_bits)
    quantised = Writer(model, planner, params, int32_bias).write()
    onnx.checker.check_model(quantised)
    return quantised


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m vitq_quant.qdq",
        description="Calibrate an FP32 ONNX model and write a fully quantised QDQ model.")
    parser.add_argument("model", help="FP32 ONNX model")
    parser.add_argument("calibration", help="raw float32 samples in the model's input shape")
    parser.add_argument("-o", "--output", required=True, help="QDQ model to write")
    parser.add_argument("--activation-scheme", choices=["symmetric", "asymmetric"],
                        default="asymmetric")
    parser.add_argument("--residual-bits", type=int, choices=[8, 16], default=8,
                        help="bits of the residual stream (16: opset 21)")
    parser.add_argument("--calibration-method", choices=["minmax", "percentile"],
                        default="minmax")
    parser.add_argument("--percentile", type=float, default=99.99,
                        help="for --calibration-method percentile")
    parser.add_argument("--int32-bias", action="store_true",
                        help="biases of MatMul(+Add)/Gemm/Conv as int32 initializers "
                             "behind a per-channel DequantizeLinear (scale x_scale * "
                             "w_scale), as standard quantisers write them")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    model = quantise(onnx.load(args.model), args.calibration,
                     symmetric=args.activation_scheme == "symmetric",
                     residual_bits=args.residual_bits, method=args.calibration_method,
                     percentile=args.percentile, int32_bias=args.int32_bias)
    onnx.save(model, args.output)
    ops = collections.Counter(n.op_type for n in model.graph.node)
    weights = sum(1 for n in model.graph.node
                  if n.op_type == "DequantizeLinear" and n.attribute)
    int32 = {t.name for t in model.graph.initializer
             if t.data_type == onnx.TensorProto.INT32}
    biases = sum(1 for n in model.graph.node
                 if n.op_type == "DequantizeLinear" and n.input[0] in int32)
    print(f"{args.output}: {ops['QuantizeLinear']} activation Q/DQ pairs, "
          f"{weights - biases} per-channel weights"
          + (f", {biases} int32 biases" if biases else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
