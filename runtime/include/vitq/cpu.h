/*===- vitq/cpu.h - CPU features and kernel instruction sets ------*- C -*-===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The facts the compiler and the runtime share about x86 CPUs, in one place:
 *
 * - VITQ_CPU_FEATURES: the CPU features a compiled model may need, by their
 *   LLVM names (the compiler lists those its target has in the model's
 *   metadata), with where CPUID reports them and which XCR0 state the OS
 *   must enable (the runtime checks them before running any code, so an
 *   older CPU gets a load error, not SIGILL).
 * - VITQ_ISAS: the instruction sets vitq's contraction kernels are written
 *   for, each defined by the features it needs, in order of preference.
 *
 * Plain C, included by the C runtime and by the C++ compiler alike.
 *
 *===----------------------------------------------------------------------===*/

#ifndef VITQ_CPU_H
#define VITQ_CPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* XCR0 state components (which register state the OS saves). */
#define VITQ_XCR0_SSE 0x2u
#define VITQ_XCR0_AVX 0x6u     /* XMM and upper YMM */
#define VITQ_XCR0_AVX512 0xe6u /* plus opmask and ZMM state */
#define VITQ_XCR0_AMX 0x60006u /* plus tile configuration and data */

/* X(ID, LLVM name, CPUID leaf, subleaf, register (0 eax, 1 ebx, 2 ecx,
 * 3 edx), bit, XCR0 state needed). Features LLVM knows but this table does
 * not (tuning flags, baseline x86-64) are not checked. */
#define VITQ_CPU_FEATURES(X)                                                   \
  X(SSE3, "sse3", 1, 0, 2, 0, VITQ_XCR0_SSE)                                   \
  X(PCLMUL, "pclmul", 1, 0, 2, 1, VITQ_XCR0_SSE)                               \
  X(SSSE3, "ssse3", 1, 0, 2, 9, VITQ_XCR0_SSE)                                 \
  X(FMA, "fma", 1, 0, 2, 12, VITQ_XCR0_AVX)                                    \
  X(SSE4_1, "sse4.1", 1, 0, 2, 19, VITQ_XCR0_SSE)                              \
  X(SSE4_2, "sse4.2", 1, 0, 2, 20, VITQ_XCR0_SSE)                              \
  X(MOVBE, "movbe", 1, 0, 2, 22, 0)                                            \
  X(POPCNT, "popcnt", 1, 0, 2, 23, 0)                                          \
  X(AES, "aes", 1, 0, 2, 25, VITQ_XCR0_SSE)                                    \
  X(AVX, "avx", 1, 0, 2, 28, VITQ_XCR0_AVX)                                    \
  X(F16C, "f16c", 1, 0, 2, 29, VITQ_XCR0_AVX)                                  \
  X(BMI, "bmi", 7, 0, 1, 3, 0)                                                 \
  X(AVX2, "avx2", 7, 0, 1, 5, VITQ_XCR0_AVX)                                   \
  X(BMI2, "bmi2", 7, 0, 1, 8, 0)                                               \
  X(AVX512F, "avx512f", 7, 0, 1, 16, VITQ_XCR0_AVX512)                         \
  X(AVX512DQ, "avx512dq", 7, 0, 1, 17, VITQ_XCR0_AVX512)                       \
  X(ADX, "adx", 7, 0, 1, 19, 0)                                                \
  X(AVX512IFMA, "avx512ifma", 7, 0, 1, 21, VITQ_XCR0_AVX512)                   \
  X(AVX512CD, "avx512cd", 7, 0, 1, 28, VITQ_XCR0_AVX512)                       \
  X(SHA, "sha", 7, 0, 1, 29, VITQ_XCR0_SSE)                                    \
  X(AVX512BW, "avx512bw", 7, 0, 1, 30, VITQ_XCR0_AVX512)                       \
  X(AVX512VL, "avx512vl", 7, 0, 1, 31, VITQ_XCR0_AVX512)                       \
  X(AVX512VBMI, "avx512vbmi", 7, 0, 2, 1, VITQ_XCR0_AVX512)                    \
  X(AVX512VBMI2, "avx512vbmi2", 7, 0, 2, 6, VITQ_XCR0_AVX512)                  \
  X(GFNI, "gfni", 7, 0, 2, 8, VITQ_XCR0_SSE)                                   \
  X(VAES, "vaes", 7, 0, 2, 9, VITQ_XCR0_AVX)                                   \
  X(VPCLMULQDQ, "vpclmulqdq", 7, 0, 2, 10, VITQ_XCR0_AVX)                      \
  X(AVX512VNNI, "avx512vnni", 7, 0, 2, 11, VITQ_XCR0_AVX512)                   \
  X(AVX512BITALG, "avx512bitalg", 7, 0, 2, 12, VITQ_XCR0_AVX512)               \
  X(AVX512VPOPCNTDQ, "avx512vpopcntdq", 7, 0, 2, 14, VITQ_XCR0_AVX512)         \
  X(AMX_BF16, "amx-bf16", 7, 0, 3, 22, VITQ_XCR0_AMX)                          \
  X(AVX512FP16, "avx512fp16", 7, 0, 3, 23, VITQ_XCR0_AVX512)                   \
  X(AMX_TILE, "amx-tile", 7, 0, 3, 24, VITQ_XCR0_AMX)                          \
  X(AMX_INT8, "amx-int8", 7, 0, 3, 25, VITQ_XCR0_AMX)                          \
  X(AVXVNNI, "avxvnni", 7, 1, 0, 4, VITQ_XCR0_AVX)                             \
  X(AVX512BF16, "avx512bf16", 7, 1, 0, 5, VITQ_XCR0_AVX512)                    \
  X(LZCNT, "lzcnt", 0x80000001u, 0, 2, 5, 0)                                   \
  X(SSE4A, "sse4a", 0x80000001u, 0, 2, 6, VITQ_XCR0_SSE)

typedef enum vitq_cpu_feature {
#define VITQ_CPU_FEATURE_ENUM(id, name, leaf, subleaf, reg, bit, xcr0)         \
  VITQ_CPU_##id,
  VITQ_CPU_FEATURES(VITQ_CPU_FEATURE_ENUM)
#undef VITQ_CPU_FEATURE_ENUM
      VITQ_CPU_NUM_FEATURES
} vitq_cpu_feature;

/* X(ID, name, features needed (LLVM names, comma-separated)), from the most
 * to the least preferred: a model's kernels run on the first instruction
 * set the CPU has (or the one chosen below it). */
#define VITQ_ISAS(X)                                                           \
  X(AMX, "amx", "amx-tile,amx-int8,avx512f,avx512bw,avx512vl,avx512vnni")      \
  X(AVX512VNNI, "avx512vnni", "avx512f,avx512bw,avx512vl,avx512vnni")          \
  X(AVXVNNI, "avxvnni", "avx2,fma,avxvnni")                                    \
  X(AVX512BW, "avx512bw", "avx512f,avx512bw,avx512vl")                         \
  X(AVX2, "avx2", "avx2,fma")                                                  \
  X(GENERIC, "generic", "")

typedef enum vitq_isa {
#define VITQ_ISA_ENUM(id, name, features) VITQ_ISA_##id,
  VITQ_ISAS(VITQ_ISA_ENUM)
#undef VITQ_ISA_ENUM
      VITQ_NUM_ISAS
} vitq_isa;

/* The LLVM name of a feature ("avx512vnni"), or NULL when out of range. */
const char *vitq_cpu_feature_name(vitq_cpu_feature feature);

/* The feature of an LLVM name; VITQ_CPU_NUM_FEATURES when unknown. */
vitq_cpu_feature vitq_cpu_feature_by_name(const char *name, size_t length);

/* Whether this CPU has `feature` and the OS enables its register state. */
int vitq_cpu_has(vitq_cpu_feature feature);

/* The name of an instruction set ("avx512vnni"), or NULL. */
const char *vitq_isa_name(vitq_isa isa);

/* The instruction set of a name; VITQ_NUM_ISAS when unknown. */
vitq_isa vitq_isa_by_name(const char *name);

/* The features an instruction set needs, comma-separated LLVM names. */
const char *vitq_isa_features(vitq_isa isa);

/* Whether this CPU has every feature `isa` needs. (AMX also needs the
 * process's permission to use tile data, which the runtime asks for when a
 * model selects it.) */
int vitq_isa_supported(vitq_isa isa);

/* The size of this CPU's L2 cache (per core) in bytes, from CPUID; 512 KiB
 * when the CPU does not report it. */
int64_t vitq_cpu_l2_bytes(void);

/* The most preferred instruction set this CPU supports. */
vitq_isa vitq_isa_best(void);

#ifdef __cplusplus
}
#endif

#endif /* VITQ_CPU_H */
