/*===- linear_i8_avx512bw.c - The int8 linear kernel for AVX-512BW --------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * Without VNNI the exact int8 product is vpmaddwd on operands widened to
 * int16 (vpmaddubsw saturates its pair sums), as in the AVX2 kernel at twice
 * the width:
 *
 * - a group of 4 reduction steps of a block of 16 columns (one zmm of the
 *   packed layout) widens into two zmm of 8 columns x 4 steps; vpmaddwd
 *   against the row's 4 activations (widened and repeated) leaves each
 *   column's two partial sums in adjacent lanes, added after the whole K;
 * - R rows x B blocks (R <= 6, B <= 2: 32 columns) stay in 2RB
 *   accumulators, with 2B widened weights and one broadcast: 29 of the 32
 *   zmm registers;
 * - the epilogue (avx512_common.h) rescales in registers and stores narrow.
 *
 *===----------------------------------------------------------------------===*/

#include "avx512_common.h"

#include <stdlib.h>

enum {
  kRows = 6,
  kBlocks = 2,
};

/* Lanes 2c + 2c+1 of lo (columns 0-7) and hi (columns 8-15) summed into
 * the 16 columns in order. */
static inline __m512i sum_pairs(__m512i lo, __m512i hi) {
  static const int32_t even[16] = {0,  2,  4,  6,  8,  10, 12, 14,
                                   16, 18, 20, 22, 24, 26, 28, 30};
  lo = _mm512_add_epi32(lo, _mm512_shuffle_epi32(lo, (_MM_PERM_ENUM)0xb1));
  hi = _mm512_add_epi32(hi, _mm512_shuffle_epi32(hi, (_MM_PERM_ENUM)0xb1));
  return _mm512_permutex2var_epi32(lo, _mm512_loadu_si512(even), hi);
}

static inline __attribute__((always_inline)) void
block(const vitq_linear_i8_args *a, const int32_t *sums, const int16_t *xt,
      int64_t xt_stride, int64_t groups, int rows, int blocks, int64_t m,
      int64_t n) {
  __m512i acc[kRows][kBlocks][2];
  for (int r = 0; r < rows; ++r)
    for (int b = 0; b < blocks; ++b)
      acc[r][b][0] = acc[r][b][1] = _mm512_setzero_si512();
  const int8_t *w = vitq_kernel_block(a->packed, a->k, n / VITQ_KERNEL_NR);
  int64_t block_bytes = groups * VITQ_KERNEL_NR * VITQ_KERNEL_KR;
  for (int64_t g = 0; g < groups; ++g) {
    __m512i wv[kBlocks][2];
    for (int b = 0; b < blocks; ++b) {
      const int8_t *p = w + b * block_bytes + g * 64;
      wv[b][0] = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)p));
      wv[b][1] =
          _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(p + 32)));
    }
    for (int r = 0; r < rows; ++r) {
      int64_t four;
      memcpy(&four, xt + r * xt_stride + 4 * g, 8);
      __m512i x = _mm512_set1_epi64(four);
      for (int b = 0; b < blocks; ++b) {
        acc[r][b][0] =
            _mm512_add_epi32(acc[r][b][0], _mm512_madd_epi16(wv[b][0], x));
        acc[r][b][1] =
            _mm512_add_epi32(acc[r][b][1], _mm512_madd_epi16(wv[b][1], x));
      }
    }
  }
  for (int b = 0; b < blocks; ++b) {
    int64_t n0 = n + 16 * b;
    vitq_columns16 c =
        vitq_load_columns16(a, sums, n0, a->n - n0, -a->input_zp);
    for (int r = 0; r < rows; ++r)
      vitq_store_row16(a, &c, sum_pairs(acc[r][b][0], acc[r][b][1]), m + r, n0,
                       a->n - n0);
  }
}

static void dispatch(const vitq_linear_i8_args *a, const int32_t *sums,
                     const int16_t *xt, int64_t xt_stride, int64_t groups,
                     int rows, int blocks, int64_t m, int64_t n) {
#define VITQ_CASE(R, B)                                                        \
  if (rows == R && blocks == B) {                                              \
    block(a, sums, xt, xt_stride, groups, R, B, m, n);                         \
    return;                                                                    \
  }
#define VITQ_ROWS(R) VITQ_CASE(R, 1) VITQ_CASE(R, 2)
  VITQ_ROWS(1)
  VITQ_ROWS(2)
  VITQ_ROWS(3)
  VITQ_ROWS(4)
  VITQ_ROWS(5)
  VITQ_ROWS(6)
#undef VITQ_ROWS
#undef VITQ_CASE
}

void vitq_kernel_linear_i8_avx512bw(const vitq_linear_i8_args *a) {
  if (a->k == 0) { /* no groups: the accumulators are the start */
    vitq_kernel_linear_i8_generic(a);
    return;
  }
  int64_t groups = vitq_kernel_groups(a->k);
  int64_t padded = groups * 4;
  int64_t total_blocks = vitq_kernel_blocks(a->n);
  int16_t *xt =
      aligned_alloc(64, (size_t)((kRows * padded * 2 + 63) / 64 * 64));
  if (!xt) {
    vitq_kernel_linear_i8_generic(a);
    return;
  }
  const int32_t *sums = vitq_kernel_column_sums(a->packed, a->k, a->n);
  int64_t panel = vitq_kernel_panel_bytes(a->l2_bytes) / (groups * 64);
  panel = panel < kBlocks ? kBlocks : panel / kBlocks * kBlocks;
  for (int64_t p0 = 0; p0 < total_blocks; p0 += panel) {
    int64_t p1 = p0 + panel < total_blocks ? p0 + panel : total_blocks;
    for (int64_t m0 = 0; m0 < a->m; m0 += kRows) {
      int rows = a->m - m0 < kRows ? (int)(a->m - m0) : kRows;
      /* The rows widened to int16, zero-padded to whole groups. */
      for (int r = 0; r < rows; ++r) {
        const int8_t *x = a->input + (m0 + r) * a->input_stride;
        int16_t *row = xt + r * padded;
        for (int64_t i = 0; i < a->k; ++i)
          row[i] = x[i];
        for (int64_t i = a->k; i < padded; ++i)
          row[i] = 0;
      }
      for (int64_t nb = p0; nb < p1; nb += kBlocks) {
        int blocks = p1 - nb < kBlocks ? (int)(p1 - nb) : kBlocks;
        dispatch(a, sums, xt, padded, groups, rows, blocks, m0,
                 nb * VITQ_KERNEL_NR);
      }
    }
  }
  free(xt);
}
