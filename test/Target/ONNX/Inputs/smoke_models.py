"""Writes the small ONNX models of the importer smoke tests to OUTDIR.

Usage: python3 smoke_models.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(model, outdir, name, opset):
    model.opset_import[0].version = opset
    model.ir_version = 8
    onnx.save(model, os.path.join(outdir, name + ".onnx"))


def matmul_softmax(outdir):
    """MatMul by a weight, then Softmax; the batch dimension is symbolic."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((8, 96)).astype(np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="/blocks.0/mlp/MatMul"),
         helper.make_node("Softmax", ["y"], ["z"], name="/blocks.0/Softmax", axis=-1)],
        "matmul_softmax",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 5, 8])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)], [w])
    save(helper.make_model(graph), outdir, "matmul_softmax", 17)


def qdq_matmul(outdir):
    """A QDQ MatMul island with an int8 weight initializer."""
    rng = np.random.default_rng(1)
    f32 = lambda n, v: numpy_helper.from_array(np.array(v, np.float32), n)
    i8 = lambda n, v: numpy_helper.from_array(np.array(v, np.int8), n)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"], name="/q_x"),
        helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"], name="/dq_x"),
        helper.make_node("DequantizeLinear", ["wq", "sw", "zw"], ["wd"], name="/dq_w"),
        helper.make_node("MatMul", ["xd", "wd"], ["y"], name="/MatMul"),
        helper.make_node("QuantizeLinear", ["y", "sy", "zx"], ["yq"], name="/q_y"),
        helper.make_node("DequantizeLinear", ["yq", "sy", "zx"], ["yd"], name="/dq_y"),
    ]
    inits = [i8("wq", rng.integers(-127, 128, (8, 6))), f32("sx", 0.05), i8("zx", 0),
             f32("sw", [0.01] * 6), i8("zw", [0] * 6), f32("sy", 0.1)]
    for n in nodes:
        if n.name == "/dq_w":
            n.attribute.append(helper.make_attribute("axis", 1))
    graph = helper.make_graph(
        nodes, "qdq_matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8])],
        [helper.make_tensor_value_info("yd", TensorProto.FLOAT, None)], inits)
    save(helper.make_model(graph), outdir, "qdq_matmul", 13)


def unknown_op(outdir):
    graph = helper.make_graph(
        [helper.make_node("FancyOp", ["x"], ["y"], name="/fancy")], "unknown_op",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    save(helper.make_model(graph), outdir, "unknown_op", 17)


def dynamic_dim(outdir):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="/relu")], "dynamic_dim",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "seq", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    save(helper.make_model(graph), outdir, "dynamic_dim", 17)


def truncated(outdir):
    matmul_softmax(outdir)
    path = os.path.join(outdir, "matmul_softmax.onnx")
    data = open(path, "rb").read()
    with open(os.path.join(outdir, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) * 6 // 10])


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for make in (matmul_softmax, qdq_matmul, unknown_op, dynamic_dim, truncated):
        make(out)
