#!/usr/bin/env python3
"""Bit-exact check of the int8 linear kernels (`vitq-int8-linear`).

Builds int32-accumulator `vitq.linear` ops with constant weights on random
and extreme operands, lowers them through the kernel pass for one
instruction set (with derived tiles and with small forced tiles, so that
several k tiles, row tiles and the single-row tail all run), JIT-runs them
with `mlir-runner` on this machine and compares every element with the
NumPy reference. Prints one line per case; exits non-zero on a difference.

Usage: check_kernels.py --isa {avx512vnni,avx512bw,avx2} [--seed N]
                        [--vitq-opt PATH] [--runner PATH]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jit  # noqa: E402
import vitq_reference as R  # noqa: E402
from jit import Case  # noqa: E402

LOWERING = (
    "convert-vitq-to-linalg,canonicalize,"
    "one-shot-bufferize{{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map}},"
    "buffer-deallocation-pipeline,vitq-int8-linear{{{kernel}}},"
    "convert-linalg-to-loops,arith-expand,expand-strided-metadata,"
    "lower-affine,convert-scf-to-cf,convert-math-to-llvm,"
    "convert-math-to-libm,convert-vector-to-llvm,convert-to-llvm,"
    "reconcile-unrealized-casts")

# Tile settings: derived from the default cache sizes, and forced small
# (k tile of 8, row tiles of two register blocks of 2 rows).
TILINGS = {"derived": "", "small tiles": " rows=2 k-tile=8 row-tile=4"}


def ints(rng, shape, low=-128, high=127):
    return rng.integers(low, high, shape, endpoint=True).astype(np.int8)


def shapes(rng):
    """(name, x, w, input_zp, transposed) for each case."""
    yield ("DeiT qkv 197x192x576", ints(rng, (197, 192)),
           ints(rng, (192, 576)), 0, False)
    yield ("ragged N 7x8x20, zp 3", ints(rng, (7, 8)), ints(rng, (8, 20)), 3,
           False)
    yield ("transposed 3x2x24x40, zp -128", ints(rng, (3, 2, 24)),
           ints(rng, (40, 24)), -128, True)
    yield ("single row 1x64x1000 (classifier head), zp 127",
           ints(rng, (1, 64)), ints(rng, (64, 1000)), 127, False)
    # All-extreme operands at K = 768: the largest products and sums.
    xm = np.full((5, 768), -128, np.int8)
    xm[1::2, ::2] = 127
    wm = np.full((768, 48), -128, np.int8)
    wm[:, 16:32] = 127
    wm[::3, 32:] = 127
    yield ("extremes 5x768x48", xm, wm, 0, False)
    yield ("extremes 5x768x48, zp -128", xm, wm, -128, False)
    # K = 3072 (ViT MLP fc2) needs several k tiles even with derived tiles.
    yield ("fc2 9x3072x32", ints(rng, (9, 3072)), ints(rng, (3072, 32)), 5,
           False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--isa", required=True,
                        choices=["avx512vnni", "avx512bw", "avx2"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vitq-opt", default="vitq-opt")
    parser.add_argument("--runner", default="mlir-runner")
    args = parser.parse_args()
    failures = total = 0
    for tiling, options in TILINGS.items():
        rng = np.random.default_rng(args.seed)
        pairs = []
        for name, x, w, zp, transposed in shapes(rng):
            attrs = [f"input_zp = {zp} : i32"] if zp else []
            if transposed:
                attrs.append("transpose_weight")
            attr_text = (" {{" + ", ".join(attrs) + "}}") if attrs else ""
            n = w.shape[0] if transposed else w.shape[1]
            pairs.append((Case(
                f"{args.isa}, {tiling}: {name}",
                f"vitq.linear {{0}}, {{1}}{attr_text} : ({{T0}}, {{T1}}) -> "
                "{R}", [x, w], x.shape[:-1] + (n,), np.int32),
                R.linear(x, w, transpose_weight=transposed, input_zp=zp)))
        kernel = f"isa={args.isa}{options}"
        pipeline = ("--pass-pipeline=builtin.module(" +
                    LOWERING.format(kernel=kernel) + ")")
        results = jit.run_cases([c for c, _ in pairs], args.vitq_opt,
                                args.runner, pipeline)
        for (case, expected), got in zip(pairs, results):
            total += 1
            failures += not jit.compare(
                f"{case.name}: {got.size} elements", got, expected)
    print(f"{args.isa}: {total - failures}/{total} cases bit-exact")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
