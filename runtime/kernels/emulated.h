/*===- emulated.h - The x86 kernels built for any CPU -----------*- C -*-===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * Test support, not part of the library: each x86 kernel compiled with
 * VITQ_KERNEL_EMULATE (emulate_x86.h), which the tests compare with the
 * generic kernel on CPUs without the kernel's instruction set.
 *
 *===----------------------------------------------------------------------===*/

#ifndef VITQ_KERNELS_EMULATED_H
#define VITQ_KERNELS_EMULATED_H

#include "vitq/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The emulated kernel of `isa`; NULL when there is none or this CPU cannot
 * run it (the AVX-VNNI one runs on AVX2). */
vitq_linear_i8_fn vitq_kernel_linear_i8_emulated_for(vitq_isa isa);

/* The same for the FP32 kernels (the AVX-512 one, for the AVX-512 sets). */
vitq_linear_f32_fn vitq_kernel_linear_f32_emulated_for(vitq_isa isa);

#ifdef __cplusplus
}
#endif

#endif /* VITQ_KERNELS_EMULATED_H */
