/*===- linear_i8_avx2.c - The int8 linear kernel for AVX2 -----------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * AVX2 has no int8 dot product that is exact for any operands (vpmaddubsw
 * saturates its int16 pair sums), so both operands are widened to int16 and
 * multiplied with vpmaddwd, which sums two exact products into each int32
 * lane:
 *
 * - a group of 4 reduction steps of 8 columns is 32 packed bytes; widened,
 *   it is two vectors of 4 columns x 4 steps, and vpmaddwd against the 4
 *   activations of the group (widened and repeated) leaves each column's two
 *   partial sums in adjacent lanes, added up once after the whole K;
 * - the activations of a tile of rows are widened to int16 once (per panel
 *   of columns), so each group's 4 activations are one 64-bit broadcast;
 * - R x 8 outputs stay in 2R accumulators over the whole of K, and the
 *   epilogue (bias, 64-bit dyadic rescale, zero point, saturation) runs on
 *   them in registers before one narrow store: no int32 temporary.
 *
 * Columns are walked in panels whose weights fit half the L2 cache (the
 * running CPU's unless the arguments name one), rows in tiles of R within
 * each panel.
 *
 *===----------------------------------------------------------------------===*/

#include "kernels_impl.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

enum {
  /* Rows per register block: 2R accumulators, 2 weight vectors and the
   * broadcast fit the 16 ymm registers. */
  kRows = 6,
};

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
  __m256i start;      /* -input_zp * column sum */
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
                                    int width, const int32_t *sums) {
  columns8 c;
  __m256i s = _mm256_loadu_si256((const __m256i *)(sums + n));
  c.start = _mm256_mullo_epi32(s, _mm256_set1_epi32(-a->input_zp));
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

/* `rows` (a constant where it is inlined) rows x 8 columns over all of K:
 * xt holds the rows widened to int16 (stride `xt_stride`), w the column
 * half-block's groups (stride 64 bytes). */
static inline __attribute__((always_inline)) void
block(const vitq_linear_i8_args *a, const columns8 *c, const int16_t *xt,
      int64_t xt_stride, const int8_t *w, int64_t groups, int rows, int64_t m,
      int64_t n, int width) {
  __m256i acc[kRows][2];
  for (int r = 0; r < rows; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t g = 0; g < groups; ++g) {
    __m256i packed =
        _mm256_loadu_si256((const __m256i *)(w + g * VITQ_KERNEL_NR * 4));
    __m256i w0 = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(packed));
    __m256i w1 = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(packed, 1));
    for (int r = 0; r < rows; ++r) {
      long long group;
      memcpy(&group, xt + r * xt_stride + g * 4, sizeof(group));
      __m256i x = _mm256_set1_epi64x(group);
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(w0, x));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(w1, x));
    }
  }
  for (int r = 0; r < rows; ++r) {
    /* [c0 c1 c4 c5 | c2 c3 c6 c7] -> [c0 .. c7]. */
    __m256i sum = _mm256_hadd_epi32(acc[r][0], acc[r][1]);
    sum = _mm256_permute4x64_epi64(sum, 0xd8);
    store_row(a, c, _mm256_add_epi32(sum, c->start), m + r, n, width);
  }
}

void vitq_kernel_linear_i8_avx2(const vitq_linear_i8_args *a) {
  int64_t k = a->k, groups = vitq_kernel_groups(k);
  /* Whole groups of 8 columns: the packed blocks hold zero columns up to a
   * multiple of 16, and the last group stores only its real columns. */
  int64_t n8 = (a->n + 7) / 8 * 8;
  int64_t kp = groups * 4; /* the widened rows, padded with zeros */
  int16_t *xt = aligned_alloc(64, (size_t)((kRows * kp * 2 + 63) / 64 * 64));
  if (!xt) {
    vitq_kernel_linear_i8_generic(a);
    return;
  }
  const int32_t *sums = vitq_kernel_column_sums(a->packed, k, a->n);
  int64_t panel = vitq_kernel_panel_bytes(a->l2_bytes) / (groups * 32) * 8;
  if (panel < 8)
    panel = 8;
  for (int64_t p0 = 0; p0 < n8; p0 += panel) {
    int64_t p1 = p0 + panel < n8 ? p0 + panel : n8;
    for (int64_t m0 = 0; m0 < a->m; m0 += kRows) {
      int rows = a->m - m0 < kRows ? (int)(a->m - m0) : kRows;
      for (int r = 0; r < rows; ++r) {
        const int8_t *x = a->input + (m0 + r) * a->input_stride;
        int16_t *row = xt + r * kp;
        for (int64_t i = 0; i < k; ++i)
          row[i] = x[i];
        for (int64_t i = k; i < kp; ++i)
          row[i] = 0;
      }
      for (int64_t n = p0; n < p1; n += 8) {
        int width = a->n - n < 8 ? (int)(a->n - n) : 8;
        columns8 c = load_columns(a, n, width, sums);
        const int8_t *w = vitq_kernel_block(a->packed, k, n / VITQ_KERNEL_NR) +
                          (n % VITQ_KERNEL_NR) * VITQ_KERNEL_KR;
        switch (rows) {
#define VITQ_ROWS_CASE(R)                                                      \
  case R:                                                                      \
    block(a, &c, xt, kp, w, groups, R, m0, n, width);                          \
    break;
          VITQ_ROWS_CASE(1)
          VITQ_ROWS_CASE(2)
          VITQ_ROWS_CASE(3)
          VITQ_ROWS_CASE(4)
          VITQ_ROWS_CASE(5)
          VITQ_ROWS_CASE(6)
#undef VITQ_ROWS_CASE
        }
      }
    }
  }
  free(xt);
}
