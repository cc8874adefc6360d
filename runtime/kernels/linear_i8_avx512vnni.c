/*===- linear_i8_avx512vnni.c - The int8 linear kernel for AVX-512 VNNI ---===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * vpdpbusd multiplies unsigned bytes by signed bytes, four per int32 lane:
 *
 * - a group of 4 reduction steps of a block of 16 columns is exactly one zmm
 *   of the packed layout (16 columns x 4 signed bytes);
 * - the activations enter as x + 128 (unsigned), each group's 4 bytes of a
 *   row broadcast to all lanes, so a lane accumulates (x + 128) . w and the
 *   accumulators' start, -(128 + input_zp) * column sum (+ bias), turns that
 *   into (x - input_zp) . w;
 * - R rows x B blocks (R <= 6, B <= 4: up to 64 columns) stay in R * B
 *   accumulators over the whole of K, with B weight vectors and one
 *   broadcast: 29 of the 32 zmm registers;
 * - the epilogue (avx512_common.h) rescales in registers and stores narrow
 *   with a mask for the ragged last block.
 *
 * Columns are walked in panels whose weights fit half the L2 cache, rows in
 * tiles of R within each panel (widened once per panel and tile).
 *
 *===----------------------------------------------------------------------===*/

#include "avx512_common.h"

#include <stdlib.h>

enum {
  kRows = 6,
  kBlocks = 4,
};

static inline __attribute__((always_inline)) void
block(const vitq_linear_i8_args *a, const int32_t *sums, const uint8_t *xt,
      int64_t xt_stride, int64_t groups, int rows, int blocks, int64_t m,
      int64_t n) {
  __m512i acc[kRows][kBlocks];
  for (int r = 0; r < rows; ++r)
    for (int b = 0; b < blocks; ++b)
      acc[r][b] = _mm512_setzero_si512();
  const int8_t *w = vitq_kernel_block(a->packed, a->k, n / VITQ_KERNEL_NR);
  /* Consecutive blocks are groups * 64 bytes apart. */
  int64_t block_bytes = groups * VITQ_KERNEL_NR * VITQ_KERNEL_KR;
  for (int64_t g = 0; g < groups; ++g) {
    __m512i wv[kBlocks];
    for (int b = 0; b < blocks; ++b)
      wv[b] = _mm512_loadu_si512(w + b * block_bytes + g * 64);
    for (int r = 0; r < rows; ++r) {
      int32_t four;
      memcpy(&four, xt + r * xt_stride + 4 * g, 4);
      __m512i x = _mm512_set1_epi32(four);
      for (int b = 0; b < blocks; ++b)
        acc[r][b] = _mm512_dpbusd_epi32(acc[r][b], x, wv[b]);
    }
  }
  int32_t start = -(128 + a->input_zp);
  for (int b = 0; b < blocks; ++b) {
    int64_t n0 = n + 16 * b;
    vitq_columns16 c = vitq_load_columns16(a, sums, n0, a->n - n0, start);
    for (int r = 0; r < rows; ++r)
      vitq_store_row16(a, &c, acc[r][b], m + r, n0, a->n - n0);
  }
}

/* Rows x blocks as compile-time constants of `block`. */
static void dispatch(const vitq_linear_i8_args *a, const int32_t *sums,
                     const uint8_t *xt, int64_t xt_stride, int64_t groups,
                     int rows, int blocks, int64_t m, int64_t n) {
#define VITQ_CASE(R, B)                                                        \
  if (rows == R && blocks == B) {                                              \
    block(a, sums, xt, xt_stride, groups, R, B, m, n);                         \
    return;                                                                    \
  }
#define VITQ_ROWS(R)                                                           \
  VITQ_CASE(R, 1) VITQ_CASE(R, 2) VITQ_CASE(R, 3) VITQ_CASE(R, 4)
  VITQ_ROWS(1)
  VITQ_ROWS(2)
  VITQ_ROWS(3)
  VITQ_ROWS(4)
  VITQ_ROWS(5)
  VITQ_ROWS(6)
#undef VITQ_ROWS
#undef VITQ_CASE
}

void vitq_kernel_linear_i8_avx512vnni(const vitq_linear_i8_args *a) {
  if (a->k == 0) { /* no groups: the accumulators are the start */
    vitq_kernel_linear_i8_generic(a);
    return;
  }
  int64_t groups = vitq_kernel_groups(a->k);
  int64_t padded = groups * 4;
  int64_t total_blocks = vitq_kernel_blocks(a->n);
  uint8_t *xt = aligned_alloc(64, (size_t)((kRows * padded + 63) / 64 * 64));
  if (!xt) {
    vitq_kernel_linear_i8_generic(a);
    return;
  }
  const int32_t *sums = vitq_kernel_column_sums(a->packed, a->k, a->n);
  /* Column panels of whole register blocks. */
  int64_t panel = vitq_kernel_panel_bytes(a->l2_bytes) / (groups * 64);
  panel = panel < kBlocks ? kBlocks : panel / kBlocks * kBlocks;
  for (int64_t p0 = 0; p0 < total_blocks; p0 += panel) {
    int64_t p1 = p0 + panel < total_blocks ? p0 + panel : total_blocks;
    for (int64_t m0 = 0; m0 < a->m; m0 += kRows) {
      int rows = a->m - m0 < kRows ? (int)(a->m - m0) : kRows;
      vitq_rows_to_u8(a, m0, rows, xt, padded);
      for (int64_t nb = p0; nb < p1; nb += kBlocks) {
        int blocks = p1 - nb < kBlocks ? (int)(p1 - nb) : kBlocks;
        dispatch(a, sums, xt, padded, groups, rows, blocks, m0,
                 nb * VITQ_KERNEL_NR);
      }
    }
  }
  free(xt);
}
