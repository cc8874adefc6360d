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

/* v * multiplier + round, >> shift, + zp, clamped to [lo, hi], for the 4
 * int64 lanes of the low halves of each 64-bit lane of v and multiplier
 * (arithmetic shifts by a variable amount emulated with the sign mask). */
static inline __m256i requantize_even(__m256i v, __m256i multiplier,
                                      __m256i shift, __m256i zp, __m256i lo,
                                      __m256i hi) {
  __m256i product = _mm256_mul_epi32(v, multiplier);
  __m256i one = _mm256_set1_epi64x(1);
  __m256i round = _mm256_srli_epi64(_mm256_sllv_epi64(one, shift), 1);
  product = _mm256_add_epi64(product, round);
  __m256i sign = _mm256_cmpgt_epi64(_mm256_setzero_si256(), product);
  __m256i shifted = _mm256_xor_si256(
      _mm256_srlv_epi64(_mm256_xor_si256(product, sign), shift), sign);
  __m256i y = _mm256_add_epi64(shifted, zp);
  y = _mm256_blendv_epi8(y, lo, _mm256_cmpgt_epi64(lo, y));
  return _mm256_blendv_epi8(y, hi, _mm256_cmpgt_epi64(y, hi));
}

/* The per-column constants of one group of 8 output columns. */
typedef struct columns8 {
  __m256i start;      /* start * column sum */
  __m256i bias;       /* 0 without a bias */
  __m256i multiplier; /* as int32 lanes */
  __m256i shift_even, shift_odd, zp, lo, hi;
} columns8;

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
    __m256i shift = load_first(a->shift + n, width);
    c.shift_even = _mm256_and_si256(shift, _mm256_set1_epi64x(0xffffffff));
    c.shift_odd = _mm256_srli_epi64(shift, 32);
    c.zp = _mm256_set1_epi64x(a->output_zp);
    int64_t hi = ((int64_t)1 << (a->output_bits - 1)) - 1;
    c.hi = _mm256_set1_epi64x(hi);
    c.lo = _mm256_set1_epi64x(-hi - 1);
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
  __m256i even =
      requantize_even(v, c->multiplier, c->shift_even, c->zp, c->lo, c->hi);
  __m256i odd = requantize_even(_mm256_srli_epi64(v, 32),
                                _mm256_srli_epi64(c->multiplier, 32),
                                c->shift_odd, c->zp, c->lo, c->hi);
  /* The clamped values fit 32 bits: interleave them back into lanes. */
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
