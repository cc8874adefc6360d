/*===- dispatch.c - Picking the kernels of this CPU -----------------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The instruction set is chosen once: at the first kernel call (capped by
 * the VITQ_ISA environment variable) or by vitq_kernels_select. It is the
 * first of vitq/cpu.h's list, in its order of preference, that this build
 * has kernels for, the CPU supports and the cap allows; AMX also needs the
 * tile-data permission, which Linux grants per process on request.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* syscall */
#include "kernels_impl.h"

#include <stdatomic.h>
#include <stdlib.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

vitq_linear_i8_fn vitq_kernel_linear_i8_for(vitq_isa isa) {
  switch (isa) {
  case VITQ_ISA_GENERIC:
    return vitq_kernel_linear_i8_generic;
#ifdef VITQ_KERNELS_X86
  case VITQ_ISA_AMX:
    return vitq_kernel_linear_i8_amx;
  case VITQ_ISA_AVX512VNNI:
    return vitq_kernel_linear_i8_avx512vnni;
  case VITQ_ISA_AVXVNNI:
    return vitq_kernel_linear_i8_avxvnni;
  case VITQ_ISA_AVX512BW:
    return vitq_kernel_linear_i8_avx512bw;
  case VITQ_ISA_AVX2:
    return vitq_kernel_linear_i8_avx2;
#endif
  default:
    return NULL;
  }
}

vitq_linear_f32_fn vitq_kernel_linear_f32_for(vitq_isa isa) {
  switch (isa) {
  case VITQ_ISA_GENERIC:
    return vitq_kernel_linear_f32_generic;
#ifdef VITQ_KERNELS_X86
  /* The AVX-512 instruction sets in the list imply AVX-512F, the others
   * AVX2 and FMA. */
  case VITQ_ISA_AMX:
  case VITQ_ISA_AVX512VNNI:
  case VITQ_ISA_AVX512BW:
    return vitq_kernel_linear_f32_avx512;
  case VITQ_ISA_AVXVNNI:
  case VITQ_ISA_AVX2:
    return vitq_kernel_linear_f32_avx2;
#endif
  default:
    return NULL;
  }
}

/* Asks Linux for the AMX tile-data state (ARCH_REQ_XCOMP_PERM for
 * XFEATURE_XTILEDATA); without it the first tile instruction faults. */
static int request_amx(void) {
#if defined(__linux__) && defined(__x86_64__)
  return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
#else
  return 0;
#endif
}

/* The selected instruction set plus one (0: not selected yet). */
static _Atomic int selected;

vitq_isa vitq_kernels_select(vitq_isa cap) {
  int capped = cap < VITQ_NUM_ISAS;
  vitq_isa choice = VITQ_ISA_GENERIC;
  for (int i = 0; i < VITQ_NUM_ISAS; ++i) {
    vitq_isa isa = (vitq_isa)i;
    /* The list runs from the most preferred: skip those above the cap. */
    if (capped && i < (int)cap)
      continue;
    if (!vitq_kernel_linear_i8_for(isa) || !vitq_isa_supported(isa))
      continue;
    if (isa == VITQ_ISA_AMX && !request_amx())
      continue;
    choice = isa;
    break;
  }
  atomic_store(&selected, (int)choice + 1);
  return choice;
}

vitq_isa vitq_kernels_isa(void) {
  int s = atomic_load(&selected);
  if (s)
    return (vitq_isa)(s - 1);
  return vitq_kernels_select(vitq_isa_by_name(getenv("VITQ_ISA")));
}

/* Calls smaller than this many multiply-adds run on one thread: waking a
 * worker costs about a microsecond. */
#define VITQ_MIN_PARALLEL_MACS ((int64_t)1 << 19)
/* Rows per task come in multiples of the register blocks' rows. */
#define VITQ_ROW_TILE 6

/* How many tasks of `*chunk` rows a call of m x n x k splits into. */
static int row_tasks(int64_t m, int64_t n, int64_t k, int64_t *chunk) {
  if (m * n * k < VITQ_MIN_PARALLEL_MACS)
    return 1;
  int threads = vitq_kernels_threads();
  if (threads <= 1)
    return 1;
  int64_t tiles = (m + VITQ_ROW_TILE - 1) / VITQ_ROW_TILE;
  int64_t tasks = threads < tiles ? threads : tiles;
  *chunk = (tiles + tasks - 1) / tasks * VITQ_ROW_TILE;
  return (int)((m + *chunk - 1) / *chunk);
}

/* A call whose rows split over the threads: `slice(job, m0, rows)`
 * computes rows [m0, m0 + rows) with the job's kernel and arguments. */
typedef struct rows_job rows_job;
struct rows_job {
  void (*slice)(const rows_job *job, int64_t m0, int64_t rows);
  const void *args;
  vitq_linear_i8_fn i8;
  vitq_linear_f32_fn f32;
  int64_t m, chunk;
};

static void run_rows(void *ctx, int task) {
  const rows_job *job = ctx;
  int64_t m0 = task * job->chunk;
  job->slice(job, m0, job->m - m0 < job->chunk ? job->m - m0 : job->chunk);
}

/* Runs `job` (of m x n x k) on its rows, split when it is worth it. */
static void split_rows(rows_job *job, int64_t n, int64_t k) {
  int tasks = row_tasks(job->m, n, k, &job->chunk);
  if (tasks <= 1)
    job->slice(job, 0, job->m);
  else
    vitq_kernels_parallel(tasks, run_rows, job);
}

static void i8_slice(const rows_job *job, int64_t m0, int64_t rows) {
  vitq_linear_i8_args a = *(const vitq_linear_i8_args *)job->args;
  a.m = rows;
  a.input += m0 * a.input_stride;
  a.output = (char *)a.output + m0 * a.output_stride * (a.output_bits / 8);
  if (a.row_bias)
    a.row_bias += m0;
  job->i8(&a);
}

static void f32_slice(const rows_job *job, int64_t m0, int64_t rows) {
  vitq_linear_f32_args a = *(const vitq_linear_f32_args *)job->args;
  a.m = rows;
  a.input += m0 * a.input_stride;
  a.output += m0 * a.output_stride;
  job->f32(&a);
}

/* `kernel` on `args`, its rows split over the threads. */
static void linear_i8_threads(vitq_linear_i8_fn kernel,
                              const vitq_linear_i8_args *args) {
  rows_job job = {.slice = i8_slice, .args = args, .i8 = kernel, .m = args->m};
  split_rows(&job, args->n, args->k);
}

static void linear_f32_threads(vitq_linear_f32_fn kernel,
                               const vitq_linear_f32_args *args) {
  rows_job job = {
      .slice = f32_slice, .args = args, .f32 = kernel, .m = args->m};
  split_rows(&job, args->n, args->k);
}

void vitq_kernel_linear_i8(const vitq_linear_i8_args *args) {
  linear_i8_threads(vitq_kernel_linear_i8_for(vitq_kernels_isa()), args);
}

void vitq_kernel_linear_i8_call(int64_t m, int64_t n, int64_t k,
                                const int8_t *input, int64_t input_stride,
                                int32_t input_zp, const void *packed,
                                const int32_t *bias, const int32_t *multiplier,
                                const int32_t *shift, int32_t output_zp,
                                int32_t output_bits, void *output,
                                int64_t output_stride, int64_t l2_bytes) {
  vitq_linear_i8_args args = {.m = m,
                              .n = n,
                              .k = k,
                              .input = input,
                              .input_stride = input_stride,
                              .input_zp = input_zp,
                              .packed = packed,
                              .bias = bias,
                              .multiplier = multiplier,
                              .shift = shift,
                              .output_zp = output_zp,
                              .output_bits = output_bits,
                              .output = output,
                              .output_stride = output_stride,
                              .l2_bytes = l2_bytes};
  vitq_kernel_linear_i8(&args);
}

/* The sum of k signed bytes. */
static int64_t row_sum(const int8_t *row, int64_t k) {
  int64_t sum = 0, l = 0;
#ifdef __SSE2__
  /* psadbw adds 8 unsigned bytes at a time: x + 128 (x xor 0x80) summed,
   * then the 128s taken back out. */
  __m128i bias = _mm_set1_epi8((char)0x80), zero = _mm_setzero_si128();
  __m128i total = zero;
  for (; l + 16 <= k; l += 16) {
    __m128i v =
        _mm_xor_si128(_mm_loadu_si128((const __m128i *)(row + l)), bias);
    total = _mm_add_epi64(total, _mm_sad_epu8(v, zero));
  }
  int64_t lanes[2];
  _mm_storeu_si128((__m128i *)lanes, total);
  sum = lanes[0] + lanes[1] - 128 * l;
#endif
  for (; l < k; ++l)
    sum += row[l];
  return sum;
}

void vitq_kernel_matmul_i8_call(
    int64_t batch, int64_t m, int64_t n, int64_t k, const int8_t *lhs,
    int64_t lhs_batch_stride, int64_t lhs_stride, int32_t lhs_zp,
    const int8_t *rhs, int64_t rhs_batch_stride, int64_t rhs_stride,
    int32_t rhs_transposed, int32_t rhs_zp, int32_t multiplier, int32_t shift,
    int32_t output_zp, int32_t output_bits, void *out, int64_t out_batch_stride,
    int64_t out_stride, void *workspace, int64_t l2_bytes) {
  if (m <= 0 || n <= 0)
    return;
  vitq_linear_i8_fn kernel = vitq_kernel_linear_i8_for(vitq_kernels_isa());
  void *packed = workspace;
  int32_t *row_bias =
      (int32_t *)((char *)workspace +
                  (vitq_kernel_packed_size(k, n) + 63) / 64 * 64);
  /* The linear kernel rescales per column: the one rescale repeated. */
  int32_t *multipliers = row_bias + m, *shifts = multipliers + n;
  int rescaled = output_bits != 32;
  if (rescaled)
    for (int64_t j = 0; j < n; ++j) {
      multipliers[j] = multiplier;
      shifts[j] = shift;
    }
  int64_t element_bytes = output_bits / 8;
  for (int64_t b = 0; b < batch; ++b) {
    const int8_t *x = lhs + b * lhs_batch_stride;
    /* A shared rhs is packed once. */
    if (b == 0 || rhs_batch_stride != 0)
      vitq_kernel_pack_strided(rhs + b * rhs_batch_stride, rhs_stride, k, n,
                               rhs_transposed, packed);
    /* (x - lhs_zp) . (w - rhs_zp) = (x - lhs_zp) . w - rhs_zp * the row's
     * sum of (x - lhs_zp). */
    if (rhs_zp != 0)
      for (int64_t i = 0; i < m; ++i) {
        uint32_t sum = (uint32_t)(-(int64_t)lhs_zp * k) +
                       (uint32_t)row_sum(x + i * lhs_stride, k);
        row_bias[i] = (int32_t)((uint32_t)(-(int64_t)rhs_zp) * sum);
      }
    vitq_linear_i8_args args = {.m = m,
                                .n = n,
                                .k = k,
                                .input = x,
                                .input_stride = lhs_stride,
                                .input_zp = lhs_zp,
                                .packed = packed,
                                .row_bias = rhs_zp != 0 ? row_bias : NULL,
                                .multiplier = rescaled ? multipliers : NULL,
                                .shift = rescaled ? shifts : NULL,
                                .output_zp = rescaled ? output_zp : 0,
                                .output_bits = output_bits,
                                .output = (char *)out +
                                          b * out_batch_stride * element_bytes,
                                .output_stride = out_stride,
                                .l2_bytes = l2_bytes};
    linear_i8_threads(kernel, &args);
  }
}

void vitq_kernel_linear_f32_call(int64_t m, int64_t n, int64_t k,
                                 const float *input, int64_t input_stride,
                                 const void *packed, float *output,
                                 int64_t output_stride, int64_t l2_bytes) {
  vitq_linear_f32_args args = {.m = m,
                               .n = n,
                               .k = k,
                               .input = input,
                               .input_stride = input_stride,
                               .packed = packed,
                               .output = output,
                               .output_stride = output_stride,
                               .l2_bytes = l2_bytes};
  linear_f32_threads(vitq_kernel_linear_f32_for(vitq_kernels_isa()), &args);
}

void vitq_kernel_matmul_f32_call(int64_t batch, int64_t m, int64_t n, int64_t k,
                                 const float *lhs, int64_t lhs_batch_stride,
                                 int64_t lhs_stride, const float *rhs,
                                 int64_t rhs_batch_stride, int64_t rhs_stride,
                                 int32_t rhs_transposed, float *out,
                                 int64_t out_batch_stride, int64_t out_stride,
                                 void *workspace, int64_t l2_bytes) {
  if (m <= 0 || n <= 0)
    return;
  vitq_linear_f32_fn kernel = vitq_kernel_linear_f32_for(vitq_kernels_isa());
  for (int64_t b = 0; b < batch; ++b) {
    /* A shared rhs is packed once. */
    if (b == 0 || rhs_batch_stride != 0)
      vitq_kernel_pack_f32(rhs + b * rhs_batch_stride, rhs_stride, k, n,
                           rhs_transposed, workspace);
    vitq_linear_f32_args args = {.m = m,
                                 .n = n,
                                 .k = k,
                                 .input = lhs + b * lhs_batch_stride,
                                 .input_stride = lhs_stride,
                                 .packed = workspace,
                                 .output = out + b * out_batch_stride,
                                 .output_stride = out_stride,
                                 .l2_bytes = l2_bytes};
    linear_f32_threads(kernel, &args);
  }
}
