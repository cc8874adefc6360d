/*===- linear_f32_generic.c - The reference FP32 linear kernel ------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * Plain C over the packed layout: each output one fmaf chain over k from
 * zero, which every vector kernel reproduces lane by lane.
 *
 *===----------------------------------------------------------------------===*/

#include "kernels_impl.h"

#include <math.h>

void vitq_kernel_linear_f32_generic(const vitq_linear_f32_args *args) {
  const float *packed = (const float *)args->packed;
  for (int64_t n = 0; n < args->n; ++n) {
    const float *column =
        packed + (n / VITQ_KERNEL_F32_NR) * VITQ_KERNEL_F32_NR * args->k +
        n % VITQ_KERNEL_F32_NR;
    for (int64_t m = 0; m < args->m; ++m) {
      const float *x = args->input + m * args->input_stride;
      float acc = 0.0f;
      for (int64_t l = 0; l < args->k; ++l)
        acc = fmaf(x[l], column[l * VITQ_KERNEL_F32_NR], acc);
      args->output[m * args->output_stride + n] = acc;
    }
  }
}
