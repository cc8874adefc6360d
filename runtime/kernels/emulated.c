/*===- emulated.c - The x86 kernels built for any CPU ---------------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*/

#include "emulated.h"

void vitq_kernel_linear_i8_amx_emulated(const vitq_linear_i8_args *args);
void vitq_kernel_linear_i8_avx512vnni_emulated(const vitq_linear_i8_args *args);
void vitq_kernel_linear_i8_avxvnni_emulated(const vitq_linear_i8_args *args);
void vitq_kernel_linear_i8_avx512bw_emulated(const vitq_linear_i8_args *args);
void vitq_kernel_linear_f32_avx512_emulated(const vitq_linear_f32_args *args);

vitq_linear_f32_fn vitq_kernel_linear_f32_emulated_for(vitq_isa isa) {
  switch (isa) {
  case VITQ_ISA_AMX:
  case VITQ_ISA_AVX512VNNI:
  case VITQ_ISA_AVX512BW:
    return vitq_kernel_linear_f32_avx512_emulated;
  default:
    return NULL;
  }
}

vitq_linear_i8_fn vitq_kernel_linear_i8_emulated_for(vitq_isa isa) {
  switch (isa) {
  case VITQ_ISA_AMX:
    return vitq_kernel_linear_i8_amx_emulated;
  case VITQ_ISA_AVX512VNNI:
    return vitq_kernel_linear_i8_avx512vnni_emulated;
  case VITQ_ISA_AVXVNNI:
    return vitq_isa_supported(VITQ_ISA_AVX2)
               ? vitq_kernel_linear_i8_avxvnni_emulated
               : NULL;
  case VITQ_ISA_AVX512BW:
    return vitq_kernel_linear_i8_avx512bw_emulated;
  default:
    return NULL;
  }
}
