/*===- pack.c - The packed weight layout of the int8 kernels --------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The layout vitq/kernels.h describes, written once: the compiler packs
 * constant weights with it at compile time, the tests and benchmarks at
 * run time.
 *
 *===----------------------------------------------------------------------===*/

#include "kernels_impl.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

void vitq_kernel_pack_strided(const int8_t *w, int64_t stride, int64_t k,
                              int64_t n, int transposed, void *packed) {
  int64_t blocks = vitq_kernel_blocks(n), groups = vitq_kernel_groups(k);
  int8_t *out = (int8_t *)packed;
  int32_t *sums = (int32_t *)(out + vitq_kernel_blocks_bytes(k, n));
  /* Zeros outside K and N: the last group's missing steps and the last
   * block's missing columns. */
  memset(out, 0, (size_t)vitq_kernel_packed_size(k, n));
  for (int64_t nb = 0; nb < blocks; ++nb) {
    int64_t c0 = nb * VITQ_KERNEL_NR;
    int64_t width = n - c0 < VITQ_KERNEL_NR ? n - c0 : VITQ_KERNEL_NR;
    int8_t *block = out + nb * groups * VITQ_KERNEL_NR * VITQ_KERNEL_KR;
    int32_t sum[VITQ_KERNEL_NR] = {0};
    int64_t whole = k / VITQ_KERNEL_KR; /* groups of 4 steps all within K */
    if (transposed) {
      /* Column c0 + c is a contiguous row of w: each of its groups of 4
       * steps is 4 contiguous bytes of the block's group. */
      for (int64_t c = 0; c < width; ++c) {
        const int8_t *row = w + (c0 + c) * stride;
        for (int64_t g = 0; g < whole; ++g)
          memcpy(block + (g * VITQ_KERNEL_NR + c) * VITQ_KERNEL_KR,
                 row + g * VITQ_KERNEL_KR, VITQ_KERNEL_KR);
        for (int64_t l = whole * VITQ_KERNEL_KR; l < k; ++l)
          block[(whole * VITQ_KERNEL_NR + c) * VITQ_KERNEL_KR +
                l % VITQ_KERNEL_KR] = row[l];
        int32_t total = 0;
        for (int64_t l = 0; l < k; ++l)
          total += row[l];
        sum[c] = total;
      }
    } else {
      /* Rows l .. l + 3 of w hold the 4 steps of a group for every column
       * of the block: a 4 x 16 byte transpose per group. */
      int64_t g = 0;
#ifdef __SSE2__
      if (width == VITQ_KERNEL_NR) {
        for (; g < whole; ++g) {
          const int8_t *r = w + g * VITQ_KERNEL_KR * stride + c0;
          __m128i r0 = _mm_loadu_si128((const __m128i *)r);
          __m128i r1 = _mm_loadu_si128((const __m128i *)(r + stride));
          __m128i r2 = _mm_loadu_si128((const __m128i *)(r + 2 * stride));
          __m128i r3 = _mm_loadu_si128((const __m128i *)(r + 3 * stride));
          __m128i lo01 = _mm_unpacklo_epi8(r0, r1),
                  hi01 = _mm_unpackhi_epi8(r0, r1);
          __m128i lo23 = _mm_unpacklo_epi8(r2, r3),
                  hi23 = _mm_unpackhi_epi8(r2, r3);
          int8_t *group = block + g * VITQ_KERNEL_NR * VITQ_KERNEL_KR;
          _mm_storeu_si128((__m128i *)group, _mm_unpacklo_epi16(lo01, lo23));
          _mm_storeu_si128((__m128i *)(group + 16),
                           _mm_unpackhi_epi16(lo01, lo23));
          _mm_storeu_si128((__m128i *)(group + 32),
                           _mm_unpacklo_epi16(hi01, hi23));
          _mm_storeu_si128((__m128i *)(group + 48),
                           _mm_unpackhi_epi16(hi01, hi23));
        }
      }
#endif
      for (int64_t l = g * VITQ_KERNEL_KR; l < k; ++l) {
        const int8_t *row = w + l * stride + c0;
        int8_t *group = block +
                        (l / VITQ_KERNEL_KR) * VITQ_KERNEL_NR * VITQ_KERNEL_KR +
                        l % VITQ_KERNEL_KR;
        for (int64_t c = 0; c < width; ++c)
          group[c * VITQ_KERNEL_KR] = row[c];
      }
      for (int64_t l = 0; l < k; ++l) {
        const int8_t *row = w + l * stride + c0;
        for (int64_t c = 0; c < width; ++c)
          sum[c] += row[c];
      }
    }
    for (int64_t c = 0; c < width; ++c)
      sums[c0 + c] = sum[c];
  }
}

void vitq_kernel_pack(const int8_t *w, int64_t k, int64_t n, int transposed,
                      void *packed) {
  vitq_kernel_pack_strided(w, transposed ? k : n, k, n, transposed, packed);
}

void vitq_kernel_pack_f32(const float *w, int64_t stride, int64_t k, int64_t n,
                          int transposed, void *packed) {
  float *out = (float *)packed;
  memset(out, 0, (size_t)vitq_kernel_packed_f32_size(k, n));
  for (int64_t c0 = 0; c0 < n; c0 += VITQ_KERNEL_F32_NR) {
    int64_t width = n - c0 < VITQ_KERNEL_F32_NR ? n - c0 : VITQ_KERNEL_F32_NR;
    float *block = out + c0 * k;
    if (transposed) {
      for (int64_t c = 0; c < width; ++c) {
        const float *row = w + (c0 + c) * stride;
        for (int64_t l = 0; l < k; ++l)
          block[l * VITQ_KERNEL_F32_NR + c] = row[l];
      }
    } else {
      for (int64_t l = 0; l < k; ++l)
        memcpy(block + l * VITQ_KERNEL_F32_NR, w + l * stride + c0,
               (size_t)width * sizeof(float));
    }
  }
}
