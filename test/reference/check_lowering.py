#!/usr/bin/env python3
"""Bit-exact check of the vitq lowering against the NumPy reference.

Builds vitq ops on random and edge-case operands, lowers them with
`vitq-opt --vitq-lower-to-llvm`, runs them with MLIR's JIT (`mlir-runner`)
and compares every element with `vitq_reference`. Prints one line per case
and exits non-zero on any difference.

Usage: check_lowering.py [--seed N] [--vitq-opt PATH] [--runner PATH]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jit  # noqa: E402
import vitq_reference as R  # noqa: E402
from jit import Case  # noqa: E402


def rescale_attr(mults, shifts, axis=None):
    if axis is None:
        return f"#vitq.rescale<{mults}, {shifts}>"
    pairs = ", ".join(f"({m}, {s})" for m, s in zip(mults, shifts))
    return f"#vitq.rescale<axis = {axis}, [{pairs}]>"


def per_channel(rng, count, low=0.5, high=2.0, scale=2.0**-8, signs=False):
    """Random dyadic factors around `scale`, as (multipliers, shifts)."""
    reals = rng.uniform(low, high, count) * scale
    if signs:
        reals *= rng.choice([-1, 1], count)
    pairs = [R.dyadic(r) for r in reals]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def ints(rng, shape, dtype, low=None, high=None):
    info = np.iinfo(dtype)
    low = info.min if low is None else low
    high = info.max if high is None else high
    return rng.integers(low, high, shape, endpoint=True).astype(dtype)


def requantize_cases(rng):
    cases = []
    x = ints(rng, (4, 16), np.int32, -(2**20), 2**20)
    m, s = R.dyadic(0.0037)
    cases.append((Case(
        "requantize i32->i8 per tensor, saturating",
        f"vitq.requantize {{0}} {{{{rescale = {rescale_attr(m, s)}, "
        "output_zp = 3 : i32}} : {T0} -> {R}", [x], x.shape, np.int8),
        R.requantize(x, m, s, output_zp=3, out_dtype=np.int8)))
    x = ints(rng, (2, 5, 3), np.int16)
    ms, ss = per_channel(rng, 5, scale=2.0**-4)
    cases.append((Case(
        "requantize i16->i16 per channel (axis 1), zero points",
        f"vitq.requantize {{0}} {{{{rescale = {rescale_attr(ms, ss, 1)}, "
        "input_zp = -7 : i32, output_zp = 11 : i32}} : {T0} -> {R}", [x],
        x.shape, np.int16),
        R.requantize(x, ms, ss, axis=1, input_zp=-7, output_zp=11,
                     out_dtype=np.int16)))
    return cases


def reduce_lookup_cases(rng):
    cases = []
    x = ints(rng, (2, 7, 5), np.int8)
    x[1] = -128
    cases.append((Case(
        "reduce_sum i8 over dims 1, 2, zero point",
        "vitq.reduce_sum {0} {{dims = array<i64: 1, 2>, input_zp = 127 : i32}}"
        " : {T0} -> {R}", [x], (2,), np.int32),
        R.reduce_sum(x, (1, 2), input_zp=127)))
    x16 = ints(rng, (3, 4, 6), np.int16)
    cases.append((Case(
        "reduce_sum i16 over dim 1",
        "vitq.reduce_sum {0} {{dims = array<i64: 1>, input_zp = -32768 : i32}}"
        " : {T0} -> {R}", [x16], (3, 6), np.int32),
        R.reduce_sum(x16, (1,), input_zp=-32768)))
    x = ints(rng, (2, 3, 4, 5), np.int8)
    ms, ss = per_channel(rng, 3, scale=2.0**-2, signs=True)
    bias = [int(v) for v in rng.integers(-300, 300, 3)]
    cases.append((Case(
        "affine i8 per channel (axis 1), negative scales, bias, saturating",
        f"vitq.affine {{0}} {{{{rescale = {rescale_attr(ms, ss, 1)}, "
        f"bias = array<i32: {', '.join(map(str, bias))}>, input_zp = 5 : i32}}}}"
        " : {T0} -> {R}", [x], x.shape, np.int8),
        R.affine(x, ms, ss, 1, bias, input_zp=5, out_dtype=np.int8)))
    x16 = ints(rng, (3, 7), np.int16)
    m, s = R.dyadic(0.3)
    cases.append((Case(
        "affine i16 -> i16 per tensor, one bias",
        f"vitq.affine {{0}} {{{{rescale = {rescale_attr(m, s)}, "
        "bias = array<i32: -9>}} : {T0} -> {R}", [x16], x16.shape, np.int16),
        R.affine(x16, m, s, None, [-9], out_dtype=np.int16)))
    a = ints(rng, (2, 3, 6), np.int8)
    g = ints(rng, (2, 3, 1), np.int8)
    m, s = R.dyadic(0.7 / 128)
    cases.append((Case(
        "mul i8 x i8 broadcast, zero points, saturating",
        f"vitq.mul {{0}}, {{1}} {{{{rescale = {rescale_attr(m, s)}, "
        "lhs_zp = 3 : i32, rhs_zp = -128 : i32, output_zp = -5 : i32}}"
        " : {T0}, {T1} -> {R}", [a, g], a.shape, np.int8),
        R.mul(a, g, m, s, lhs_zp=3, rhs_zp=-128, output_zp=-5)))
    a16 = ints(rng, (4, 5), np.int16)
    b8 = ints(rng, (5,), np.int8)
    m, s = R.dyadic(3e-5)
    cases.append((Case(
        "mul i16 x i8 (rank 1, broadcast) -> i16",
        f"vitq.mul {{0}}, {{1}} {{{{rescale = {rescale_attr(m, s)}}}}}"
        " : {T0}, {T1} -> {R}", [a16, b8], a16.shape, np.int16),
        R.mul(a16, b8, m, s, out_dtype=np.int16)))
    num = ints(rng, (2, 4, 7), np.int8)
    den = ints(rng, (2, 1, 7), np.int8)
    den[0, 0, :3] = 6          # zero divisors (rhs_zp 6), with n < 0, 0, > 0
    num[0, :3, 0] = [-100, 2, 90]
    m, s = R.dyadic(3.7)
    cases.append((Case(
        "div i8 / i8 broadcast rows, zero divisors, saturating",
        f"vitq.div {{0}}, {{1}} {{{{rescale = {rescale_attr(m, s)}, "
        "lhs_zp = 2 : i32, rhs_zp = 6 : i32, output_zp = 9 : i32}}"
        " : {T0}, {T1} -> {R}", [num, den], num.shape, np.int8),
        R.div(num, den, m, s, lhs_zp=2, rhs_zp=6, output_zp=9)))
    x = ints(rng, (1, 2, 7, 8), np.int8)
    x[0, 0, 0] = 127
    pairs = [R.dyadic(0.9 / c) for c in range(1, 10)]
    ms, ss = [p[0] for p in pairs], [p[1] for p in pairs]
    arrays = (f"multipliers = array<i32: {', '.join(map(str, ms))}>, "
              f"shifts = array<i32: {', '.join(map(str, ss))}>")
    for include, stride, pads, out_hw in ((False, 1, (1, 1, 1, 1), (7, 8)),
                                          (True, 2, (1, 0, 1, 0), (4, 4))):
        unit = ", count_include_pad" if include else ""
        cases.append((Case(
            f"avg_pool2d 3x3 stride {stride}, pads {pads}, "
            f"count_include_pad={include}",
            f"vitq.avg_pool2d {{0}} {{{{kernel = array<i64: 3, 3>, "
            f"strides = array<i64: {stride}, {stride}>, "
            f"pads = array<i64: {', '.join(map(str, pads))}>{unit}, {arrays}, "
            "input_zp = -3 : i32, output_zp = 4 : i32}} : {T0} -> {R}", [x],
            (1, 2) + out_hw, np.int8),
            R.avg_pool2d(x, (3, 3), (stride, stride), pads, out_hw, ms, ss,
                         count_include_pad=include, input_zp=-3, output_zp=4)))
    # Resize: bilinear 2x upsampling (half-pixel weights 1/4, 3/4 at 2^-11,
    # edges clamped) of int8 and a nearest 3-to-2 downsampling of int16 at
    # the extremes, with zero points.
    def bilinear2x(n):
        m = np.zeros((2 * n, n), np.int64)
        for o in range(2 * n):
            src = min(max((o + 0.5) / 2 - 0.5, 0.0), n - 1)
            lo = int(np.floor(src))
            hi = min(lo + 1, n - 1)
            t = src - lo
            m[o, lo] += round((1 - t) * 2048)
            m[o, hi] += round(t * 2048)
        return m
    xr = ints(rng, (1, 2, 3, 4), np.int8)
    xr[0, 0] = 127
    for (label, xin, rows, cols, zp, dtype) in (
            ("resize i8 bilinear 2x", xr, bilinear2x(3), bilinear2x(4), -5,
             np.int8),
            ("resize i16 nearest 6x6 -> 4x3 at the extremes",
             np.where(np.arange(36).reshape(1, 1, 6, 6) % 3,
                      32767, -32768).astype(np.int16),
             np.eye(6, dtype=np.int64)[[0, 1, 3, 4]],
             np.eye(6, dtype=np.int64)[[0, 2, 4]], 7, np.int16)):
        out_hw = (rows.shape[0], cols.shape[0])
        cases.append((Case(
            label,
            "vitq.resize {0} {{"
            f"rows = array<i32: {', '.join(map(str, rows.ravel()))}>, "
            f"columns = array<i32: {', '.join(map(str, cols.ravel()))}>, "
            f"input_zp = {zp} : i32}}}} : {{T0}} -> {{R}}", [xin],
            xin.shape[:2] + out_hw, np.int32),
            R.resize(xin, rows.ravel(), cols.ravel(), out_hw, input_zp=zp)))
    every = np.arange(-128, 128, dtype=np.int8).reshape(16, 16)
    for dtype, name in ((np.int8, "i8"), (np.int16, "i16")):
        info = np.iinfo(dtype)
        table = rng.integers(info.min, info.max + 1, 256)
        table[0], table[255] = info.min, info.max
        body = ", ".join(str(int(v)) for v in table)
        cases.append((Case(
            f"lookup every int8 value -> {name}",
            f"vitq.lookup {{0}} {{{{table = dense<[{body}]> : tensor<256x{name}>}}}}"
            " : {T0} -> {R}", [every], every.shape, dtype),
            R.lookup(every, table)))
    return cases


def add_cases(rng):
    lhs = ints(rng, (3, 4, 8), np.int16)
    rhs = ints(rng, (8,), np.int8)
    ml, mr, sh = 1073741824, 1518500250, 31
    op = (f"vitq.add {{0}}, {{1}} {{{{lhs_multiplier = {ml} : i32, "
          f"rhs_multiplier = {mr} : i32, shift = {sh} : i32, lhs_zp = 5 : i32, "
          "rhs_zp = -3 : i32, output_zp = 2 : i32}} : {T0}, {T1} -> {R}")
    return [(Case("add i16 + broadcast i8 -> i16, zero points", op, [lhs, rhs],
                  lhs.shape, np.int16),
             R.add(lhs, rhs, ml, mr, sh, 5, -3, 2, out_dtype=np.int16)),
            (Case("add saturating to i8", op, [lhs, rhs], lhs.shape, np.int8),
             R.add(lhs, rhs, ml, mr, sh, 5, -3, 2, out_dtype=np.int8)),
            (Case("subtract (negative rhs multiplier), saturating to i8",
                  op.replace(f"rhs_multiplier = {mr}", f"rhs_multiplier = {-mr}"),
                  [lhs, rhs], lhs.shape, np.int8),
             R.add(lhs, rhs, ml, -mr, sh, 5, -3, 2, out_dtype=np.int8))]


def matmul_cases(rng):
    cases = []
    a, b = ints(rng, (2, 3, 5, 16), np.int8), ints(rng, (2, 3, 16, 4), np.int8)
    cases.append((Case(
        "matmul batched, zero points",
        "vitq.matmul {0}, {1} {{lhs_zp = 3 : i32, rhs_zp = -2 : i32}} "
        ": {T0}, {T1} -> {R}", [a, b], (2, 3, 5, 4), np.int32),
        R.matmul(a, b, lhs_zp=3, rhs_zp=-2)))
    bt = ints(rng, (2, 3, 4, 16), np.int8)
    cases.append((Case(
        "matmul batched, transpose_rhs",
        "vitq.matmul {0}, {1} {{transpose_rhs}} : {T0}, {T1} -> {R}", [a, bt],
        (2, 3, 5, 4), np.int32), R.matmul(a, bt, transpose_rhs=True)))
    w = ints(rng, (16, 7), np.int8)
    cases.append((Case(
        "matmul with a shared rank-2 rhs",
        "vitq.matmul {0}, {1} : {T0}, {T1} -> {R}", [a, w], (2, 3, 5, 7),
        np.int32), R.matmul(a, w)))
    return cases


def linear_cases(rng):
    cases = []
    x = ints(rng, (2, 3, 24), np.int8)
    w = ints(rng, (10, 24), np.int8)
    bias = ints(rng, (10,), np.int32, -5000, 5000)
    ms, ss = per_channel(rng, 10, scale=2.0**-9)
    cases.append((Case(
        "linear, transposed weight, bias, per-channel rescale, zero points",
        f"vitq.linear {{0}}, {{1}}, {{2}} {{{{rescale = {rescale_attr(ms, ss, 2)}, "
        "transpose_weight, input_zp = -4 : i32, output_zp = 6 : i32}} "
        ": ({T0}, {T1}, {T2}) -> {R}", [x, w, bias], (2, 3, 10), np.int8),
        R.linear(x, w, bias, ms, ss, axis=2, transpose_weight=True,
                 input_zp=-4, output_zp=6)))
    wk = ints(rng, (24, 10), np.int8)
    cases.append((Case(
        "linear without rescale: the int32 accumulator",
        "vitq.linear {0}, {1} : ({T0}, {T1}) -> {R}", [x, wk], (2, 3, 10),
        np.int32), R.linear(x, wk)))
    # Max-magnitude weights and inputs at K = 768 (ViT-Base width).
    xm = np.full((2, 768), -128, np.int8)
    xm[1, ::2] = 127
    wm = np.full((768, 4), -128, np.int8)
    wm[:, 1] = 127
    wm[::3, 2] = 127
    m, s = R.dyadic(2.0**-16)
    cases.append((Case(
        "linear K=768, max-magnitude weights and inputs, accumulator",
        "vitq.linear {0}, {1} : ({T0}, {T1}) -> {R}", [xm, wm], (2, 4),
        np.int32), R.linear(xm, wm)))
    cases.append((Case(
        "linear K=768, max-magnitude, rescaled to i16",
        f"vitq.linear {{0}}, {{1}} {{{{rescale = {rescale_attr(m, s)}}}}} "
        ": ({T0}, {T1}) -> {R}", [xm, wm], (2, 4), np.int16),
        R.linear(xm, wm, None, m, s, out_dtype=np.int16)))
    return cases


def conv_cases(rng):
    x = ints(rng, (1, 4, 9, 9), np.int8)
    w = ints(rng, (6, 2, 3, 3), np.int8)
    bias = ints(rng, (6,), np.int32, -2000, 2000)
    ms, ss = per_channel(rng, 6, scale=2.0**-8)
    op = (f"vitq.conv2d {{0}}, {{1}}, {{2}} {{{{groups = 2 : i64, "
          "strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 2, 1>, "
          "dilations = array<i64: 1, 2>, "
          f"rescale = {rescale_attr(ms, ss, 1)}, input_zp = 5 : i32, "
          "output_zp = -1 : i32}} : ({T0}, {T1}, {T2}) -> {R}")
    out_h = (9 + 1 + 2 - 3) // 2 + 1
    out_w = (9 + 0 + 1 - 5) // 1 + 1
    ref = R.conv2d(x, w, bias, strides=(2, 1), pads=(1, 0, 2, 1),
                   dilations=(1, 2), groups=2, multipliers=ms, shifts=ss,
                   axis=1, input_zp=5, output_zp=-1)
    patch = ints(rng, (1, 3, 8, 8), np.int8)
    pw = ints(rng, (5, 3, 4, 4), np.int8)
    return [(Case("conv2d grouped, padded, strided, dilated", op, [x, w, bias],
                  (1, 6, out_h, out_w), np.int8), ref),
            (Case("conv2d patch embedding (stride = kernel), accumulator",
                  "vitq.conv2d {0}, {1} {{strides = array<i64: 4, 4>}} "
                  ": ({T0}, {T1}) -> {R}", [patch, pw], (1, 5, 2, 2), np.int32),
             R.conv2d(patch, pw, strides=(4, 4)))]


def shiftmax_cases(rng):
    cases = []
    op = ("vitq.shiftmax {{0}} {{{{x0 = {x0} : i32, exp_shift = {n} : i32}}}} "
          ": {{T0}} -> {{R}}")
    x = ints(rng, (3, 17), np.int8)
    x[1] = 7                      # all-equal row
    x[2] = -128
    x[2, 4] = 127                 # most negative against the maximum
    for dtype, n in ((np.int16, 24), (np.int8, 24)):
        cases.append((Case(f"shiftmax i8 -> {np.dtype(dtype).name}, "
                           "random/all-equal/most-negative rows",
                           op.format(x0=-80, n=n), [x], x.shape, dtype),
                      R.shiftmax(x, -80, n, out_dtype=dtype)))
    wide = ints(rng, (2, 9), np.int32, -(2**30), 2**30)
    wide[1] = np.iinfo(np.int32).min
    wide[1, 3] = np.iinfo(np.int32).max
    cases.append((Case("shiftmax i32 input, int32 extremes",
                       op.format(x0=-1000, n=21), [wide], wide.shape, np.int16),
                  R.shiftmax(wide, -1000, 21)))
    long_row = np.zeros((1, 4096), np.int8)
    cases.append((Case("shiftmax all-equal row of 4096 (row sum 2^43)",
                       op.format(x0=-80, n=24), [long_row], long_row.shape,
                       np.int16), R.shiftmax(long_row, -80, 24)))
    # i16 input: computed below 2^16 elements, a 2^16-entry table from there.
    for rows in (3, 256):
        x16 = ints(rng, (rows, 256), np.int16)
        x16[0] = np.iinfo(np.int16).min
        x16[0, 5] = np.iinfo(np.int16).max
        x16[1] = 99
        cases.append((Case(f"shiftmax i16 input, {rows} rows",
                           op.format(x0=-3000, n=19), [x16], x16.shape,
                           np.int16), R.shiftmax(x16, -3000, 19)))
    # The exponential table: exact e^(-d s) at 2^30, an all-equal row and
    # the most negative entry against the maximum, a row of 65536 maxima.
    table = [int(round(2**30 * np.exp(-d * 0.05))) for d in range(256)]
    table_attr = ", ".join(str(v) for v in table)
    top = ("vitq.tablemax {{0}} {{{{exp_table = array<i32: " + table_attr +
           ">}}}} : {{T0}} -> {{R}}").format()
    for dtype in (np.int16, np.int8):
        cases.append((Case(f"tablemax i8 -> {np.dtype(dtype).name}, "
                           "random/all-equal/most-negative rows",
                           top, [x], x.shape, dtype),
                      R.tablemax(x, table, out_dtype=dtype)))
    wide_row = np.full((1, 65536), 127, np.int8)
    cases.append((Case("tablemax all-equal row of 65536 (row sum 2^46)",
                       top, [wide_row], wide_row.shape, np.int16),
                  R.tablemax(wide_row, table)))
    return cases


def shiftgelu_cases(rng):
    cases = []
    x = ints(rng, (4, 64), np.int8)
    x[1] = ints(rng, (64,), np.int8, -128, -1)   # all-negative row: m = 0
    x[2] = -128
    ms, ss = per_channel(rng, 64, scale=2.0**-15)
    cases.append((Case(
        "shiftgelu i8, per-channel rescale, zero points, all-negative row",
        f"vitq.shiftgelu {{0}} {{{{x0 = -20 : i32, exp_shift = 26 : i32, "
        f"rescale = {rescale_attr(ms, ss, 1)}, input_zp = 2 : i32, "
        "output_zp = -3 : i32}} : {T0} -> {R}", [x], x.shape, np.int8),
        R.shiftgelu(x, -20, 26, ms, ss, axis=1, input_zp=2, output_zp=-3)))
    # Large enough for the compiler's sigmoid table: rows of every maximum,
    # all-negative rows, the extremes, per channel and per tensor, zero
    # points inside and far outside the row values.
    big = ints(rng, (300, 256), np.int8)
    big[:256] = np.minimum(big[:256], np.arange(-128, 128)[:, None])
    big[256:260] = -128
    big[260:264] = 127
    ms, ss = per_channel(rng, 256, scale=2.0**-15, signs=True)
    cases.append((Case(
        "shiftgelu i8 table, per-channel rescale, every row maximum",
        f"vitq.shiftgelu {{0}} {{{{x0 = -20 : i32, exp_shift = 26 : i32, "
        f"rescale = {rescale_attr(ms, ss, 1)}, input_zp = 2 : i32, "
        "output_zp = -3 : i32}} : {T0} -> {R}", [big], big.shape, np.int8),
        R.shiftgelu(big, -20, 26, ms, ss, axis=1, input_zp=2, output_zp=-3)))
    for zp, x0, n in ((-100, -80, 24), (-128, -7, 28), (127, -33, 25),
                      (200, -50, 24)):
        m, s = R.dyadic(0.7 * 2.0**-15)
        cases.append((Case(
            f"shiftgelu i8 table -> i16, per tensor, input zero point {zp}",
            f"vitq.shiftgelu {{0}} {{{{x0 = {x0} : i32, exp_shift = {n} : i32, "
            f"rescale = {rescale_attr(m, s)}, input_zp = {zp} : i32, "
            "output_zp = 11 : i32}} : {T0} -> {R}", [big], big.shape, np.int16),
            R.shiftgelu(big, x0, n, m, s, input_zp=zp, output_zp=11,
                        out_dtype=np.int16)))
    # A table of int8 outputs, saturating at both ends.
    m, s = R.dyadic(3.0 * 2.0**-15)
    cases.append((Case(
        "shiftgelu i8 table -> i8, per tensor, saturating",
        f"vitq.shiftgelu {{0}} {{{{x0 = -20 : i32, exp_shift = 26 : i32, "
        f"rescale = {rescale_attr(m, s)}, input_zp = -5 : i32, "
        "output_zp = -100 : i32}} : {T0} -> {R}", [big], big.shape, np.int8),
        R.shiftgelu(big, -20, 26, m, s, input_zp=-5, output_zp=-100)))
    x16 = ints(rng, (3, 32), np.int16)
    m, s = R.dyadic(2.0**-15)
    cases.append((Case(
        "shiftgelu i16 -> i16",
        f"vitq.shiftgelu {{0}} {{{{x0 = -2000 : i32, exp_shift = 19 : i32, "
        f"rescale = {rescale_attr(m, s)}}}}} : {{T0}} -> {{R}}", [x16],
        x16.shape, np.int16),
        R.shiftgelu(x16, -2000, 19, m, s, out_dtype=np.int16)))
    return cases


def ilayernorm_cases(rng):
    cases = []
    n = 48
    x = ints(rng, (4, n), np.int16, -20000, 20000)
    x[1] = -1234                                  # zero variance
    x[2] = np.where(np.arange(n) % 2, 32767, -32768)   # extreme spread
    ms, ss = per_channel(rng, n, scale=2.0**-23, signs=True)
    ms[0], ss[0] = 0, 0                           # gamma = 0
    ms[1], ss[1] = R.dyadic(2.0**-40)             # gamma ~ 0
    bias = ints(rng, (n,), np.int32, -50, 50).tolist()
    bias_attr = ", ".join(str(b) for b in bias)
    for offset, r in ((0, 0), (480, 0), (480, 30)):
        cases.append((Case(
            f"ilayernorm i16 -> i8, per channel, gamma 0 / ~0 / negative, "
            f"zero variance, variance_offset {offset}, reciprocal_shift {r}",
            f"vitq.ilayernorm {{0}} {{{{rescale = {rescale_attr(ms, ss, 1)}, "
            f"bias = array<i32: {bias_attr}>, variance_offset = {offset} : i64, "
            f"reciprocal_shift = {r} : i32}}}} "
            ": {T0} -> {R}", [x], x.shape, np.int8),
            R.ilayernorm(x, ms, ss, 1, bias, variance_offset=offset,
                         reciprocal_shift=r)))
    # The longest int16 row the verifier allows, at the extremes: the sum of
    # squares reaches 2^61.5.
    xl = np.where(np.arange(1625) % 2, 32767, -32768).astype(np.int16)[None]
    ml, sl = R.dyadic(2.0**-20)
    cases.append((Case(
        "ilayernorm i16 row of 1625 at the extremes",
        f"vitq.ilayernorm {{0}} {{{{rescale = {rescale_attr(ml, sl)}, "
        "bias = array<i32: 0>}} : {T0} -> {R}", [xl], xl.shape, np.int16),
        R.ilayernorm(xl, ml, sl, None, [0], out_dtype=np.int16)))
    # An int8 row of 65536 (InstanceNorm over a whole feature map) with the
    # full-precision reciprocal: y * f reaches 2^62.
    xi = ints(rng, (1, 65536), np.int8)
    xi[0, ::2] = 127
    mi, si = R.dyadic(256 * 2.0**-30 / 0.01)
    cases.append((Case(
        "ilayernorm i8 row of 65536, reciprocal_shift 30",
        f"vitq.ilayernorm {{0}} {{{{rescale = {rescale_attr(mi, si)}, "
        "bias = array<i32: 0>, reciprocal_shift = 30 : i32}} : {T0} -> {R}",
        [xi], xi.shape, np.int16),
        R.ilayernorm(xi, mi, si, None, [0], out_dtype=np.int16,
                     reciprocal_shift=30)))
    x8 = ints(rng, (2, 3, 16), np.int8)
    m, s = R.dyadic(4 * 2.0**-30 / 0.05)
    cases.append((Case(
        "ilayernorm i8 rank 3, per tensor, 6 sqrt iterations",
        f"vitq.ilayernorm {{0}} {{{{rescale = {rescale_attr(m, s)}, "
        "bias = array<i32: 4>, sqrt_iterations = 6 : i32}} : {T0} -> {R}",
        [x8], x8.shape, np.int8),
        R.ilayernorm(x8, m, s, None, [4], sqrt_iterations=6)))
    return cases


def quantize_cases(rng):
    x = (rng.standard_normal((3, 8)) * 3).astype(np.float32)
    x[0, :5] = [0.05, -0.05, 0.15, 1e9, -np.inf]  # ties to even, saturation
    qtype = "tensor<3x8x!quant.uniform<i8:f32, 0.100000001:-3>>"
    qtype32 = "tensor<3x8x!quant.uniform<i32:f32, 0.00100000005>>"
    return [(Case("quantize f32 -> i8 (round half to even, saturating)",
                  "vitq.quantize {0} : {T0} -> " + qtype, [x], x.shape,
                  np.int8, quantized_type=qtype),
             R.quantize(x, np.float32(0.1), -3, np.int8)),
            (Case("quantize f32 -> i32 saturating at the float32 below 2^31",
                  "vitq.quantize {0} : {T0} -> " + qtype32, [x], x.shape,
                  np.int32, quantized_type=qtype32),
             R.quantize(x, np.float32(1e-3), 0, np.int32))]


def rank1_cases(rng):
    """Row ops on rank-1 tensors reduce into rank-0 row values."""
    x = ints(rng, (24,), np.int8)
    m, s = R.dyadic(2.0**-15)
    ml, sl = R.dyadic(2.0**-20)
    return [
        (Case("shiftmax rank 1",
              "vitq.shiftmax {0} {{x0 = -80 : i32, exp_shift = 24 : i32}} "
              ": {T0} -> {R}", [x], x.shape, np.int16),
         R.shiftmax(x, -80, 24)),
        (Case("shiftgelu rank 1",
              f"vitq.shiftgelu {{0}} {{{{x0 = -20 : i32, exp_shift = 26 : i32, "
              f"rescale = {rescale_attr(m, s)}}}}} : {{T0}} -> {{R}}", [x],
              x.shape, np.int8),
         R.shiftgelu(x, -20, 26, m, s)),
        (Case("ilayernorm rank 1",
              f"vitq.ilayernorm {{0}} {{{{rescale = {rescale_attr(ml, sl)}, "
              "bias = array<i32: 0>}} : {T0} -> {R}", [x], x.shape, np.int8),
         R.ilayernorm(x, ml, sl, None, [0])),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vitq-opt", default="vitq-opt")
    parser.add_argument("--runner", default="mlir-runner")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    pairs = []
    for make in (requantize_cases, add_cases, matmul_cases, linear_cases,
                 conv_cases, shiftmax_cases, shiftgelu_cases,
                 ilayernorm_cases, quantize_cases, rank1_cases,
                 reduce_lookup_cases):
        pairs += make(rng)
    cases = [case for case, _ in pairs]
    results = jit.run_cases(cases, args.vitq_opt, args.runner)
    failures = 0
    for (case, expected), got in zip(pairs, results):
        expected = np.asarray(expected).astype(np.int64)
        bad = int(np.count_nonzero(got != expected))
        status = "ok" if bad == 0 else f"MISMATCH in {bad} elements"
        print(f"{case.name}: {got.size} elements, {status}")
        if bad:
            failures += 1
            idx = np.argwhere(got != expected)[:5]
            for i in idx:
                i = tuple(i)
                print(f"  at {i}: lowered {got[i]}, reference {expected[i]}")
    print(f"seed {args.seed}: {len(pairs) - failures}/{len(pairs)} cases "
          "bit-exact")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
