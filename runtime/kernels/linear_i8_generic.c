/*===- linear_i8_generic.c - The reference int8 linear kernel -------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * Plain C over the packed layout: the definition every instruction set's
 * kernel equals bit for bit, and their fallback on ragged edges.
 *
 *===----------------------------------------------------------------------===*/

#include "kernels_impl.h"

void vitq_kernel_linear_i8_generic_range(const vitq_linear_i8_args *args,
                                         int64_t m0, int64_t m1, int64_t n0,
                                         int64_t n1) {
  int64_t k = args->k, groups = vitq_kernel_groups(k);
  const int32_t *sums = vitq_kernel_column_sums(args->packed, k, args->n);
  for (int64_t n = n0; n < n1; ++n) {
    const int8_t *block =
        vitq_kernel_block(args->packed, k, n / VITQ_KERNEL_NR);
    int64_t c = n % VITQ_KERNEL_NR;
    for (int64_t m = m0; m < m1; ++m) {
      const int8_t *x = args->input + m * args->input_stride;
      /* Modulo 2^32, as the vector kernels add: the proven result fits. */
      uint32_t acc = (uint32_t)(-(int64_t)args->input_zp * sums[n]);
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t kk = 0; kk < VITQ_KERNEL_KR; ++kk) {
          int64_t row = g * VITQ_KERNEL_KR + kk;
          if (row < k)
            acc += (uint32_t)((int32_t)x[row] *
                              block[(g * VITQ_KERNEL_NR + c) * VITQ_KERNEL_KR +
                                    kk]);
        }
      vitq_kernel_store(args, m, n, (int32_t)acc);
    }
  }
}

void vitq_kernel_linear_i8_generic(const vitq_linear_i8_args *args) {
  vitq_kernel_linear_i8_generic_range(args, 0, args->m, 0, args->n);
}
