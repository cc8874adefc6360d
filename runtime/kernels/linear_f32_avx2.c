/*===- linear_f32_avx2.c - The FP32 linear kernel for AVX2 + FMA ----------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * R x 16 outputs (R <= 6) stay in 2R accumulators over the whole of K: for
 * each k, two vectors of the packed block's 16 weights and one broadcast of
 * each row's input, 2R vfmadd231ps. Each output lane is one FMA chain over
 * k from zero, as the generic kernel's fmaf chain. Columns are walked in
 * panels whose weights fit half the L2 cache, rows in tiles of R within
 * each panel, so a panel streams from L2 while the R input rows stay in L1.
 *
 *===----------------------------------------------------------------------===*/

#include "kernels_impl.h"

#include <immintrin.h>

enum {
  /* Rows per register block: 12 accumulators, 2 weight vectors and the
   * broadcast in the 16 ymm registers. */
  kRows = 6,
};

/* Stores the first `width` (1 to 16) of two vectors of 8 outputs. */
static inline void store16(float *out, __m256 lo, __m256 hi, int width) {
  if (width == 16) {
    _mm256_storeu_ps(out, lo);
    _mm256_storeu_ps(out + 8, hi);
    return;
  }
  __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i mlo = _mm256_cmpgt_epi32(_mm256_set1_epi32(width), lanes);
  __m256i mhi = _mm256_cmpgt_epi32(_mm256_set1_epi32(width - 8), lanes);
  _mm256_maskstore_ps(out, mlo, lo);
  _mm256_maskstore_ps(out + 8, mhi, hi);
}

static inline __attribute__((always_inline)) void
block(const vitq_linear_f32_args *a, const float *w, int rows, int64_t m,
      int64_t n, int width) {
  __m256 acc[kRows][2];
  for (int r = 0; r < rows; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  const float *x = a->input + m * a->input_stride;
  for (int64_t l = 0; l < a->k; ++l) {
    __m256 w0 = _mm256_loadu_ps(w + l * VITQ_KERNEL_F32_NR);
    __m256 w1 = _mm256_loadu_ps(w + l * VITQ_KERNEL_F32_NR + 8);
    for (int r = 0; r < rows; ++r) {
      __m256 v = _mm256_broadcast_ss(x + r * a->input_stride + l);
      acc[r][0] = _mm256_fmadd_ps(v, w0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(v, w1, acc[r][1]);
    }
  }
  for (int r = 0; r < rows; ++r)
    store16(a->output + (m + r) * a->output_stride + n, acc[r][0], acc[r][1],
            width);
}

void vitq_kernel_linear_f32_avx2(const vitq_linear_f32_args *a) {
  int64_t k = a->k;
  int64_t n16 = (a->n + 15) / 16 * 16;
  int64_t panel =
      k > 0 ? vitq_kernel_panel_bytes(a->l2_bytes) / (k * 64) * 16 : n16;
  if (panel < 16)
    panel = 16;
  const float *packed = (const float *)a->packed;
  for (int64_t p0 = 0; p0 < n16; p0 += panel) {
    int64_t p1 = p0 + panel < n16 ? p0 + panel : n16;
    for (int64_t m0 = 0; m0 < a->m; m0 += kRows) {
      int rows = a->m - m0 < kRows ? (int)(a->m - m0) : kRows;
      for (int64_t n = p0; n < p1; n += 16) {
        int width = a->n - n < 16 ? (int)(a->n - n) : 16;
        const float *w = packed + n * k;
        switch (rows) {
#define VITQ_ROWS_CASE(R)                                                      \
  case R:                                                                      \
    block(a, w, R, m0, n, width);                                              \
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
}
