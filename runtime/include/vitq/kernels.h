/*===- vitq/kernels.h - Contraction kernels ------------------------*- C -*-===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The contraction kernels compiled models call, and the facts the compiler
 * and the kernels share: the packed weight layout and the arguments.
 *
 * An int8 linear layer with a constant weight,
 *
 *   acc[m][n] = sum_k (x[m][k] - input_zp) * w[k][n] + bias[n]
 *   y[m][n]   = sat_w(rescale_n(acc[m][n]) + output_zp)
 *
 * (docs/integer-semantics.md, vitq.linear), reads its weight packed once,
 * at compile time, in one layout every instruction set reads: blocks of
 * VITQ_KERNEL_NR output columns; within a block, for each group of
 * VITQ_KERNEL_KR reduction steps, the NR columns' KR bytes in a row:
 *
 *   packed[nb][kg][c][kk] = w[kg * KR + kk][nb * NR + c]   (0 outside K, N)
 *
 * which is what AVX-512 VNNI's vpdpbusd (16 columns x 4 bytes per zmm) and
 * AMX's tdpbusd (a B tile row is 16 columns x 4 bytes) take directly. The
 * column sums of w follow the blocks as int32[N rounded up to NR]: the
 * kernels fold the input zero point (and VNNI's +128 shift of the
 * activations) into the accumulators' start with them.
 *
 * Each kernel exists once per instruction set of vitq/cpu.h plus a generic
 * one, the reference every other one equals bit for bit; the first call
 * selects the best the CPU supports (VITQ_ISA in the environment, or
 * vitq_kernels_select, caps it).
 *
 *===----------------------------------------------------------------------===*/

#ifndef VITQ_KERNELS_H
#define VITQ_KERNELS_H

#include "vitq/cpu.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Output columns per packed block, and reduction steps per group. */
#define VITQ_KERNEL_NR 16
#define VITQ_KERNEL_KR 4

/* Bytes of a packed weight of k x n (blocks and column sums). */
static inline int64_t vitq_kernel_packed_size(int64_t k, int64_t n) {
  int64_t blocks = (n + VITQ_KERNEL_NR - 1) / VITQ_KERNEL_NR;
  int64_t groups = (k + VITQ_KERNEL_KR - 1) / VITQ_KERNEL_KR;
  return blocks * VITQ_KERNEL_NR * (groups * VITQ_KERNEL_KR + 4);
}

/* Packs w (k x n row-major, or n x k with `transposed`) into `packed`,
 * which holds vitq_kernel_packed_size(k, n) bytes. */
void vitq_kernel_pack(const int8_t *w, int64_t k, int64_t n, int transposed,
                      void *packed);

/* The same for rows of w `stride` elements apart. */
void vitq_kernel_pack_strided(const int8_t *w, int64_t stride, int64_t k,
                              int64_t n, int transposed, void *packed);

/* One int8 linear layer: rows of `input` (m x k, row stride
 * `input_stride` elements) times the packed weight, plus `bias` (n int32,
 * or NULL) and `row_bias` (m int32, or NULL), then per output column n the
 * dyadic rescale (multiplier[n], shift[n]) and `output_zp`, saturated to
 * `output_bits` (8 or 16). With `multiplier` NULL the int32 accumulators
 * are the output (output_bits 32). Outputs are m x n with row stride
 * `output_stride` elements. Sums are modulo 2^32, as int32 hardware adds
 * (the compiler proves the exact result fits). The kernels walk the
 * columns in panels of about `l2_bytes / 2` bytes of packed weight (0: the
 * running CPU's L2, vitq_cpu_l2_bytes). */
typedef struct vitq_linear_i8_args {
  int64_t m, n, k;
  const int8_t *input;
  int64_t input_stride;
  int32_t input_zp;
  const void *packed;
  const int32_t *bias;
  const int32_t *row_bias;
  const int32_t *multiplier;
  const int32_t *shift;
  int32_t output_zp;
  int32_t output_bits;
  void *output;
  int64_t output_stride;
  int64_t l2_bytes;
} vitq_linear_i8_args;

/* The kernel of the selected instruction set. */
void vitq_kernel_linear_i8(const vitq_linear_i8_args *args);

/* The same with the arguments spelled out: what compiled models call
 * (vitq-lower-kernel-calls). */
void vitq_kernel_linear_i8_call(int64_t m, int64_t n, int64_t k,
                                const int8_t *input, int64_t input_stride,
                                int32_t input_zp, const void *packed,
                                const int32_t *bias, const int32_t *multiplier,
                                const int32_t *shift, int32_t output_zp,
                                int32_t output_bits, void *output,
                                int64_t output_stride, int64_t l2_bytes);

/* A batch of int8 x int8 matrix products whose operands are both produced
 * at run time (attention's Q K^T and A V):
 *
 *   acc[b][i][j] = sum_l (lhs[b][i][l] - lhs_zp) * (rhs[b][l][j] - rhs_zp)
 *   out[b][i][j] = sat_w(rescale(acc[b][i][j]) + output_zp)
 *
 * with one dyadic rescale (multiplier, shift) for the whole product and
 * `output_bits` 8 or 16 (vitq.matmul followed by a per-tensor
 * vitq.requantize); with `output_bits` 32 the int32 accumulators are the
 * output and multiplier, shift and output_zp are ignored. lhs is m x k per
 * batch (rows `lhs_stride` elements apart, batches `lhs_batch_stride`),
 * rhs k x n, or n x k with `rhs_transposed` (rows `rhs_stride` apart,
 * batches `rhs_batch_stride`: 0 shares one matrix), out m x n
 * (`out_stride`, `out_batch_stride`, in elements of the output type). Each
 * batch's rhs is packed into `workspace` (vitq_kernel_matmul_workspace_size
 * bytes, 64-byte aligned) and multiplied by the selected linear kernel,
 * with rhs_zp's share as a per-row bias. */
void vitq_kernel_matmul_i8_call(
    int64_t batch, int64_t m, int64_t n, int64_t k, const int8_t *lhs,
    int64_t lhs_batch_stride, int64_t lhs_stride, int32_t lhs_zp,
    const int8_t *rhs, int64_t rhs_batch_stride, int64_t rhs_stride,
    int32_t rhs_transposed, int32_t rhs_zp, int32_t multiplier, int32_t shift,
    int32_t output_zp, int32_t output_bits, void *out, int64_t out_batch_stride,
    int64_t out_stride, void *workspace, int64_t l2_bytes);

/* Bytes of vitq_kernel_matmul_i8_call's workspace: the packed rhs, the row
 * biases and the per-column copies of the rescale. */
static inline int64_t vitq_kernel_matmul_workspace_size(int64_t m, int64_t n,
                                                        int64_t k) {
  int64_t packed = (vitq_kernel_packed_size(k, n) + 63) / 64 * 64;
  return packed + (m + 2 * n) * 4;
}

/* FP32 linear layers read their constant weight packed at compile time in
 * blocks of VITQ_KERNEL_F32_NR output columns, each the block's K rows of
 * NR floats (zeros past N):
 *
 *   packed[nb][k][c] = w[k][nb * NR + c]
 *
 * Every kernel computes each output as one fused multiply-add chain over
 * k = 0 .. K-1 from zero, the generic one with fmaf, so that all of them
 * agree bit for bit. */
#define VITQ_KERNEL_F32_NR 16

/* Bytes of a packed FP32 weight of k x n. */
static inline int64_t vitq_kernel_packed_f32_size(int64_t k, int64_t n) {
  return (n + VITQ_KERNEL_F32_NR - 1) / VITQ_KERNEL_F32_NR *
         VITQ_KERNEL_F32_NR * k * 4;
}

/* Packs w (k x n, rows `stride` floats apart; or n x k with `transposed`)
 * into `packed`, which holds vitq_kernel_packed_f32_size(k, n) bytes. */
void vitq_kernel_pack_f32(const float *w, int64_t stride, int64_t k, int64_t n,
                          int transposed, void *packed);

/* One FP32 linear layer: out[m][n] = sum_k input[m][k] * w[k][n] (rows of
 * input `input_stride` floats apart, of out `output_stride`); `l2_bytes`
 * as for the int8 kernels. */
typedef struct vitq_linear_f32_args {
  int64_t m, n, k;
  const float *input;
  int64_t input_stride;
  const void *packed;
  float *output;
  int64_t output_stride;
  int64_t l2_bytes;
} vitq_linear_f32_args;

typedef void (*vitq_linear_f32_fn)(const vitq_linear_f32_args *args);

/* The FP32 kernel an instruction set's selection runs (the AVX2 one for
 * AVX-VNNI, ...); NULL when this build has none for `isa`. */
vitq_linear_f32_fn vitq_kernel_linear_f32_for(vitq_isa isa);

/* What compiled models call, with the selected instruction set. */
void vitq_kernel_linear_f32_call(int64_t m, int64_t n, int64_t k,
                                 const float *input, int64_t input_stride,
                                 const void *packed, float *output,
                                 int64_t output_stride, int64_t l2_bytes);

/* A batch of FP32 matrix products of two run-time operands, as
 * vitq_kernel_matmul_i8_call without zero points. */
void vitq_kernel_matmul_f32_call(int64_t batch, int64_t m, int64_t n, int64_t k,
                                 const float *lhs, int64_t lhs_batch_stride,
                                 int64_t lhs_stride, const float *rhs,
                                 int64_t rhs_batch_stride, int64_t rhs_stride,
                                 int32_t rhs_transposed, float *out,
                                 int64_t out_batch_stride, int64_t out_stride,
                                 void *workspace, int64_t l2_bytes);

/* Bytes of vitq_kernel_matmul_f32_call's workspace. */
static inline int64_t vitq_kernel_matmul_f32_workspace_size(int64_t n,
                                                            int64_t k) {
  return vitq_kernel_packed_f32_size(k, n);
}

/* One instruction set's kernel, for tests and benchmarks: NULL when this
 * build has none for `isa` (every build has the generic one). Calling it
 * on a CPU without the instruction set is undefined. */
typedef void (*vitq_linear_i8_fn)(const vitq_linear_i8_args *args);
vitq_linear_i8_fn vitq_kernel_linear_i8_for(vitq_isa isa);

/* Selects the kernels of the best instruction set up to `cap` (in
 * vitq/cpu.h's order of preference) that the CPU supports and, for AMX, the
 * process may use (the tile-data permission is requested here); returns
 * the one selected. VITQ_NUM_ISAS means no cap. Without a call, the first
 * kernel call selects with the cap of the VITQ_ISA environment variable. */
vitq_isa vitq_kernels_select(vitq_isa cap);

/* The instruction set whose kernels run. */
vitq_isa vitq_kernels_isa(void);

/* Threads. The kernels split a large call's rows over the calling thread
 * and worker threads of the library's own (started at the first call that
 * needs them, joined when the library is unloaded); results are identical
 * for every count, since each output is computed by one thread in the same
 * order. The count is, in order: the last vitq_kernels_set_threads() above
 * 0, the environment variable VITQ_NUM_THREADS, the CPUs this process may
 * run on. */
void vitq_kernels_set_threads(int threads); /* 0: back to the default */
int vitq_kernels_threads(void);
int vitq_kernels_default_threads(void);

/* Runs fn(ctx, 0 .. tasks - 1), split over up to vitq_kernels_threads()
 * threads; returns when all are done. A call while another thread's job
 * runs runs its tasks on the calling thread. */
void vitq_kernels_parallel(int tasks, void (*fn)(void *ctx, int task),
                           void *ctx);

/* What compiled models call for a loop nest split into pieces
 * (vitq-split-loop-nests): fn(ctx, task, tasks) for task 0 .. tasks - 1,
 * one piece per thread. */
void vitq_kernels_parallel_nest(void (*fn)(void *ctx, int32_t task,
                                           int32_t tasks),
                                void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* VITQ_KERNELS_H */
