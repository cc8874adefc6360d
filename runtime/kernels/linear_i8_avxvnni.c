/*===- linear_i8_avxvnni.c - The int8 linear kernel for AVX-VNNI ----------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The 256-bit vpdpbusd (VEX-encoded AVX-VNNI, on CPUs without AVX-512):
 *
 * - a group of 4 reduction steps of a block of 16 columns (64 packed bytes)
 *   is two ymm, columns 0-7 and 8-15, in place;
 * - the activations enter as x + 128 (unsigned), each group's 4 bytes of a
 *   row broadcast, and the accumulators' start -(128 + input_zp) * column
 *   sum makes (x + 128) . w into (x - input_zp) . w;
 * - R rows x 16 columns (R <= 6) stay in 2R accumulators over the whole of
 *   K, with 2 weight vectors and one broadcast: 15 of the 16 ymm registers;
 * - the AVX2 epilogue (avx2_common.h) rescales in registers.
 *
 * With VITQ_KERNEL_EMULATE the one AVX-VNNI instruction is emulated on
 * AVX2, so the tests run the kernel on CPUs without it.
 *
 *===----------------------------------------------------------------------===*/

#include "avx2_common.h"

#include <stdlib.h>

#ifdef VITQ_KERNEL_EMULATE
/* vpdpbusd: each int32 lane plus the four products of its unsigned bytes
 * of `a` and signed bytes of `b`, modulo 2^32. */
static inline __m256i dpbusd(__m256i src, __m256i a, __m256i b) {
  uint8_t ua[32];
  int8_t sb[32];
  int32_t acc[8];
  _mm256_storeu_si256((__m256i *)ua, a);
  _mm256_storeu_si256((__m256i *)sb, b);
  _mm256_storeu_si256((__m256i *)acc, src);
  for (int i = 0; i < 8; ++i) {
    int32_t sum = 0;
    for (int j = 0; j < 4; ++j)
      sum += (int32_t)ua[4 * i + j] * sb[4 * i + j];
    acc[i] = (int32_t)((uint32_t)acc[i] + (uint32_t)sum);
  }
  return _mm256_loadu_si256((const __m256i *)acc);
}
#else
static inline __m256i dpbusd(__m256i src, __m256i a, __m256i b) {
  return _mm256_dpbusd_avx_epi32(src, a, b);
}
#endif

enum {
  kRows = 6,
};

static inline __attribute__((always_inline)) void
block(const vitq_linear_i8_args *a, const int32_t *sums, const uint8_t *xt,
      int64_t xt_stride, int64_t groups, int rows, int64_t m, int64_t n) {
  __m256i acc[kRows][2];
  for (int r = 0; r < rows; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  const int8_t *w = vitq_kernel_block(a->packed, a->k, n / VITQ_KERNEL_NR);
  for (int64_t g = 0; g < groups; ++g) {
    __m256i w0 = _mm256_loadu_si256((const __m256i *)(w + g * 64));
    __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + g * 64 + 32));
    for (int r = 0; r < rows; ++r) {
      int32_t four;
      memcpy(&four, xt + r * xt_stride + 4 * g, 4);
      __m256i x = _mm256_set1_epi32(four);
      acc[r][0] = dpbusd(acc[r][0], x, w0);
      acc[r][1] = dpbusd(acc[r][1], x, w1);
    }
  }
  int32_t start = -(128 + a->input_zp);
  for (int half = 0; half < 2; ++half) {
    int64_t n0 = n + 8 * half;
    if (n0 >= a->n)
      break;
    int width = a->n - n0 < 8 ? (int)(a->n - n0) : 8;
    columns8 c = load_columns(a, n0, width, sums, start);
    for (int r = 0; r < rows; ++r)
      store_row(a, &c, _mm256_add_epi32(acc[r][half], c.start), m + r, n0,
                width);
  }
}

void vitq_kernel_linear_i8_avxvnni(const vitq_linear_i8_args *a) {
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
  int64_t panel = vitq_kernel_panel_bytes(a->l2_bytes) / (groups * 64);
  if (panel < 1)
    panel = 1;
  for (int64_t p0 = 0; p0 < total_blocks; p0 += panel) {
    int64_t p1 = p0 + panel < total_blocks ? p0 + panel : total_blocks;
    for (int64_t m0 = 0; m0 < a->m; m0 += kRows) {
      int rows = a->m - m0 < kRows ? (int)(a->m - m0) : kRows;
      for (int r = 0; r < rows; ++r) {
        const int8_t *x = a->input + (m0 + r) * a->input_stride;
        uint8_t *row = xt + r * padded;
        for (int64_t i = 0; i < a->k; ++i)
          row[i] = (uint8_t)(x[i] ^ 0x80);
        for (int64_t i = a->k; i < padded; ++i)
          row[i] = 0;
      }
      for (int64_t nb = p0; nb < p1; ++nb) {
        switch (rows) {
#define VITQ_ROWS_CASE(R)                                                      \
  case R:                                                                      \
    block(a, sums, xt, padded, groups, R, m0, nb *VITQ_KERNEL_NR);             \
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
