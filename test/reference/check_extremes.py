#!/usr/bin/env python3
"""All-max and all-min operands on real layer shapes, bit-exact.

Every integer op gets the operands that drive its intermediates furthest:
rows and weight columns of all 127, all -128 and alternating signs, at the
reduction lengths of ViT layers (K = 768 and K = 3072, patch embedding
3 x 16 x 16, attention K = 64), accumulators pushed to INT32_MAX and
INT32_MIN exactly by the bias, int32 and int16 extremes into the rescaling
and I-ViT ops. The module first has to pass `vitq-check-overflow` (the
bounds are proven), then runs through the portable lowering and, given the
kernel library (--kernels), through the library's path with each
instruction set as the cap (VITQ_ISA), compared element by element with the
NumPy reference. Prints one line per case and lowering; exits non-zero on
any difference.

Usage: check_extremes.py [--kernels libvitq_kernels.so] [--vitq-opt PATH]
                         [--runner PATH]
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jit  # noqa: E402
import vitq_reference as R  # noqa: E402
from check_library import ISAS, LOWERING  # noqa: E402
from jit import Case  # noqa: E402

I32_MAX = np.iinfo(np.int32).max
I32_MIN = np.iinfo(np.int32).min


def extreme_rows(rows, k, dtype=np.int8):
    """All max, all min, alternating max/min, alternating min/max, zeros."""
    info = np.iinfo(dtype)
    x = np.zeros((rows, k), dtype)
    x[0], x[1] = info.max, info.min
    x[2, 0::2], x[2, 1::2] = info.max, info.min
    x[3, 0::2], x[3, 1::2] = info.min, info.max
    return x


def extreme_columns(k, n):
    """[K, N] int8: columns of all 127, all -128 and alternating signs."""
    w = np.zeros((k, n), np.int8)
    third = n // 3
    w[:, :third] = 127
    w[:, third:2 * third] = -128
    w[0::2, 2 * third:] = 127
    w[1::2, 2 * third:] = -128
    return w


def edge_bias(x, w):
    """A bias that takes the largest accumulator of each column to exactly
    INT32_MAX, or (every other column) the smallest to INT32_MIN."""
    acc = x.astype(np.int64) @ w.astype(np.int64)
    bias = np.where(np.arange(w.shape[1]) % 2 == 0,
                    I32_MAX - acc.max(axis=0), I32_MIN - acc.min(axis=0))
    return bias.astype(np.int32)


def linear_case(name, x, w, bias=None, transposed=False, zp=0,
                rescale=None):
    attrs = []
    if zp:
        attrs.append(f"input_zp = {zp} : i32")
    if transposed:
        attrs.append("transpose_weight")
    multipliers = shifts = None
    result = np.int32
    if rescale:
        multipliers, shifts = rescale
        pairs = ", ".join(f"({m}, {s})" for m, s in zip(*rescale))
        attrs.append(f"rescale = #vitq.rescale<axis = {x.ndim - 1}, "
                     f"[{pairs}]>")
        result = np.int8
    operands = [x, w] + ([bias] if bias is not None else [])
    types = "{T0}, {T1}" + (", {T2}" if bias is not None else "")
    names = "{0}, {1}" + (", {2}" if bias is not None else "")
    attr_text = (" {{" + ", ".join(attrs) + "}}") if attrs else ""
    n = w.shape[0] if transposed else w.shape[1]
    expected = R.linear(x, w, bias, multipliers, shifts,
                        axis=x.ndim - 1 if rescale else None,
                        transpose_weight=transposed, input_zp=zp)
    return (Case(name, f"vitq.linear {names}{attr_text} : ({types}) -> {{R}}",
                 operands, x.shape[:-1] + (n,), result), expected)


def cases():
    """(Case, expected) pairs."""
    out = []
    # Linear layers at K = 768 and K = 3072 (weights [K, N] and [N, K]).
    x768 = extreme_rows(5, 768)
    w768 = extreme_columns(768, 24)
    out.append(linear_case("linear K=768 all max/min", x768, w768))
    out.append(linear_case("linear K=768 all max/min, input_zp -128", x768,
                           w768, zp=-128))
    out.append(linear_case("linear K=768 bias to INT32_MAX/MIN", x768, w768,
                           edge_bias(x768, w768)))
    x3072 = extreme_rows(5, 3072)
    w3072 = extreme_columns(3072, 18)
    out.append(linear_case("linear K=3072 transposed, bias to INT32_MAX/MIN",
                           x3072, np.ascontiguousarray(w3072.T),
                           edge_bias(x3072, w3072), transposed=True))
    out.append(linear_case(
        "linear K=3072 requantized to int8 (saturating)", x3072, w3072,
        rescale=([1073741824 + 12345 * c for c in range(18)],
                 [26 + c % 8 for c in range(18)])))

    # Attention scores: Q x K^T per head at K = 64, all -128 and all 127.
    q = np.full((2, 4, 64), -128, np.int8)
    q[1] = 127
    kt = np.full((2, 6, 64), -128, np.int8)
    kt[:, 3:] = 127
    out.append((Case("matmul attention K=64 all max/min",
                     "vitq.matmul {0}, {1} {{transpose_rhs}} : {T0}, {T1} -> "
                     "{R}", [q, kt], (2, 4, 6), np.int32),
                R.matmul(q, kt, transpose_rhs=True)))

    # Patch embedding: K = 3 x 16 x 16 = 768.
    img = np.full((1, 3, 32, 32), 127, np.int8)
    img[:, :, 16:, :] = -128
    img[:, :, :16, 16:] = 0
    wpe = np.full((4, 3, 16, 16), 127, np.int8)
    wpe[1] = -128
    wpe[2, :, 0::2] = -128
    wpe[3] = 0
    out.append((Case("conv2d patch embedding K=768 all max/min",
                     "vitq.conv2d {0}, {1} {{strides = array<i64: 16, 16>}} : "
                     "({T0}, {T1}) -> {R}", [img, wpe], (1, 4, 2, 2),
                     np.int32),
                R.conv2d(img, wpe, strides=(16, 16))))

    # Requantization of int32 accumulators at INT32_MIN and INT32_MAX.
    acc = np.array([[I32_MIN, I32_MAX, -1, 0, 1, I32_MIN + 1]], np.int32)
    out.append((Case("requantize int32 extremes, multiplier 2^31-1 shift 31",
                     "vitq.requantize {0} {{rescale = #vitq.rescale<"
                     "2147483647, 31>}} : {T0} -> {R}", [acc], acc.shape,
                     np.int16),
                R.requantize(acc, [2147483647], [31], out_dtype=np.int16)))
    out.append((Case("requantize int32 extremes, input_zp INT32_MAX",
                     "vitq.requantize {0} {{input_zp = 2147483647 : i32, "
                     "rescale = #vitq.rescale<1073741824, 40>}} : {T0} -> {R}",
                     [acc], acc.shape, np.int8),
                R.requantize(acc, [1073741824], [40], input_zp=I32_MAX)))

    # The residual stream: int16 + int8 at their extremes.
    res = extreme_rows(5, 192, np.int16)
    branch = extreme_rows(5, 192)[::-1].copy()
    out.append((Case("add int16 + int8 extremes",
                     "vitq.add {0}, {1} {{lhs_multiplier = 2147483647 : i32, "
                     "rhs_multiplier = 2147483647 : i32, shift = 31 : i32}} : "
                     "{T0}, {T1} -> {R}", [res, branch], res.shape, np.int16),
                R.add(res, branch, 2147483647, 2147483647, 31,
                      out_dtype=np.int16)))

    # I-ViT non-linears on extreme rows.
    scores = extreme_rows(5, 197, np.int32)
    out.append((Case("shiftmax int32 extremes, row 197",
                     "vitq.shiftmax {0} {{x0 = -80 : i32, exp_shift = 24 : "
                     "i32}} : {T0} -> {R}", [scores], scores.shape, np.int16),
                R.shiftmax(scores, -80, 24)))
    hidden = extreme_rows(5, 3072)
    out.append((Case("shiftgelu int8 extremes, row 3072",
                     "vitq.shiftgelu {0} {{x0 = -20 : i32, exp_shift = 26 : "
                     "i32, rescale = #vitq.rescale<1073741824, 45>}} : {T0} -> "
                     "{R}", [hidden], hidden.shape, np.int8),
                R.shiftgelu(hidden, -20, 26, [1073741824], [45])))
    stream = extreme_rows(5, 768, np.int16)
    stream[4, 7] = 32767  # one spike in a row of zeros
    out.append((Case("ilayernorm int16 extremes, row 768",
                     "vitq.ilayernorm {0} {{rescale = #vitq.rescale<"
                     "2147483647, 32>, bias = array<i32: -3>}} : {T0} -> {R}",
                     [stream], stream.shape, np.int8),
                R.ilayernorm(stream, [2147483647], [32], None, [-3])))
    return out


def check_overflow(vitq_opt, pairs):
    """The overflow analysis must prove every case's bounds."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "extremes.mlir")
        with open(path, "w") as f:
            f.write(jit.build_module([c for c, _ in pairs]))
        run = subprocess.run([vitq_opt, path, "--vitq-check-overflow",
                              "-o", os.devnull], capture_output=True,
                             text=True)
    print("vitq-check-overflow: " +
          ("bounds proven" if run.returncode == 0 else "FAILED"))
    if run.returncode:
        print(run.stderr[:4000])
    return run.returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels",
                        help="the kernel library as a shared object")
    parser.add_argument("--vitq-opt", default="vitq-opt")
    parser.add_argument("--runner", default="mlir-runner")
    args = parser.parse_args()
    pairs = cases()
    ok = check_overflow(args.vitq_opt, pairs)
    cases_only = [c for c, _ in pairs]
    runs = [("portable", jit.run_cases(cases_only, args.vitq_opt, args.runner,
                                       "--vitq-lower-to-llvm"))]
    if args.kernels:
        pipeline = "--pass-pipeline=builtin.module(" + LOWERING + ")"
        results = jit.run_cases_in(
            cases_only, args.vitq_opt, args.runner, pipeline,
            shared_libs=[args.kernels],
            environments=[{"VITQ_ISA": isa} for isa in ISAS])
        runs += [(f"VITQ_ISA={isa}", r) for isa, r in zip(ISAS, results)]
    failures = total = 0
    for lowering, results in runs:
        for (case, expected), got in zip(pairs, results):
            total += 1
            failures += not jit.compare(f"{lowering}: {case.name}", got,
                                        expected)
    print(f"{total - failures}/{total} extreme cases bit-exact over "
          f"{len(runs)} lowering(s)")
    return 0 if ok and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
