#!/usr/bin/env python3
"""Bit-exact check of the compiled path onto the kernel library.

Builds `vitq.linear` and ungrouped `vitq.conv2d` ops with constant weights,
and `vitq.matmul` ops of two operands (as in attention), over random shapes (ragged against the 16-column blocks and 4-step groups,
inputs of rank 1 to 3, transposed weights, int32 biases, per-tensor and
per-channel rescales to int8/int16 or int32 accumulators, zero points at
the extremes) and edge cases (the most negative operands at K = 768, convs
with padding, strides, dilations and remainders), lowers them the way
compiled models are (`vitq-use-kernels` packs the weights at compile time,
convs go through im2col, matmuls pack their right operand at run time,
`vitq-lower-kernel-calls` calls the library),
JIT-runs them with the kernel library loaded, once with each instruction
set as the cap (VITQ_ISA; one the CPU lacks falls to the next it has), and
compares every element with the NumPy reference. Prints one line per case
and run; exits non-zero on a difference.

Usage: check_library.py --kernels libvitq_kernels.so [--seed N]
                        [--vitq-opt PATH] [--runner PATH]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jit  # noqa: E402
import vitq_reference as R  # noqa: E402
from check_lowering import ints, per_channel, rescale_attr  # noqa: E402
from jit import Case  # noqa: E402

LOWERING = (
    "vitq-use-kernels{force=true},convert-vitq-to-linalg,canonicalize,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,vitq-lower-kernel-calls,"
    "convert-linalg-to-loops,arith-expand,expand-strided-metadata,"
    "lower-affine,convert-scf-to-cf,convert-math-to-llvm,"
    "convert-math-to-libm,convert-vector-to-llvm,convert-to-llvm,"
    "reconcile-unrealized-casts")

# Caps from vitq/cpu.h's VITQ_ISAS, most preferred first.
ISAS = ["amx", "avx512vnni", "avxvnni", "avx512bw", "avx2", "generic"]

OUTPUTS = [np.int8, np.int16, np.int32]


def epilogue(rng, n, out_dtype, axis):
    """(attribute texts, reference keyword arguments) of a random epilogue
    for N output channels along dimension `axis` of the result."""
    if out_dtype == np.int32:
        return [], {}
    scale = 2.0**-10 if out_dtype == np.int8 else 2.0**-4
    if rng.integers(2):
        ms, ss = per_channel(rng, n, scale=scale, signs=bool(rng.integers(2)))
    else:
        ms, ss = R.dyadic(float(rng.uniform(0.5, 2.0)) * scale)
        axis = None
    zp = int(rng.integers(-128, 128)) if out_dtype == np.int8 else 0
    return ([f"rescale = {rescale_attr(ms, ss, axis)}",
             f"output_zp = {zp} : i32"],
            dict(multipliers=ms, shifts=ss, axis=axis, output_zp=zp,
                 out_dtype=out_dtype))


def linear_case(name, x, w, transposed, bias, input_zp, attrs, kwargs,
                out_dtype):
    n = w.shape[0] if transposed else w.shape[1]
    attrs = list(attrs)
    if input_zp:
        attrs.append(f"input_zp = {input_zp} : i32")
    if transposed:
        attrs.append("transpose_weight")
    text = (" {{" + ", ".join(attrs) + "}}") if attrs else ""
    operands = [x, w] + ([bias] if bias is not None else [])
    names = "{0}, {1}" + (", {2}" if bias is not None else "")
    types = "{T0}, {T1}" + (", {T2}" if bias is not None else "")
    op = f"vitq.linear {names}{text} : ({types}) -> {{R}}"
    return (Case(name, op, operands, x.shape[:-1] + (n,), out_dtype),
            R.linear(x, w, bias, transpose_weight=transposed,
                     input_zp=input_zp, **kwargs))


def random_linears(rng, count):
    for index in range(count):
        rank = int(rng.integers(1, 4))
        k = int(rng.integers(1, 300))
        n = int(rng.integers(1, 70))
        lead = [] if rank == 1 else [int(rng.integers(1, 20))
                                     for _ in range(rank - 1)]
        x = ints(rng, tuple(lead) + (k,), np.int8)
        transposed = bool(rng.integers(2))
        w = ints(rng, (n, k) if transposed else (k, n), np.int8)
        bias = (ints(rng, (n,), np.int32, -50000, 50000)
                if rng.integers(2) else None)
        input_zp = int(rng.choice([0, -128, 127, int(rng.integers(-128,
                                                                   128))]))
        out_dtype = OUTPUTS[int(rng.integers(3))]
        attrs, kwargs = epilogue(rng, n, out_dtype, x.ndim - 1)
        yield linear_case(
            f"linear {'x'.join(map(str, x.shape))} K={k} N={n}"
            f"{' transposed' if transposed else ''}"
            f"{' bias' if bias is not None else ''} zp {input_zp} -> "
            f"{np.dtype(out_dtype).name}", x, w, transposed, bias, input_zp,
            attrs, kwargs, out_dtype)


def edge_linears(rng):
    # The largest products and sums: x - zp = -255, w = -128, K = 768.
    x = np.full((5, 768), -128, np.int8)
    x[1::2, ::2] = 127
    w = np.full((768, 48), -128, np.int8)
    w[:, 16:32] = 127
    w[::3, 32:] = 127
    yield linear_case("extremes 5x768x48, zp 127", x, w, False, None, 127,
                      [], {}, np.int32)
    attrs, kwargs = epilogue(rng, 48, np.int8, 1)
    yield linear_case("extremes 5x768x48, zp -128, rescaled", x, w, False,
                      ints(rng, (48,), np.int32), -128, attrs, kwargs,
                      np.int8)
    # A DeiT-sized block of rows (several register blocks and a tail).
    x = ints(rng, (197, 192), np.int8)
    w = ints(rng, (192, 40), np.int8)
    attrs, kwargs = epilogue(rng, 40, np.int16, 1)
    yield linear_case("DeiT rows 197x192x40 -> int16", x, w, False,
                      ints(rng, (40,), np.int32, -9999, 9999), 3, attrs,
                      kwargs, np.int16)


def conv_case(rng, name, x_shape, w_shape, strides, pads, dilations,
              out_dtype, bias=True):
    x = ints(rng, x_shape, np.int8)
    w = ints(rng, w_shape, np.int8)
    o = w_shape[0]
    b = ints(rng, (o,), np.int32, -20000, 20000) if bias else None
    zp = int(rng.integers(-128, 128))
    attrs, kwargs = epilogue(rng, o, out_dtype, 1)
    attrs += [f"strides = array<i64: {strides[0]}, {strides[1]}>",
              "pads = array<i64: " + ", ".join(map(str, pads)) + ">",
              f"dilations = array<i64: {dilations[0]}, {dilations[1]}>",
              f"input_zp = {zp} : i32"]
    expected = R.conv2d(x, w, b, strides=strides, pads=pads,
                        dilations=dilations, input_zp=zp, **kwargs)
    operands = [x, w] + ([b] if bias else [])
    names = "{0}, {1}" + (", {2}" if bias else "")
    types = "{T0}, {T1}" + (", {T2}" if bias else "")
    op = (f"vitq.conv2d {names} {{{{" + ", ".join(attrs) +
          f"}}}} : ({types}) -> {{R}}")
    return (Case(name, op, operands, expected.shape, out_dtype), expected)


def convs(rng):
    yield conv_case(rng, "conv patch embedding 2x3x16x16, 4x4/4", (2, 3, 16, 16),
                    (20, 3, 4, 4), (4, 4), (0, 0, 0, 0), (1, 1), np.int8)
    yield conv_case(rng, "conv patch embedding with a remainder 1x3x18x17",
                    (1, 3, 18, 17), (17, 3, 4, 4), (4, 4), (0, 0, 0, 0),
                    (1, 1), np.int32, bias=False)
    yield conv_case(rng, "conv 3x3/2 padded (stem) 1x5x11x9", (1, 5, 11, 9),
                    (33, 5, 3, 3), (2, 2), (1, 1, 1, 1), (1, 1), np.int16)
    yield conv_case(rng, "conv 3x3 dilated 2x1, pads 2 0 1 3",
                    (1, 4, 10, 8), (6, 4, 3, 3), (1, 2), (2, 0, 1, 3),
                    (2, 1), np.int8)
    yield conv_case(rng, "conv 1x1 pointwise 2x24x5x7", (2, 24, 5, 7),
                    (18, 24, 1, 1), (1, 1), (0, 0, 0, 0), (1, 1), np.int8)


def matmul_case(rng, name, lhs_shape, rhs_shape, transposed, lhs_zp,
                rhs_zp, extremes=False):
    def operand(shape):
        if extremes:
            return np.where(rng.integers(0, 2, shape) == 1, 127,
                            -128).astype(np.int8)
        return ints(rng, shape, np.int8)
    lhs, rhs = operand(lhs_shape), operand(rhs_shape)
    attrs = [f"lhs_zp = {lhs_zp} : i32", f"rhs_zp = {rhs_zp} : i32"]
    if transposed:
        attrs.append("transpose_rhs")
    expected = R.matmul(lhs, rhs, transpose_rhs=transposed, lhs_zp=lhs_zp,
                        rhs_zp=rhs_zp)
    op = ("vitq.matmul {0}, {1} {{" + ", ".join(attrs) +
          "}} : {T0}, {T1} -> {R}")
    return (Case(name, op, [lhs, rhs], expected.shape, np.int32), expected)


def matmuls(rng, count):
    # Attention's two products, DeiT-shaped (3 heads of 64 on 197 tokens,
    # scaled down in tokens).
    yield matmul_case(rng, "Q K^T 3x37x64 . (3x37x64)^T", (3, 37, 64),
                      (3, 37, 64), True, 0, 0)
    yield matmul_case(rng, "A V 3x37x37 . 3x37x64, zps -128 3", (3, 37, 37),
                      (3, 37, 64), False, -128, 3)
    yield matmul_case(rng, "extremes 2x5x768 . 2x768x20, zps 127 -128",
                      (2, 5, 768), (2, 768, 20), False, 127, -128,
                      extremes=True)
    yield matmul_case(rng, "shared rhs 2x3x9x40 . 40x17, zps 5 -7",
                      (2, 3, 9, 40), (40, 17), False, 5, -7)
    for _ in range(count):
        rank = int(rng.integers(2, 5))
        batch = tuple(int(rng.integers(1, 4)) for _ in range(rank - 2))
        m, n, k = (int(rng.integers(1, 40)) for _ in range(3))
        transposed = bool(rng.integers(2))
        shared = rank > 2 and rng.integers(4) == 0
        rhs = (n, k) if transposed else (k, n)
        zps = [0, -128, 127, int(rng.integers(-128, 128))]
        lhs_zp, rhs_zp = (int(rng.choice(zps)) for _ in range(2))
        yield matmul_case(
            rng, f"matmul {'x'.join(map(str, batch + (m, k)))} . "
            f"{'' if shared else 'x'.join(map(str, batch)) + 'x'}"
            f"{'x'.join(map(str, rhs))}{' transposed' if transposed else ''} "
            f"zps {lhs_zp} {rhs_zp}", batch + (m, k),
            rhs if shared else batch + rhs, transposed, lhs_zp, rhs_zp)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", required=True,
                        help="the kernel library as a shared object")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=24,
                        help="random linear layers")
    parser.add_argument("--vitq-opt", default="vitq-opt")
    parser.add_argument("--runner", default="mlir-runner")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    pairs = (list(random_linears(rng, args.count)) + list(edge_linears(rng))
             + list(convs(rng)) + list(matmuls(rng, args.count // 2)))
    pipeline = "--pass-pipeline=builtin.module(" + LOWERING + ")"
    runs = jit.run_cases_in([c for c, _ in pairs], args.vitq_opt, args.runner,
                            pipeline, shared_libs=[args.kernels],
                            environments=[{"VITQ_ISA": isa} for isa in ISAS])
    failures = total = 0
    for isa, results in zip(ISAS, runs):
        for (case, expected), got in zip(pairs, results):
            total += 1
            failures += not jit.compare(
                f"VITQ_ISA={isa}: {case.name}: {got.size} elements", got,
                expected)
    print(f"{total - failures}/{total} cases bit-exact")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
