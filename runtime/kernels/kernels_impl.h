/*===- kernels_impl.h - What the kernels share ---------------------*- C -*-===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * Layout arithmetic and the exact scalar epilogue every kernel variant uses
 * for its ragged edges (and the generic kernel for everything).
 *
 *===----------------------------------------------------------------------===*/

#ifndef VITQ_KERNELS_IMPL_H
#define VITQ_KERNELS_IMPL_H

#include "vitq/kernels.h"

static inline int64_t vitq_kernel_blocks(int64_t n) {
  return (n + VITQ_KERNEL_NR - 1) / VITQ_KERNEL_NR;
}

static inline int64_t vitq_kernel_groups(int64_t k) {
  return (k + VITQ_KERNEL_KR - 1) / VITQ_KERNEL_KR;
}

/* The first byte of column block `nb`'s groups. */
static inline const int8_t *vitq_kernel_block(const void *packed, int64_t k,
                                              int64_t nb) {
  return (const int8_t *)packed +
         nb * vitq_kernel_groups(k) * VITQ_KERNEL_NR * VITQ_KERNEL_KR;
}

/* Bytes of the blocks, where the column sums start. */
static inline int64_t vitq_kernel_blocks_bytes(int64_t k, int64_t n) {
  return vitq_kernel_blocks(n) * vitq_kernel_groups(k) * VITQ_KERNEL_NR *
         VITQ_KERNEL_KR;
}

/* The column sums after the blocks. */
static inline const int32_t *vitq_kernel_column_sums(const void *packed,
                                                     int64_t k, int64_t n) {
  return (const int32_t *)((const char *)packed +
                           vitq_kernel_blocks_bytes(k, n));
}

/* The rescale and saturation of one accumulator (docs/integer-semantics.md:
 * (v * multiplier + 2^(shift-1)) >> shift, plus the zero point, clamped to
 * the output width). |v| <= 2^31 and |multiplier| < 2^31 keep the product
 * and the rounding term inside 63 bits. */
static inline int64_t vitq_kernel_requantize(int32_t v, int32_t multiplier,
                                             int32_t shift, int32_t zp,
                                             int32_t bits) {
  int64_t product = (int64_t)v * multiplier;
  if (shift > 0)
    product += (int64_t)1 << (shift - 1);
  int64_t y = (product >> shift) + zp;
  int64_t hi = ((int64_t)1 << (bits - 1)) - 1, lo = -hi - 1;
  return y < lo ? lo : y > hi ? hi : y;
}

/* Stores output element (m, n) of `args` from the int32 accumulator. */
static inline void vitq_kernel_store(const vitq_linear_i8_args *args, int64_t m,
                                     int64_t n, int32_t acc) {
  int64_t at = m * args->output_stride + n;
  if (args->bias)
    acc = (int32_t)((uint32_t)acc + (uint32_t)args->bias[n]);
  if (args->row_bias)
    acc = (int32_t)((uint32_t)acc + (uint32_t)args->row_bias[m]);
  if (!args->multiplier) {
    ((int32_t *)args->output)[at] = acc;
    return;
  }
  int64_t y = vitq_kernel_requantize(acc, args->multiplier[n], args->shift[n],
                                     args->output_zp, args->output_bits);
  if (args->output_bits == 8)
    ((int8_t *)args->output)[at] = (int8_t)y;
  else
    ((int16_t *)args->output)[at] = (int16_t)y;
}

/* Bytes of packed weight per column panel: half the L2 the arguments name,
 * or half the running CPU's. */
static inline int64_t vitq_kernel_panel_bytes(int64_t l2_bytes) {
  int64_t l2 = l2_bytes > 0 ? l2_bytes : vitq_cpu_l2_bytes();
  return l2 / 2;
}

/* The generic kernel, for every variant's ragged rows and columns:
 * output rows [m0, m1) and columns [n0, n1). */
void vitq_kernel_linear_i8_generic_range(const vitq_linear_i8_args *args,
                                         int64_t m0, int64_t m1, int64_t n0,
                                         int64_t n1);

/* The variants (NULL-free only where the build compiles them). */
void vitq_kernel_linear_i8_generic(const vitq_linear_i8_args *args);
void vitq_kernel_linear_i8_avx2(const vitq_linear_i8_args *args);
void vitq_kernel_linear_i8_avxvnni(const vitq_linear_i8_args *args);
void vitq_kernel_linear_i8_avx512bw(const vitq_linear_i8_args *args);
void vitq_kernel_linear_i8_avx512vnni(const vitq_linear_i8_args *args);
void vitq_kernel_linear_i8_amx(const vitq_linear_i8_args *args);
void vitq_kernel_linear_f32_generic(const vitq_linear_f32_args *args);
void vitq_kernel_linear_f32_avx2(const vitq_linear_f32_args *args);
void vitq_kernel_linear_f32_avx512(const vitq_linear_f32_args *args);

#endif /* VITQ_KERNELS_IMPL_H */
