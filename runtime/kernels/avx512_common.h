/*===- avx512_common.h - What the AVX-512 and AMX kernels share --*- C -*-===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The per-column constants of a block of 16 output columns and the epilogue
 * of one row of it in a zmm register: the zero-point start, bias and row
 * bias, the exact 64-bit dyadic rescale, the output zero point, saturation
 * and one masked narrow store. With VITQ_KERNEL_EMULATE the intrinsics are
 * emulate_x86.h's portable ones.
 *
 *===----------------------------------------------------------------------===*/

#ifndef VITQ_KERNELS_AVX512_COMMON_H
#define VITQ_KERNELS_AVX512_COMMON_H

#include "kernels_impl.h"

#include <string.h>

#ifdef VITQ_KERNEL_EMULATE
#include "emulate_x86.h"
#else
#include <immintrin.h>
#endif

/* The mask of the first `width` (0 to 16) lanes. */
static inline __mmask16 vitq_first_lanes(int64_t width) {
  return width >= 16 ? (__mmask16)0xffff
                     : (__mmask16)((1u << (width > 0 ? width : 0)) - 1);
}

/* The constants of columns n .. n + 15, of which the first `width` exist
 * (the column sums are padded to whole blocks, the other arrays are not).
 * `start` multiplies the column sums: the accumulators' start is
 * start * sum + bias. */
typedef struct vitq_columns16 {
  __m512i start;      /* start * column sum + bias */
  __m512i multiplier; /* int32 lanes */
  __m512i shift_even, shift_odd, zp, lo, hi;
} vitq_columns16;

static inline vitq_columns16 vitq_load_columns16(const vitq_linear_i8_args *a,
                                                 const int32_t *sums, int64_t n,
                                                 int64_t width, int32_t start) {
  vitq_columns16 c;
  __mmask16 mask = vitq_first_lanes(width);
  c.start = _mm512_mullo_epi32(_mm512_loadu_si512(sums + n),
                               _mm512_set1_epi32(start));
  if (a->bias)
    c.start =
        _mm512_add_epi32(c.start, _mm512_maskz_loadu_epi32(mask, a->bias + n));
  if (a->multiplier) {
    c.multiplier = _mm512_maskz_loadu_epi32(mask, a->multiplier + n);
    __m512i shift = _mm512_maskz_loadu_epi32(mask, a->shift + n);
    c.shift_even =
        _mm512_and_si512(shift, _mm512_set1_epi64((int64_t)0xffffffff));
    c.shift_odd = _mm512_srli_epi64(shift, 32);
    c.zp = _mm512_set1_epi64(a->output_zp);
    int64_t hi = ((int64_t)1 << (a->output_bits - 1)) - 1;
    c.hi = _mm512_set1_epi64(hi);
    c.lo = _mm512_set1_epi64(-hi - 1);
  }
  return c;
}

/* (v * multiplier + 2^(shift-1)) >> shift + zp, clamped, on the 64-bit
 * lanes built from the low halves of v's and multiplier's 64-bit lanes
 * (vitq_kernel_requantize lane by lane). */
static inline __m512i vitq_requantize_even512(__m512i v, __m512i multiplier,
                                              __m512i shift, __m512i zp,
                                              __m512i lo, __m512i hi) {
  __m512i product = _mm512_mul_epi32(v, multiplier);
  __m512i round =
      _mm512_srli_epi64(_mm512_sllv_epi64(_mm512_set1_epi64(1), shift), 1);
  __m512i y = _mm512_srav_epi64(_mm512_add_epi64(product, round), shift);
  y = _mm512_add_epi64(y, zp);
  return _mm512_min_epi64(_mm512_max_epi64(y, lo), hi);
}

/* Adds the column constants and the row's bias to the accumulators of row
 * m, columns n .. n + width - 1, and stores them (int32) or their
 * requantized values (int8, int16). */
static inline void vitq_store_row16(const vitq_linear_i8_args *a,
                                    const vitq_columns16 *c, __m512i acc,
                                    int64_t m, int64_t n, int64_t width) {
  __m512i v = _mm512_add_epi32(acc, c->start);
  if (a->row_bias)
    v = _mm512_add_epi32(v, _mm512_set1_epi32(a->row_bias[m]));
  __mmask16 mask = vitq_first_lanes(width);
  int64_t at = m * a->output_stride + n;
  if (!a->multiplier) {
    _mm512_mask_storeu_epi32((int32_t *)a->output + at, mask, v);
    return;
  }
  __m512i even = vitq_requantize_even512(v, c->multiplier, c->shift_even, c->zp,
                                         c->lo, c->hi);
  __m512i odd = vitq_requantize_even512(_mm512_srli_epi64(v, 32),
                                        _mm512_srli_epi64(c->multiplier, 32),
                                        c->shift_odd, c->zp, c->lo, c->hi);
  /* The clamped values fit 32 bits: even results in the even lanes, odd
   * results shifted into the odd ones. */
  __m512i y = _mm512_mask_blend_epi32((__mmask16)0xaaaa, even,
                                      _mm512_slli_epi64(odd, 32));
  if (a->output_bits == 16)
    _mm256_mask_storeu_epi16((int16_t *)a->output + at, mask,
                             _mm512_cvtsepi32_epi16(y));
  else
    _mm_mask_storeu_epi8((int8_t *)a->output + at, mask,
                         _mm512_cvtsepi32_epi8(y));
}

/* The rows m0 .. m0 + rows - 1 of the input as unsigned bytes (x + 128,
 * the bias vpdpbusd and tdpbusd need), each padded with zeros to
 * `padded` bytes (a multiple of 4; the packed weights are zero there). */
static inline void vitq_rows_to_u8(const vitq_linear_i8_args *a, int64_t m0,
                                   int rows, uint8_t *out, int64_t padded) {
  for (int r = 0; r < rows; ++r) {
    const int8_t *x = a->input + (m0 + r) * a->input_stride;
    uint8_t *row = out + r * padded;
    for (int64_t i = 0; i < a->k; ++i)
      row[i] = (uint8_t)(x[i] ^ 0x80);
    for (int64_t i = a->k; i < padded; ++i)
      row[i] = 0;
  }
}

#endif /* VITQ_KERNELS_AVX512_COMMON_H */
