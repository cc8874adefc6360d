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

#include "avx2_common.h"

#include <stdlib.h>

enum {
  /* Rows per register block: 2R accumulators, 2 weight vectors and the
   * broadcast fit the 16 ymm registers. */
  kRows = 6,
};

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
  if (a->k == 0) { /* no groups: the accumulators are the start */
    vitq_kernel_linear_i8_generic(a);
    return;
  }
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
        columns8 c = load_columns(a, n, width, sums, -a->input_zp);
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
