// The int8 matrix products of two run-time operands
// (vitq_kernel_matmul_i8_call: the right operand packed at run time, its
// zero point as a per-row bias) equal a plain reference, with the kernels
// of every instruction set this CPU supports: random batches, ragged
// shapes, plain and transposed right operands, one right operand shared by
// the batch, row and batch strides wider than the data, zero points at the
// extremes, extreme operands at K = 768, int32 accumulators or int8/int16
// outputs through one dyadic rescale (shifts 0 to 63, saturating).
// Instruction sets the CPU lacks are skipped with a message.
// RUN: clang-22 %kernel_cflags %s %kernel_lib -o %t && %t | FileCheck %s

#include "vitq/kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x2545f4914f6cdd1dull;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
static int64_t between(int64_t lo, int64_t hi) {
  return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
}

typedef struct problem {
  int64_t batch, m, n, k;
  int8_t *lhs, *rhs;
  int64_t lhs_batch_stride, lhs_stride, rhs_batch_stride, rhs_stride;
  int32_t lhs_zp, rhs_zp, transposed;
  int32_t multiplier, shift, output_zp, output_bits;
  int64_t out_batch_stride, out_stride;
  int64_t l2_bytes;
} problem;

static int8_t operand(int extremes) {
  return extremes ? (next() & 1 ? 127 : -128) : (int8_t)next();
}

static void make(problem *p, int extremes) {
  p->batch = between(1, 4);
  p->m = between(1, 30);
  p->n = between(1, 70);
  p->k = extremes ? 768 : between(1, 100);
  p->transposed = (int32_t)(next() & 1);
  p->lhs_stride = p->k + between(0, 4);
  p->lhs_batch_stride = p->m * p->lhs_stride + between(0, 9);
  int64_t rows = p->transposed ? p->n : p->k,
          cols = p->transposed ? p->k : p->n;
  p->rhs_stride = cols + between(0, 4);
  p->rhs_batch_stride =
      next() % 4 == 0 ? 0 : rows * p->rhs_stride + between(0, 9);
  p->out_stride = p->n + between(0, 3);
  p->out_batch_stride = p->m * p->out_stride + between(0, 5);
  int64_t zps[] = {0, -128, 127, between(-128, 127)};
  p->l2_bytes = next() % 3 == 0 ? 0 : between(1, 64) * 1024;
  int32_t widths[] = {32, 16, 8};
  p->output_bits = widths[next() % 3];
  p->multiplier = (int32_t)between(-(1 << 30), 1 << 30);
  p->shift = (int32_t)(next() % 5 == 0 ? between(0, 63) : between(8, 30));
  p->output_zp = (int32_t)between(-200, 200);
  p->lhs_zp = (int32_t)zps[next() % 4];
  p->rhs_zp = (int32_t)zps[next() % 4];
  size_t lhs_bytes = (size_t)(p->batch * p->lhs_batch_stride);
  size_t rhs_bytes =
      (size_t)((p->batch - 1) * p->rhs_batch_stride + rows * p->rhs_stride);
  p->lhs = malloc(lhs_bytes);
  p->rhs = malloc(rhs_bytes);
  for (size_t i = 0; i < lhs_bytes; ++i)
    p->lhs[i] = operand(extremes);
  for (size_t i = 0; i < rhs_bytes; ++i)
    p->rhs[i] = operand(extremes);
}

static size_t output_bytes(const problem *p) {
  return (size_t)(p->batch * p->out_batch_stride) * (size_t)p->output_bits / 8;
}

/* sat_bits(round_half_up(acc * multiplier / 2^shift) + output_zp). */
static int64_t rescaled(const problem *p, int32_t acc) {
  __int128 v = (__int128)acc * p->multiplier;
  if (p->shift > 0)
    v += (__int128)1 << (p->shift - 1);
  int64_t y = (int64_t)(v >> p->shift) + p->output_zp;
  int64_t hi = ((int64_t)1 << (p->output_bits - 1)) - 1;
  return y > hi ? hi : y < -hi - 1 ? -hi - 1 : y;
}

static void reference(const problem *p, void *out) {
  for (int64_t b = 0; b < p->batch; ++b)
    for (int64_t i = 0; i < p->m; ++i)
      for (int64_t j = 0; j < p->n; ++j) {
        int64_t acc = 0;
        for (int64_t l = 0; l < p->k; ++l) {
          int64_t x = p->lhs[b * p->lhs_batch_stride + i * p->lhs_stride + l];
          const int8_t *w = p->rhs + b * p->rhs_batch_stride;
          int64_t y = p->transposed ? w[j * p->rhs_stride + l]
                                    : w[l * p->rhs_stride + j];
          acc += (x - p->lhs_zp) * (y - p->rhs_zp);
        }
        int64_t at = b * p->out_batch_stride + i * p->out_stride + j;
        if (p->output_bits == 32)
          ((int32_t *)out)[at] = (int32_t)acc;
        else if (p->output_bits == 16)
          ((int16_t *)out)[at] = (int16_t)rescaled(p, (int32_t)acc);
        else
          ((int8_t *)out)[at] = (int8_t)rescaled(p, (int32_t)acc);
      }
}

static void run(const problem *p, void *out) {
  void *workspace = aligned_alloc(
      64, (size_t)(vitq_kernel_matmul_workspace_size(p->m, p->n, p->k) + 63) /
              64 * 64);
  vitq_kernel_matmul_i8_call(
      p->batch, p->m, p->n, p->k, p->lhs, p->lhs_batch_stride, p->lhs_stride,
      p->lhs_zp, p->rhs, p->rhs_batch_stride, p->rhs_stride, p->transposed,
      p->rhs_zp, p->multiplier, p->shift, p->output_zp, p->output_bits, out,
      p->out_batch_stride, p->out_stride, workspace, p->l2_bytes);
  free(workspace);
}

int main(void) {
  enum { kCases = 300 };
  int failures = 0;
  int exact[VITQ_NUM_ISAS] = {0};
  for (int i = 0; i < kCases; ++i) {
    problem p;
    make(&p, i % 25 == 24);
    void *want = malloc(output_bytes(&p));
    void *got = malloc(output_bytes(&p));
    // Padding between rows and batches is never written.
    memset(want, 0x5a, output_bytes(&p));
    reference(&p, want);
    for (int isa = 0; isa < VITQ_NUM_ISAS; ++isa) {
      if (!vitq_kernel_linear_i8_for((vitq_isa)isa) ||
          !vitq_isa_supported((vitq_isa)isa) ||
          vitq_kernels_select((vitq_isa)isa) != (vitq_isa)isa)
        continue;
      memset(got, 0x5a, output_bytes(&p));
      run(&p, got);
      if (memcmp(want, got, output_bytes(&p)) == 0) {
        ++exact[isa];
      } else {
        ++failures;
        printf("%s MISMATCH batch=%lld m=%lld n=%lld k=%lld transposed=%d "
               "zps %d %d bits %d\n",
               vitq_isa_name((vitq_isa)isa), (long long)p.batch, (long long)p.m,
               (long long)p.n, (long long)p.k, p.transposed, p.lhs_zp, p.rhs_zp,
               p.output_bits);
      }
    }
    free(want);
    free(got);
    free(p.lhs);
    free(p.rhs);
  }
  for (int isa = 0; isa < VITQ_NUM_ISAS; ++isa) {
    const char *name = vitq_isa_name((vitq_isa)isa);
    if (!vitq_kernel_linear_i8_for((vitq_isa)isa))
      printf("%s: no kernel in this build\n", name);
    else if (!vitq_isa_supported((vitq_isa)isa))
      printf("%s: skipped, this CPU lacks it\n", name);
    else
      printf("%s: %d/%d cases equal the reference\n", name, exact[isa], kCases);
  }
  return failures != 0;
}

// clang-format off
// CHECK-NOT: MISMATCH
// CHECK: avx2: {{(300/300 cases equal the reference|skipped, this CPU lacks it)}}
// CHECK: generic: 300/300 cases equal the reference
// clang-format on
