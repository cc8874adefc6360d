/*===- avx2_common.h - What the AVX2 and AVX-VNNI kernels share -*- C -*-===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The per-column constants of a group of 8 output columns and the epilogue
 * of one row of them in a ymm register: bias and row bias, the exact 64-bit
 * dyadic rescale, the output zero point, saturation and one narrow store.
 *
 *===----------------------------------------------------------------------===*/

#ifndef VITQ_KERNELS_AVX2_COMMON_H
#define VITQ_KERNELS_AVX2_COMMON_H

#include "kernels_impl.h"

#include <immintrin.h>
#include <string.h>

/* The rescale of 4 int64 lanes (the low halves of each 64-bit lane of v
 * and multiplier):
 *
 *   y = clamp(((v * multiplier + round) >> shift) + zp, lo, hi)
 *
 * AVX2 has no arithmetic 64-bit shift, but with the product moved into
 * the unsigned range by 2^63, a logical shift then subtracting
 * 2^(63 - shift) is the arithmetic one (2^63 is a multiple of 2^shift for
 * shift <= 63). So `add` holds round + 2^63 and `sub_zp` zp - 2^(63 - shift),
 * per lane, both wrapping modulo 2^64 as the exact result fits int64. */
static inline __m256i requantize_even(__m256i v, __m256i multiplier,
                                      __m256i add, __m256i shift,
                                      __m256i sub_zp, __m256i lo, __m256i hi,
                                      int clamp) {
  __m256i product = _mm256_add_epi64(_mm256_mul_epi32(v, multiplier), add);
  __m256i y = _mm256_add_epi64(_mm256_srlv_epi64(product, shift), sub_zp);
  if (!clamp)
    return y;
  y = _mm256_blendv_epi8(y, lo, _mm256_cmpgt_epi64(lo, y));
  return _mm256_blendv_epi8(y, hi, _mm256_cmpgt_epi64(y, hi));
}

/* The per-column constants of one group of 8 output columns; the rescale's
 * are split into the even and odd int32 lanes, as int64 lanes. */
typedef struct columns8 {
  __m256i start;      /* start * column sum */
  __m256i bias;       /* 0 without a bias */
  __m256i multiplier; /* as int32 lanes */
  __m256i multiplier_odd;
  __m256i shift_even, shift_odd;   /* requantize_even's `shift` */
  __m256i add_even, add_odd;       /* its `add` */
  __m256i sub_zp_even, sub_zp_odd; /* its `sub_zp` */
  __m256i lo, hi;
  /* Whether a result can leave int32 (a shift below 32): else the
   * saturating packs to int16 and int8 clamp it on their own. */
  int clamp;
} columns8;

/* requantize_even's `add` and `sub_zp` for int64 lanes of `shift`. */
static inline void rescale_constants(__m256i shift, int32_t zp, __m256i *add,
                                     __m256i *sub_zp) {
  __m256i one = _mm256_set1_epi64x(1);
  __m256i top = _mm256_set1_epi64x((int64_t)(UINT64_C(1) << 63));
  __m256i round = _mm256_srli_epi64(_mm256_sllv_epi64(one, shift), 1);
  *add = _mm256_add_epi64(round, top);
  __m256i bias =
      _mm256_sllv_epi64(one, _mm256_sub_epi64(_mm256_set1_epi64x(63), shift));
  *sub_zp = _mm256_sub_epi64(_mm256_set1_epi64x(zp), bias);
}

/* The first `width` (1 to 8) int32 at p; zeros after them. */
static inline __m256i load_first(const int32_t *p, int width) {
  if (width == 8)
    return _mm256_loadu_si256((const __m256i *)p);
  __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(width), lanes);
  return _mm256_maskload_epi32((const int *)p, mask);
}

/* The constants of columns n to n + width - 1 (width <= 8). The column
 * sums are padded to whole blocks; the per-column arrays are not. */
static inline columns8 load_columns(const vitq_linear_i8_args *a, int64_t n,
                                    int width, const int32_t *sums,
                                    int32_t start) {
  columns8 c;
  __m256i s = _mm256_loadu_si256((const __m256i *)(sums + n));
  c.start = _mm256_mullo_epi32(s, _mm256_set1_epi32(start));
  c.bias = a->bias ? load_first(a->bias + n, width) : _mm256_setzero_si256();
  if (a->multiplier) {
    c.multiplier = load_first(a->multiplier + n, width);
    c.multiplier_odd = _mm256_srli_epi64(c.multiplier, 32);
    __m256i shift = load_first(a->shift + n, width);
    c.shift_even = _mm256_and_si256(shift, _mm256_set1_epi64x(0xffffffff));
    c.shift_odd = _mm256_srli_epi64(shift, 32);
    rescale_constants(c.shift_even, a->output_zp, &c.add_even, &c.sub_zp_even);
    rescale_constants(c.shift_odd, a->output_zp, &c.add_odd, &c.sub_zp_odd);
    int64_t hi = ((int64_t)1 << (a->output_bits - 1)) - 1;
    c.hi = _mm256_set1_epi64x(hi);
    c.lo = _mm256_set1_epi64x(-hi - 1);
    /* |v * multiplier + round| < 2^62, so with shifts of 32 or more the
     * result is below 2^30 + |zp| in magnitude. */
    __m256i used = _mm256_cmpgt_epi32(
        _mm256_set1_epi32(width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256i small = _mm256_and_si256(
        used, _mm256_cmpgt_epi32(_mm256_set1_epi32(32), shift));
    c.clamp = !_mm256_testz_si256(small, small);
  }
  return c;
}

/* Stores the first `width` of the `bytes`-wide elements at `from`. */
static inline void store_first(void *to, const void *from, int width,
                               int bytes) {
  memcpy(to, from, (size_t)(width * bytes));
}

/* Rescales and stores the first `width` of the 8 outputs of one row. */
static inline void store_row(const vitq_linear_i8_args *a, const columns8 *c,
                             __m256i acc, int64_t m, int64_t n, int width) {
  __m256i v = _mm256_add_epi32(acc, c->bias);
  if (a->row_bias)
    v = _mm256_add_epi32(v, _mm256_set1_epi32(a->row_bias[m]));
  int64_t at = m * a->output_stride + n;
  if (!a->multiplier) {
    int32_t *out = (int32_t *)a->output + at;
    if (width == 8) {
      _mm256_storeu_si256((__m256i *)out, v);
    } else {
      int32_t lanes[8];
      _mm256_storeu_si256((__m256i *)lanes, v);
      store_first(out, lanes, width, 4);
    }
    return;
  }
  __m256i even = requantize_even(v, c->multiplier, c->add_even, c->shift_even,
                                 c->sub_zp_even, c->lo, c->hi, c->clamp);
  __m256i odd =
      requantize_even(_mm256_srli_epi64(v, 32), c->multiplier_odd, c->add_odd,
                      c->shift_odd, c->sub_zp_odd, c->lo, c->hi, c->clamp);
  /* The results fit 32 bits: interleave them back into lanes. */
  __m256i y = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa);
  __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(y),
                                  _mm256_extracti128_si256(y, 1));
  if (a->output_bits == 16) {
    int16_t *out = (int16_t *)a->output + at;
    if (width == 8) {
      _mm_storeu_si128((__m128i *)out, words);
    } else {
      int16_t lanes[8];
      _mm_storeu_si128((__m128i *)lanes, words);
      store_first(out, lanes, width, 2);
    }
    return;
  }
  __m128i bytes = _mm_packs_epi16(words, words);
  int8_t *out = (int8_t *)a->output + at;
  if (width == 8) {
    _mm_storel_epi64((__m128i *)out, bytes);
  } else {
    int8_t lanes[16];
    _mm_storeu_si128((__m128i *)lanes, bytes);
    store_first(out, lanes, width, 1);
  }
}

#endif /* VITQ_KERNELS_AVX2_COMMON_H */
