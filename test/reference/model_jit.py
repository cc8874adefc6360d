"""Runs a whole model through the reference lowering and MLIR's JIT.

usage: model_jit.py MODEL.onnx INPUT.raw OUTPUT.f32 --input-name NAME
                    --sample-shape 1x1x8x8 [--count N] [--vitq-tools DIR]

The model is imported with the batch of all N samples, legalised with
`--vitq-to-integer` (or left float), lowered with `--vitq-lower-to-llvm`
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

RUNNER_LIBS = ",".join(
    os.path.join("/usr/lib/llvm-22/lib", lib)
    for lib in ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))


def tool(args, name):
    return os.path.join(args.vitq_tools, name) if args.vitq_tools else name


def import_batched(args, samples, work):
    """The model's integer (or float) vitq IR at batch `samples`."""
    dims = [int(d) for d in args.sample_shape.split("x")]
    batch = "x".join(str(d) for d in [dims[0] * samples] + dims[1:])
    imported = os.path.join(work, "model.mlir")
    subprocess.run([tool(args, "vitq-translate"), "--import-onnx", args.model,
                    f"--input-shape={args.input_name}={batch}",
                    "-o", imported], check=True, capture_output=True)
    text = open(imported).read()
    if "vitq.quantize" in text:
        legal = os.path.join(work, "model.int.mlir")
        subprocess.run([tool(args, "vitq-opt"), imported, "--vitq-to-integer",
                        "-o", legal], check=True)
        text = open(legal).read()
    return text, batch


def add_entry(text, data, batch):
    """Appends @entry: calls @main on the samples, prints the result bits."""
    match = re.search(r"func\.func @main\(.*?\)\s*->\s*\(?(tensor<[^>]*>)",
                      text)
    if not match:
        raise SystemExit("model_jit: cannot find @main's result type")
    result = match.group(1)
    shape = result[len("tensor<"):-1].rsplit("x", 1)[0]
    in_type = f"tensor<{batch}xf32>"
    rank = len(shape.split("x"))
    dims = ", ".join(f"d{i}" for i in range(rank))
    identity = f"affine_map<({dims}) -> ({dims})>"
    parallel = ", ".join(['"parallel"'] * rank)
    literal = "0x" + data.astype("<f4").tobytes().hex().upper()
    entry = f"""
  func.func private @printMemrefI32(memref<*xi32>)
  func.func @entry() {{
    %x = arith.constant dense<"{literal}"> : {in_type}
    %y = call @main(%x) : ({in_type}) -> {result}
    %e = tensor.empty() : tensor<{shape}xi32>
    %i = linalg.generic {{indexing_maps = [{identity}, {identity}],
        iterator_types = [{parallel}]}}
        ins(%y : {result}) outs(%e : tensor<{shape}xi32>) {{
    ^bb0(%v: f32, %o: i32):
      %w = arith.bitcast %v : f32 to i32
      linalg.yield %w : i32
    }} -> tensor<{shape}xi32>
    %b = bufferization.to_buffer %i : tensor<{shape}xi32> to memref<{shape}xi32>
    %u = memref.cast %b : memref<{shape}xi32> to memref<*xi32>
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
        text, batch = import_batched(args, samples, work)
        wrapped = os.path.join(work, "entry.mlir")
        open(wrapped, "w").write(add_entry(text, data, batch))
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
