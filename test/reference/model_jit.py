"""Runs a whole model through the reference lowering and MLIR's JIT.

usage: model_jit.py MODEL.onnx INPUT.raw OUTPUT.f32 --input-name NAME
                    --sample-shape 1x1x8x8 [--count N] [--vitq-tools DIR]

The model is imported at the sample shape, legalised with
`--vitq-to-integer` (or left float), called on each sample in a loop, lowered with `--vitq-lower-to-llvm`
(the lowering whose every op the NumPy reference checks bit for bit, see
check_lowering.py) and run by `mlir-runner`. The float32 result is printed
as its bit patterns, so the written OUTPUT.f32 is exact: native code from
`vitq-compile` must reproduce it byte for byte.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

from jit import RUNNER_LIBS


def tool(args, name):
    return os.path.join(args.vitq_tools, name) if args.vitq_tools else name


def import_model(args, work):
    """The model's integer (or float) vitq IR, at its own batch size."""
    imported = os.path.join(work, "model.mlir")
    subprocess.run([tool(args, "vitq-translate"), "--import-onnx", args.model,
                    f"--input-shape={args.input_name}={args.sample_shape}",
                    "-o", imported], check=True, capture_output=True)
    text = open(imported).read()
    if "vitq.quantize" in text:
        legal = os.path.join(work, "model.int.mlir")
        subprocess.run([tool(args, "vitq-opt"), imported, "--vitq-to-integer",
                        "-o", legal], check=True)
        text = open(legal).read()
    return text


def add_entry(text, data, sample_shape, samples):
    """Appends @entry: calls @main on each sample in a loop and prints the
    bit patterns of all results."""
    match = re.search(r"func\.func @main\(.*?\)\s*->\s*\(?tensor<([^>]*)>",
                      text)
    if not match:
        raise SystemExit("model_jit: cannot find @main's result type")
    result_shape = match.group(1).rsplit("x", 1)[0]
    result = f"tensor<{result_shape}xf32>"
    in_dims = sample_shape.split("x")
    out_dims = result_shape.split("x")
    sample = f"tensor<{sample_shape}xf32>"
    all_in = f"tensor<{samples}x{sample_shape}xf32>"
    all_out = f"tensor<{samples}x{result_shape}xi32>"
    rank = len(out_dims)
    dims = ", ".join(f"d{i}" for i in range(rank))
    identity = f"affine_map<({dims}) -> ({dims})>"
    parallel = ", ".join(['"parallel"'] * rank)
    zeros_in = ", ".join(["0"] * len(in_dims))
    zeros_out = ", ".join(["0"] * rank)
    ones_in = ", ".join(["1"] * (len(in_dims) + 1))
    ones_out = ", ".join(["1"] * (rank + 1))
    literal = "0x" + data.astype("<f4").tobytes().hex().upper()
    entry = f"""
  func.func private @printMemrefI32(memref<*xi32>)
  func.func @entry() {{
    %all = arith.constant dense<"{literal}"> : {all_in}
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant {samples} : index
    %init = tensor.empty() : {all_out}
    %bits = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> ({all_out}) {{
      %x = tensor.extract_slice %all[%i, {zeros_in}] [1, {", ".join(in_dims)}] [{ones_in}]
          : {all_in} to {sample}
      %y = func.call @main(%x) : ({sample}) -> {result}
      %e = tensor.empty() : tensor<{result_shape}xi32>
      %b = linalg.generic {{indexing_maps = [{identity}, {identity}],
          iterator_types = [{parallel}]}}
          ins(%y : {result}) outs(%e : tensor<{result_shape}xi32>) {{
      ^bb0(%v: f32, %o: i32):
        %w = arith.bitcast %v : f32 to i32
        linalg.yield %w : i32
      }} -> tensor<{result_shape}xi32>
      %r = tensor.insert_slice %b into %acc[%i, {zeros_out}] [1, {", ".join(out_dims)}] [{ones_out}]
          : tensor<{result_shape}xi32> into {all_out}
      scf.yield %r : {all_out}
    }}
    %m = bufferization.to_buffer %bits : {all_out} to memref<{samples}x{result_shape}xi32>
    %u = memref.cast %m : memref<{samples}x{result_shape}xi32> to memref<*xi32>
    call @printMemrefI32(%u) : (memref<*xi32>) -> ()
    return
  }}"""
    end = text.rindex("\n}")
    return text[:end] + entry + text[end:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--input-name", required=True)
    parser.add_argument("--sample-shape", required=True)
    parser.add_argument("--count", type=int, default=0,
                        help="samples to run (default: all in INPUT)")
    parser.add_argument("--vitq-tools", default="")
    args = parser.parse_args()

    data = np.fromfile(args.input, "<f4")
    per_sample = int(np.prod([int(d) for d in args.sample_shape.split("x")]))
    samples = len(data) // per_sample
    if args.count:
        samples = min(samples, args.count)
    data = data[:samples * per_sample]
    with tempfile.TemporaryDirectory() as work:
        text = import_model(args, work)
        wrapped = os.path.join(work, "entry.mlir")
        open(wrapped, "w").write(
            add_entry(text, data, args.sample_shape, samples))
        lowered = os.path.join(work, "entry.llvm.mlir")
        subprocess.run([tool(args, "vitq-opt"), wrapped,
                        "--vitq-lower-to-llvm", "-o", lowered], check=True)
        out = subprocess.run(
            ["mlir-runner", lowered, "-e", "entry",
             "-entry-point-result=void", f"-shared-libs={RUNNER_LIBS}"],
            check=True, capture_output=True, text=True).stdout
    values = re.findall(r"-?\d+", out.split("data =", 1)[1])
    bits = np.array([int(v) for v in values], np.int64).astype(np.int32)
    bits.view(np.float32).tofile(args.output)
    print(f"{args.model}: {samples} sample(s) through the reference lowering")
    return 0


if __name__ == "__main__":
    sys.exit(main())
