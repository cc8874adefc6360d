"""NumPy reference implementation of vitq's integer-level op semantics.

This module mirrors ``docs/integer-semantics.md`` (the single source of
truth) op by op. It exists so that the end-to-end tests can compare the MLIR
lowering (``convert-vitq-to-linalg``) with an independent implementation bit
for bit, and it must therefore stay independent of that lowering: it is
written from the spec and the op descriptions only, never from the C++.

Conventions
-----------
* Every function takes array-likes and returns a NumPy array of the op's
  result element type (``np.int8``/``np.int16``/``np.int32``; float32 for
  ``dequantize``).
* Intermediate arithmetic is exact: NumPy ``int64`` where the spec's bounds
  guarantee no overflow, Python integers (object arrays) in ``rescale``,
  whose product ``v * multiplier`` can exceed 63 bits outside those bounds.
* ``a >> k`` on NumPy signed integers and on Python ints is the arithmetic
  (flooring) shift and ``//`` is floor division, exactly the spec's ``>>``
  and ``floor_div``.
* A rescale is given as ``multipliers, shifts, axis``: one pair and
  ``axis=None`` for a per-tensor ``#vitq.rescale``, one pair per index of
  dimension ``axis`` for a per-channel one.
"""

import math

import numpy as np

INT31_MAX = 2**31 - 1
# The numerator of the per-row reciprocal of shiftmax and shiftgelu.
RECIPROCAL_ONE = 2**62


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------


def _i64(x):
    """`x` as an int64 array (integer inputs only; no silent truncation)."""
    x = np.asarray(x)
    if x.dtype.kind not in "iu" and not (x.dtype == object or x.size == 0):
        raise TypeError(f"integer array expected, got {x.dtype}")
    return x.astype(np.int64)


def sat(v, dtype):
    """`sat_w(v)`: clamp to the range of the signed integer `dtype`."""
    info = np.iinfo(dtype)
    return np.minimum(np.maximum(v, int(info.min)), int(info.max)).astype(dtype)


def dyadic(real):
    """Approximate a real factor as ``multiplier * 2^-shift`` (test helper).

    ``|multiplier|`` is in ``[2^30, 2^31)``; a negative real gives a negative
    multiplier and 0 gives ``(0, 0)``. Tiny factors whose shift would exceed
    63 are shifted down (possibly to ``(0, 0)``).
    """
    if real == 0:
        return 0, 0
    m, e = math.frexp(abs(real))
    multiplier = round(m * 2**31)
    if multiplier == 2**31:
        multiplier //= 2
        e += 1
    shift = 31 - e
    if shift < 0:
        raise ValueError(f"factor {real} too large for a 32-bit multiplier")
    if shift > 63:
        multiplier = (multiplier + (1 << (shift - 64))) >> (shift - 63)
        shift = 63
        if multiplier == 0:
            return 0, 0
    return (-multiplier if real < 0 else multiplier), shift


# ----------------------------------------------------------------------------
# #vitq.rescale, requantize, add
# ----------------------------------------------------------------------------


def rescale(v, multipliers, shifts, axis=None):
    """Apply a ``#vitq.rescale`` exactly; returns Python ints (object array).

    ``rescale_c(v) = (v * multiplier_c + round_c) >> shift_c`` with
    ``round_c = 2^(shift_c - 1)`` if ``shift_c > 0`` else 0 (round half up).
    """
    v = np.asarray(v).astype(object)
    mult = [int(m) for m in np.atleast_1d(multipliers)]
    shift = [int(s) for s in np.atleast_1d(shifts)]
    if len(mult) != len(shift):
        raise ValueError("multipliers and shifts differ in length")
    rnd = [(1 << (s - 1)) if s > 0 else 0 for s in shift]
    if axis is None:
        if len(mult) != 1:
            raise ValueError("a per-tensor rescale has exactly one pair")
        return (v * mult[0] + rnd[0]) >> shift[0]
    axis = axis % v.ndim
    if len(mult) != v.shape[axis]:
        raise ValueError(f"{len(mult)} pairs for dimension {axis} of size "
                         f"{v.shape[axis]}")
    bshape = [1] * v.ndim
    bshape[axis] = len(mult)

    def col(a):
        return np.array(a, dtype=object).reshape(bshape)

    return (v * col(mult) + col(rnd)) >> col(shift)


def requantize(x, multipliers, shifts, axis=None, input_zp=0, output_zp=0,
               out_dtype=np.int8):
    """``y = sat_w(rescale_c(x - input_zp) + output_zp)``."""
    v = _i64(x) - int(input_zp)
    return sat(rescale(v, multipliers, shifts, axis) + int(output_zp),
               out_dtype)


def affine(x, multipliers, shifts, axis, bias, input_zp=0, out_dtype=np.int8):
    """``y = sat_w(rescale_c(x - input_zp) + bias_c)``, ``c`` along
    ``axis`` (bias: one value or one per channel)."""
    v = rescale(_i64(x) - int(input_zp), multipliers, shifts, axis)
    b = np.asarray(bias, dtype=np.int64)
    if b.size > 1:
        shape = [1] * v.ndim
        shape[axis] = b.size
        b = b.reshape(shape)
    return sat(v + b, out_dtype)


def mul(lhs, rhs, multiplier, shift, lhs_zp=0, rhs_zp=0, output_zp=0,
        out_dtype=np.int8):
    """``sat_w(rescale((lhs - lhs_zp) * (rhs - rhs_zp)) + output_zp)``,
    broadcast."""
    p = (_i64(lhs) - int(lhs_zp)) * (_i64(rhs) - int(rhs_zp))
    return sat(rescale(p, [multiplier], [shift]) + int(output_zp), out_dtype)


def div(lhs, rhs, multiplier, shift, lhs_zp=0, rhs_zp=0, output_zp=0,
        out_dtype=np.int8):
    """``n = (lhs - lhs_zp) * multiplier``, ``d = rhs - rhs_zp``;
    ``sat_w(((floor(n / d) + 2^(shift-1)) >> shift) + output_zp)``; a zero
    divisor gives the type's maximum for n > 0, minimum for n < 0 and
    output_zp for n = 0."""
    n = (_i64(lhs) - int(lhs_zp)) * int(multiplier)
    d = _i64(rhs) - int(rhs_zp)
    n, d = np.broadcast_arrays(n, d)
    q = np.floor_divide(n, np.where(d == 0, 1, d))
    y = ((q + (1 << (shift - 1))) >> shift) + int(output_zp)
    info = np.iinfo(out_dtype)
    y = np.where(d == 0, np.where(n > 0, info.max,
                                  np.where(n < 0, info.min, int(output_zp))), y)
    return sat(y, out_dtype)


def avg_pool2d(x, kernel, strides, pads, out_hw, multipliers, shifts,
               count_include_pad=False, input_zp=0, output_zp=0,
               out_dtype=np.int8):
    """NCHW average pooling: per output position, the sum of (x - input_zp)
    over the window's positions inside the input, rescaled by the dyadic
    factor of its count (all of the window's positions with
    count_include_pad) and output_zp added, saturated."""
    x = _i64(x) - int(input_zp)
    n, c, h, w = x.shape
    oh, ow = out_hw
    y = np.zeros((n, c, oh, ow), dtype=np.int64)
    for i in range(oh):
        r0 = i * strides[0] - pads[0]
        rows = slice(max(r0, 0), min(r0 + kernel[0], h))
        for j in range(ow):
            c0 = j * strides[1] - pads[1]
            cols = slice(max(c0, 0), min(c0 + kernel[1], w))
            total = x[:, :, rows, cols].sum(axis=(2, 3))
            count = (kernel[0] * kernel[1] if count_include_pad else
                     (rows.stop - rows.start) * (cols.stop - cols.start))
            y[:, :, i, j] = rescale(total, [multipliers[count - 1]],
                                    [shifts[count - 1]])
    return sat(y + int(output_zp), out_dtype)


def resize(x, rows, columns, out_hw, input_zp=0):
    """NCHW separable integer interpolation: ``rows`` (OH x H) along the
    rows and ``columns`` (OW x W) along the columns of ``x - input_zp``, in
    int32 (exact: the op's verifier bounds the weights)."""
    x = _i64(x) - int(input_zp)
    h, w = x.shape[2:]
    oh, ow = out_hw
    r = np.array([int(v) for v in rows], dtype=np.int64).reshape(oh, h)
    c = np.array([int(v) for v in columns], dtype=np.int64).reshape(ow, w)
    y = np.einsum("ik,nckl,jl->ncij", r, x, c)
    assert np.abs(y).max(initial=0) < 2**31
    return y.astype(np.int32)


def reduce_sum(x, dims, input_zp=0):
    """``sum over dims of (x - input_zp)`` in int32 (exact: the op's
    verifier bounds the count)."""
    return (_i64(x) - int(input_zp)).sum(axis=tuple(dims)).astype(np.int32)


def lookup(x, table):
    """``table[x + 128]`` for int8 ``x``."""
    return np.asarray(table)[_i64(x) + 128]


def add(lhs, rhs, lhs_multiplier, rhs_multiplier, shift, lhs_zp=0, rhs_zp=0,
        output_zp=0, out_dtype=np.int8):
    """``sat_w(((acc + round) >> shift) + output_zp)`` with
    ``acc = (lhs - lhs_zp) * lhs_multiplier + (rhs - rhs_zp) * rhs_multiplier``
    (NumPy broadcasting; exact Python-int arithmetic)."""
    a = (_i64(lhs) - int(lhs_zp)).astype(object)
    b = (_i64(rhs) - int(rhs_zp)).astype(object)
    acc = a * int(lhs_multiplier) + b * int(rhs_multiplier)
    shift = int(shift)
    rnd = (1 << (shift - 1)) if shift > 0 else 0
    return sat(((acc + rnd) >> shift) + int(output_zp), out_dtype)


# ----------------------------------------------------------------------------
# Matmul, linear, conv2d
# ----------------------------------------------------------------------------


def _wrap32(acc):
    """The int32 accumulator: exact for the spec's bounds, wraps beyond."""
    return acc.astype(np.int64).astype(np.int32)


def _epilogue(acc, multipliers, shifts, axis, output_zp, out_dtype):
    """No rescale: the int32 accumulator; else ``sat(rescale(acc) + zp)``."""
    acc = _wrap32(acc)
    if multipliers is None:
        return acc
    return requantize(acc, multipliers, shifts, axis, 0, output_zp, out_dtype)


def matmul(lhs, rhs, transpose_rhs=False, lhs_zp=0, rhs_zp=0):
    """``y[..., m, n] = sum_k (lhs[..., m, k] - lhs_zp) * (rhs[..., k, n] -
    rhs_zp)`` as int32; ``rhs`` is rank 2 (shared) or batched like ``lhs``,
    ``[..., N, K]`` with ``transpose_rhs``."""
    a = _i64(lhs) - int(lhs_zp)
    b = _i64(rhs) - int(rhs_zp)
    if transpose_rhs:
        b = np.swapaxes(b, -1, -2)
    return _wrap32(np.matmul(a, b))


def linear(x, w, bias=None, multipliers=None, shifts=None, axis=None,
           transpose_weight=False, input_zp=0, output_zp=0, out_dtype=np.int8):
    """``acc[..., n] = sum_k (x[..., k] - input_zp) * w[k, n] + bias[n]``;
    ``w`` is ``[K, N]`` (``[N, K]`` with ``transpose_weight``). Without
    ``multipliers`` the int32 ``acc``, else ``sat(rescale_n(acc) + output_zp)``
    (per-channel: ``axis`` is the last dimension of the result)."""
    w = _i64(w)
    if transpose_weight:
        w = w.T
    acc = np.matmul(_i64(x) - int(input_zp), w)
    if bias is not None:
        acc = acc + _i64(bias)
    return _epilogue(acc, multipliers, shifts, axis, output_zp, out_dtype)


def conv2d(x, w, bias=None, strides=(1, 1), pads=(0, 0, 0, 0),
           dilations=(1, 1), groups=1, multipliers=None, shifts=None,
           axis=None, input_zp=0, output_zp=0, out_dtype=np.int8):
    """Grouped NCHW convolution, weight ``[O, C/groups, KH, KW]``,
    ``pads = [top, left, bottom, right]``; padded positions hold ``input_zp``
    (so contribute zero). Epilogue as in ``linear`` (per-channel: axis 1)."""
    x = _i64(x) - int(input_zp)
    w = _i64(w)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    sh, sw = strides
    dh, dw = dilations
    top, left, bottom, right = pads
    if c != cg * groups or o % groups:
        raise ValueError("channels do not divide into groups")
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    oh = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + left + right - dw * (kw - 1) - 1) // sw + 1
    xg = x.reshape(n, groups, cg, x.shape[2], x.shape[3])
    wg = w.reshape(groups, o // groups, cg, kh, kw)
    acc = np.zeros((n, groups, o // groups, oh, ow), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = xg[:, :, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                       j * dw:j * dw + sw * (ow - 1) + 1:sw]
            acc += np.einsum("ngcyx,goc->ngoyx", patch, wg[:, :, :, i, j])
    acc = acc.reshape(n, o, oh, ow)
    if bias is not None:
        acc = acc + _i64(bias).reshape(1, o, 1, 1)
    return _epilogue(acc, multipliers, shifts, axis, output_zp, out_dtype)


# ----------------------------------------------------------------------------
# Shift exponential, Shiftmax, ShiftGELU
# ----------------------------------------------------------------------------


def shiftexp(t, x0, n):
    """``shiftexp(t) ~= 2^n * |x0| * e^(t * s)`` for ``t <= 0`` (int64)."""
    t = _i64(t)
    x0, n = int(x0), int(n)
    if x0 >= 0:
        raise ValueError("x0 must be negative")
    if np.any(t > 0):
        raise ValueError("shiftexp is defined for t <= 0 only")
    u = t + (t >> 1) - (t >> 4)
    u = np.maximum(u, n * x0)
    q = u // x0
    r = u - q * x0
    return ((r >> 1) - x0) << (n - q)


def shiftmax(x, x0, exp_shift, out_dtype=np.int16):
    """Integer softmax over the last dimension; scale ``2^-(w-1)``, zp 0."""
    w = np.iinfo(out_dtype).bits
    x = _i64(x)
    e = shiftexp(x - x.max(axis=-1, keepdims=True), x0, exp_shift)
    s = e.sum(axis=-1, keepdims=True)
    f = RECIPROCAL_ONE // s
    return sat((e * f) >> (63 - w), out_dtype)


def tablemax(x, exp_table, out_dtype=np.int16):
    """Softmax of an int8 input over the last dimension, ``e`` looked up in
    ``exp_table`` at ``max - x``; Shiftmax's normalisation."""
    w = np.iinfo(out_dtype).bits
    x = _i64(x)
    table = np.array([int(v) for v in exp_table], dtype=object)
    e = table[(x.max(axis=-1, keepdims=True) - x).astype(np.int64)]
    s = e.sum(axis=-1, keepdims=True)
    f = RECIPROCAL_ONE // s
    return sat((e * f) >> (63 - w), out_dtype)


def shiftgelu(x, x0, exp_shift, multipliers, shifts, axis=None, input_zp=0,
              output_zp=0, out_dtype=np.int8):
    """Integer GELU ``x * sigmoid(1.6875 x)`` per row of the last dimension."""
    x = _i64(x) - int(input_zp)
    t = x + (x >> 1) + (x >> 3) + (x >> 4)
    m = np.maximum(t.max(axis=-1, keepdims=True), 0)
    e1 = shiftexp(t - m, x0, exp_shift)
    e2 = shiftexp(-m, x0, exp_shift)
    f = RECIPROCAL_ONE // (e1 + e2)
    g = (e1 * f) >> 47  # sigmoid at scale 2^-15
    return sat(rescale(x * g, multipliers, shifts, axis) + int(output_zp),
               out_dtype)


# ----------------------------------------------------------------------------
# I-LayerNorm
# ----------------------------------------------------------------------------


def _isqrt_int(v, iterations):
    v = int(v)
    if v < 0:
        raise ValueError("isqrt of a negative value")
    if v == 0:
        # Not covered by the spec (the first step gives k = 0, the next one
        # would divide by it); ilayernorm never asks, since v >= 1 there.
        return 0
    k = 1 << ((v.bit_length() + 1) // 2)
    for _ in range(int(iterations)):
        k = min(k, (k + v // k) >> 1)
    return k


def isqrt(v, iterations=10):
    """Integer Newton square root from above, as specified for ilayernorm:
    ``k_0 = 2^ceil(bits(v)/2)``, then ``iterations`` times
    ``k = min(k, (k + floor_div(v, k)) >> 1)``. Scalars give a Python int,
    arrays an int64 array."""
    if np.ndim(v) == 0:
        return _isqrt_int(v, iterations)
    v = np.asarray(v)
    return np.array([_isqrt_int(a, iterations) for a in v.ravel()],
                    dtype=np.int64).reshape(v.shape)


def ilayernorm(x, multipliers, shifts, axis, bias, sqrt_iterations=10,
               out_dtype=np.int8, variance_offset=0, reciprocal_shift=0):
    """Integer LayerNorm over the last dimension; ``bias`` has 1 or N entries
    and the rescale is per tensor (``axis=None``) or along the last axis."""
    x = _i64(x)
    n = x.shape[-1]
    # N * (x - mean), exact: no rounded mean.
    y = n * x - x.sum(axis=-1, keepdims=True)
    v = np.maximum((y * y).sum(axis=-1, keepdims=True) + int(variance_offset),
                   1)
    std = isqrt(v, sqrt_iterations)
    r = int(reciprocal_shift)
    f = ((1 << (31 + r)) - 1) // std
    z = (y * f) >> (1 + r)
    bias = np.array([int(b) for b in np.atleast_1d(bias)], dtype=object)
    if bias.size not in (1, n):
        raise ValueError(f"bias has {bias.size} entries for rows of {n}")
    return sat(rescale(z, multipliers, shifts, axis) + bias, out_dtype)


# ----------------------------------------------------------------------------
# Boundary ops (the only float ones)
# ----------------------------------------------------------------------------


def quantize(x, scale, zero_point, out_dtype=np.int8):
    """``clamp(round_half_even(x / s) + z, qmin, qmax)`` in float32 (ONNX
    QuantizeLinear), per tensor. NaN inputs are undefined."""
    info = np.iinfo(out_dtype)
    z = int(zero_point)
    r = np.rint(np.asarray(x, dtype=np.float32) / np.float32(scale))
    r = r + np.float32(z)
    # Clamp in float before the cast, so that huge or infinite quotients do
    # not overflow the conversion; the bounds are the float32 values nearest
    # qmin/qmax on the side of zero (2^31 - 1 itself is no float32).
    r = np.clip(r, _toward_zero(info.min), _toward_zero(info.max))
    return r.astype(np.int64).astype(out_dtype)


def _toward_zero(v):
    f = np.float32(v)
    if abs(int(f)) > abs(int(v)):
        f = np.nextafter(f, np.float32(0))
    return f


def dequantize(q, scale, zero_point):
    """``(q - z) * s`` in float32, per tensor."""
    d = (_i64(q) - int(zero_point)).astype(np.float32)
    return d * np.float32(scale)
