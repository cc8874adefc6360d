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

void vitq_kernel_pack(const int8_t *w, int64_t k, int64_t n, int transposed,
                      void *packed) {
  int64_t blocks = vitq_kernel_blocks(n), groups = vitq_kernel_groups(k);
  int8_t *out = (int8_t *)packed;
  memset(out, 0, (size_t)vitq_kernel_packed_size(k, n));
  int32_t *sums = (int32_t *)(out + vitq_kernel_blocks_bytes(k, n));
  for (int64_t nb = 0; nb < blocks; ++nb)
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t c = 0; c < VITQ_KERNEL_NR; ++c)
        for (int64_t kk = 0; kk < VITQ_KERNEL_KR; ++kk) {
          int64_t row = g * VITQ_KERNEL_KR + kk, col = nb * VITQ_KERNEL_NR + c;
          if (row >= k || col >= n)
            continue;
          int8_t v = transposed ? w[col * k + row] : w[row * n + col];
          out[((nb * groups + g) * VITQ_KERNEL_NR + c) * VITQ_KERNEL_KR + kk] =
              v;
          sums[col] += v;
        }
}
