"""Read-only views of an ONNX graph: producers, consumers, constants, types,
and the two decomposed patterns torch exports below opset 17/20.

The QDQ maker needs to know which tensors carry data (depend on the graph
input) and which are foldable constants (initializers, Constant nodes, shape
arithmetic), and it must not put Q/DQ inside a decomposed LayerNorm or GELU:
vitq's importer only fuses them when no inner value is used elsewhere.
"""

import collections
import dataclasses
from typing import Dict, List, Optional, Sequence

import numpy as np
import onnx
from onnx import numpy_helper

# Ops whose outputs are shapes: everything computed from them is foldable once
# the batch is fixed, as vitq's importer does.
SHAPE_OPS = {"Shape", "Size"}


class GraphIndex:
    """Producers, consumers, constant values and element types of a graph."""

    def __init__(self, model: onnx.ModelProto):
        inferred = onnx.shape_inference.infer_shapes(model)
        graph = model.graph
        self.graph = graph
        self.producer: Dict[str, onnx.NodeProto] = {}
        self.consumers: Dict[str, List[onnx.NodeProto]] = collections.defaultdict(list)
        for node in graph.node:
            for name in node.output:
                self.producer[name] = node
            for name in node.input:
                if name:
                    self.consumers[name].append(node)
        self.initializers = {t.name: t for t in graph.initializer}
        self.constants: Dict[str, np.ndarray] = {
            name: numpy_helper.to_array(t) for name, t in self.initializers.items()}
        for node in graph.node:
            if node.op_type == "Constant" and node.attribute[0].name == "value":
                self.constants[node.output[0]] = numpy_helper.to_array(
                    node.attribute[0].t)
        self.graph_inputs = [i.name for i in graph.input
                             if i.name not in self.initializers]
        self.graph_outputs = {o.name for o in graph.output}
        self.elem_type: Dict[str, int] = {}
        for info in (list(inferred.graph.value_info) + list(inferred.graph.input)
                     + list(inferred.graph.output)):
            self.elem_type[info.name] = info.type.tensor_type.elem_type
        for name, t in self.initializers.items():
            self.elem_type[name] = t.data_type
        self.data = self._data_tensors()

    def _data_tensors(self) -> set:
        """Tensors that depend on a graph input other than through a shape."""
        data = set(self.graph_inputs)
        for node in self.graph.node:  # ONNX graphs are topologically sorted
            if node.op_type not in SHAPE_OPS and any(i in data for i in node.input):
                data.update(node.output)
        return data

    def is_float(self, name: str) -> bool:
        return self.elem_type.get(name) == onnx.TensorProto.FLOAT

    def sole_consumer(self, name: str, op_type: str) -> Optional[onnx.NodeProto]:
        """The only consumer of `name` if it has type `op_type`, else None."""
        users = self.consumers.get(name, [])
        if len(users) == 1 and users[0].op_type == op_type \
                and name not in self.graph_outputs:
            return users[0]
        return None

    def consumer(self, name: str, op_type: str) -> Optional[onnx.NodeProto]:
        """The first consumer of `name` with type `op_type`, if any."""
        return next((n for n in self.consumers.get(name, []) if n.op_type == op_type),
                    None)

    def scalar(self, name: str) -> Optional[float]:
        """The value of a one-element constant, else None."""
        value = self.constants.get(name)
        return float(value.reshape(-1)[0]) if value is not None and value.size == 1 \
            else None

    def other_input(self, node: onnx.NodeProto, name: str) -> str:
        """The input of a binary node that is not `name`."""
        a, b = node.input
        return b if a == name else a


@dataclasses.dataclass
class Pattern:
    """A decomposed op: one data input, one output, inner nodes not to touch."""
    kind: str  # "layernorm" or "gelu"
    input: str
    output: str
    nodes: List[onnx.NodeProto]


def _chain(index: GraphIndex, start: str, op_types: Sequence[str]) \
        -> Optional[List[onnx.NodeProto]]:
    """Follows sole consumers of the given op types from tensor `start`."""
    nodes, tensor = [], start
    for op_type in op_types:
        node = index.sole_consumer(tensor, op_type)
        if node is None:
            return None
        nodes.append(node)
        tensor = node.output[0]
    return nodes


def match_layernorm(index: GraphIndex, mean: onnx.NodeProto) -> Optional[Pattern]:
    """torch's opset-13 LayerNorm from its first ReduceMean:
    ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div [, Mul gamma] [, Add beta].
    """
    x = mean.input[0]
    sub = index.sole_consumer(mean.output[0], "Sub")
    if sub is None or list(sub.input) != [x, mean.output[0]]:
        return None
    users = index.consumers[sub.output[0]]
    pow_ = next((n for n in users if n.op_type == "Pow"), None)
    div = next((n for n in users if n.op_type == "Div"), None)
    if len(users) != 2 or pow_ is None or div is None:
        return None
    variance = _chain(index, pow_.output[0], ["ReduceMean", "Add", "Sqrt"])
    if variance is None or list(div.input) != [sub.output[0], variance[-1].output[0]]:
        return None
    nodes = [mean, sub, pow_, *variance, div]
    for op_type in ("Mul", "Add"):  # optional affine part
        node = index.sole_consumer(nodes[-1].output[0], op_type)
        if node is None or index.other_input(node, nodes[-1].output[0]) \
                not in index.constants:
            break
        nodes.append(node)
    return Pattern("layernorm", x, nodes[-1].output[0], nodes)


def match_gelu(index: GraphIndex, erf: onnx.NodeProto) -> Optional[Pattern]:
    """torch's erf GELU from its Erf: x * 0.5 * (1 + erf(x / sqrt 2)) in the
    orders Mul(Mul(x, 1 + erf), 0.5) and Mul(Mul(x, 0.5), 1 + erf)."""
    pre = index.producer.get(erf.input[0])
    if pre is None or pre.op_type not in ("Div", "Mul") \
            or pre.input[1] not in index.constants:
        return None
    x = pre.input[0]
    add = index.sole_consumer(erf.output[0], "Add")
    if add is None:
        return None
    mul = index.sole_consumer(add.output[0], "Mul")
    if mul is None:
        return None
    other = index.other_input(mul, add.output[0])
    if other == x:
        half = index.sole_consumer(mul.output[0], "Mul")
        if half is None:
            return None
        return Pattern("gelu", x, half.output[0], [pre, erf, add, mul, half])
    half = index.producer.get(other)
    if half is not None and half.op_type == "Mul" and x in half.input \
            and index.sole_consumer(other, "Mul") is mul:
        return Pattern("gelu", x, mul.output[0], [pre, half, erf, add, mul])
    return None


def find_patterns(index: GraphIndex) -> List[Pattern]:
    """Every decomposed LayerNorm and erf GELU of the graph."""
    matchers = {"ReduceMean": match_layernorm, "Erf": match_gelu}
    found = (matchers[n.op_type](index, n) for n in index.graph.node
             if n.op_type in matchers)
    return [p for p in found if p is not None]
