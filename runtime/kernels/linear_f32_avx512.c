/*===- linear_f32_avx512.c - The FP32 linear kernel for AVX-512 -----------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * One zmm is a packed block's 16 weights of one k. R rows x B blocks (R <= 6,
 * B <= 4: 64 columns) stay in R * B accumulators over the whole of K, with B
 * weight vectors and one broadcast (29 of the 32 zmm registers). Each output
 * lane is one FMA chain over k from zero, as the generic kernel's fmaf
 * chain: the results are the same bit for bit. Columns are walked in
 * panels whose weights fit half the L2 cache, rows in tiles of R.
 *
 *===----------------------------------------------------------------------===*/

#include "avx512_common.h"

enum {
  kRows = 6,
  kBlocks = 4,
};

static inline __attribute__((always_inline)) void
block(const vitq_linear_f32_args *a, int rows, int blocks, int64_t m,
      int64_t n) {
  __m512 acc[kRows][kBlocks];
  for (int r = 0; r < rows; ++r)
    for (int b = 0; b < blocks; ++b)
      acc[r][b] = _mm512_setzero_ps();
  /* Block nb holds K rows of 16 floats; consecutive blocks follow. */
  const float *w = (const float *)a->packed + n * a->k;
  int64_t block_floats = a->k * VITQ_KERNEL_F32_NR;
  const float *x = a->input + m * a->input_stride;
  for (int64_t l = 0; l < a->k; ++l) {
    __m512 wv[kBlocks];
    for (int b = 0; b < blocks; ++b)
      wv[b] = _mm512_loadu_ps(w + b * block_floats + l * VITQ_KERNEL_F32_NR);
    for (int r = 0; r < rows; ++r) {
      __m512 v = _mm512_set1_ps(x[r * a->input_stride + l]);
      for (int b = 0; b < blocks; ++b)
        acc[r][b] = _mm512_fmadd_ps(v, wv[b], acc[r][b]);
    }
  }
  for (int b = 0; b < blocks; ++b) {
    int64_t n0 = n + 16 * b;
    __mmask16 mask = vitq_first_lanes(a->n - n0);
    for (int r = 0; r < rows; ++r)
      _mm512_mask_storeu_ps(a->output + (m + r) * a->output_stride + n0, mask,
                            acc[r][b]);
  }
}

static void dispatch(const vitq_linear_f32_args *a, int rows, int blocks,
                     int64_t m, int64_t n) {
#define VITQ_CASE(R, B)                                                        \
  if (rows == R && blocks == B) {                                              \
    block(a, R, B, m, n);                                                      \
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

void vitq_kernel_linear_f32_avx512(const vitq_linear_f32_args *a) {
  int64_t total_blocks = (a->n + VITQ_KERNEL_F32_NR - 1) / VITQ_KERNEL_F32_NR;
  int64_t panel =
      a->k > 0 ? vitq_kernel_panel_bytes(a->l2_bytes) / (a->k * 64) : 0;
  panel = panel < kBlocks ? kBlocks : panel / kBlocks * kBlocks;
  for (int64_t p0 = 0; p0 < total_blocks; p0 += panel) {
    int64_t p1 = p0 + panel < total_blocks ? p0 + panel : total_blocks;
    for (int64_t m0 = 0; m0 < a->m; m0 += kRows) {
      int rows = a->m - m0 < kRows ? (int)(a->m - m0) : kRows;
      for (int64_t nb = p0; nb < p1; nb += kBlocks) {
        int blocks = p1 - nb < kBlocks ? (int)(p1 - nb) : kBlocks;
        dispatch(a, rows, blocks, m0, nb * VITQ_KERNEL_F32_NR);
      }
    }
  }
}
