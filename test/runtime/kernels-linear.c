// The int8 linear kernels: the generic one equals a plain row-major
// reference (independent of the packed layout), and every instruction set's
// kernel this CPU supports equals the generic one bit for bit, over random
// shapes with ragged rows, columns and groups, extreme operands, zero
// points, column and row biases, per-channel rescales with shifts from 0 to
// 63, all three output widths and row strides wider than the rows.
// Instruction sets the CPU lacks are skipped with a message.
// Every x86 kernel also runs emulated (kernels/emulate_x86.h: the same
// source on portable stand-ins for its intrinsics) against the generic one,
// so that the algorithms of the instruction sets this CPU lacks are checked
// too.
// clang-format off
// RUN: clang-22 %kernel_cflags %s %kernel_emulated_lib -o %t && %t | FileCheck %s
// clang-format on

#include "emulated.h"
#include "vitq/kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9e3779b97f4a7c15ull;
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
  vitq_linear_i8_args args;
  int8_t *input, *weight;
  void *packed;
  int32_t *bias, *row_bias, *multiplier, *shift;
  int transposed;
} problem;

static void make(problem *p, int64_t m, int64_t n, int64_t k, int extremes,
                 int bits) {
  memset(p, 0, sizeof(*p));
  int64_t input_stride = k + between(0, 5);
  p->input = malloc((size_t)(m * input_stride));
  p->weight = malloc((size_t)(k * n));
  p->transposed = (int)(next() & 1);
  for (int64_t i = 0; i < m * input_stride; ++i)
    p->input[i] = extremes ? (next() & 1 ? 127 : -128) : (int8_t)next();
  for (int64_t i = 0; i < k * n; ++i)
    p->weight[i] = extremes ? (next() & 1 ? 127 : -127) : (int8_t)next();
  p->packed = malloc(vitq_kernel_packed_size(k, n));
  vitq_kernel_pack(p->weight, k, n, p->transposed, p->packed);
  if (next() & 1) {
    p->bias = malloc((size_t)n * sizeof(int32_t));
    for (int64_t i = 0; i < n; ++i)
      p->bias[i] = (int32_t)between(-100000, 100000);
  }
  if (next() % 3 == 0) {
    p->row_bias = malloc((size_t)m * sizeof(int32_t));
    for (int64_t i = 0; i < m; ++i)
      p->row_bias[i] = (int32_t)between(-100000, 100000);
  }
  if (bits != 32) {
    p->multiplier = malloc((size_t)n * sizeof(int32_t));
    p->shift = malloc((size_t)n * sizeof(int32_t));
    for (int64_t i = 0; i < n; ++i) {
      p->multiplier[i] = (int32_t)between(-(1 << 30), (1 << 30));
      p->shift[i] = (int32_t)(i % 7 == 0 ? between(0, 63) : between(28, 45));
    }
  }
  int64_t output_stride = n + between(0, 3);
  vitq_linear_i8_args a = {
      .m = m,
      .n = n,
      .k = k,
      .input = p->input,
      .input_stride = input_stride,
      .input_zp = extremes ? -128 : (int32_t)between(-128, 127),
      .packed = p->packed,
      .bias = p->bias,
      .row_bias = p->row_bias,
      .multiplier = p->multiplier,
      .shift = p->shift,
      .output_zp = (int32_t)between(-20, 20),
      .output_bits = bits,
      .output = NULL,
      .output_stride = output_stride,
      // Panels from the CPU's L2, or small ones (several per call).
      .l2_bytes = next() % 3 == 0 ? 0 : between(1, 64) * 1024,
  };
  p->args = a;
}

static void release(problem *p) {
  free(p->input);
  free(p->weight);
  free(p->packed);
  free(p->bias);
  free(p->row_bias);
  free(p->multiplier);
  free(p->shift);
}

static size_t output_bytes(const problem *p) {
  return (size_t)(p->args.m * p->args.output_stride * p->args.output_bits / 8);
}

// The definition, on the row-major weight.
static void reference(const problem *p, void *out) {
  const vitq_linear_i8_args *a = &p->args;
  for (int64_t m = 0; m < a->m; ++m)
    for (int64_t n = 0; n < a->n; ++n) {
      int64_t acc =
          (a->bias ? a->bias[n] : 0) + (a->row_bias ? a->row_bias[m] : 0);
      for (int64_t k = 0; k < a->k; ++k) {
        int8_t w =
            p->transposed ? p->weight[n * a->k + k] : p->weight[k * a->n + n];
        acc += ((int64_t)a->input[m * a->input_stride + k] - a->input_zp) * w;
      }
      int64_t at = m * a->output_stride + n;
      if (a->output_bits == 32) {
        ((int32_t *)out)[at] = (int32_t)acc;
        continue;
      }
      __int128 v = (__int128)(int32_t)acc * a->multiplier[n];
      if (a->shift[n] > 0)
        v += (__int128)1 << (a->shift[n] - 1);
      int64_t y = (int64_t)(v >> a->shift[n]) + a->output_zp;
      int64_t hi = ((int64_t)1 << (a->output_bits - 1)) - 1;
      y = y < -hi - 1 ? -hi - 1 : y > hi ? hi : y;
      if (a->output_bits == 8)
        ((int8_t *)out)[at] = (int8_t)y;
      else
        ((int16_t *)out)[at] = (int16_t)y;
    }
}

// Runs `fn` into a buffer prefilled with a pattern; the padding between
// rows must keep it.
static void run(vitq_linear_i8_fn fn, problem *p, unsigned char *out) {
  memset(out, 0x5a, output_bytes(p));
  p->args.output = out;
  fn(&p->args);
}

int main(void) {
  int cases = 0, failures = 0;
  // The real AMX kernel needs the process's tile-data permission, which
  // selecting it asks Linux for.
  int amx = vitq_isa_supported(VITQ_ISA_AMX) &&
            vitq_kernels_select(VITQ_ISA_AMX) == VITQ_ISA_AMX;
  vitq_linear_i8_fn generic = vitq_kernel_linear_i8_for(VITQ_ISA_GENERIC);
  int exact[VITQ_NUM_ISAS] = {0}, emulated[VITQ_NUM_ISAS] = {0};
  for (int i = 0; i < 400; ++i) {
    int extremes = i % 10 == 9;
    int bits = i % 3 == 0 ? 8 : i % 3 == 1 ? 16 : 32;
    int64_t m = between(1, i < 200 ? 14 : 40), n = between(1, 70);
    int64_t k = i % 50 == 49 ? 768 + between(0, 3) : between(1, 130);
    if (extremes)
      k = between(1, 4) * 768;
    if (i % 100 == 50)
      k = 0; // no reduction: the bias alone

    problem p;
    make(&p, m, n, k, extremes, bits);
    unsigned char *want = malloc(output_bytes(&p));
    unsigned char *got = malloc(output_bytes(&p));
    // Padding between rows is never written.
    memset(want, 0x5a, output_bytes(&p));
    p.args.output = want;
    reference(&p, want);
    run(generic, &p, got);
    ++cases;
    if (memcmp(want, got, output_bytes(&p)) != 0) {
      ++failures;
      printf("generic MISMATCH m=%lld n=%lld k=%lld bits=%d\n", (long long)m,
             (long long)n, (long long)k, bits);
    }
    for (int isa = 0; isa < VITQ_NUM_ISAS; ++isa) {
      vitq_linear_i8_fn emu = vitq_kernel_linear_i8_emulated_for((vitq_isa)isa);
      if (emu) {
        run(emu, &p, got);
        if (memcmp(want, got, output_bytes(&p)) == 0) {
          ++emulated[isa];
        } else {
          ++failures;
          printf("%s (emulated) MISMATCH m=%lld n=%lld k=%lld bits=%d\n",
                 vitq_isa_name((vitq_isa)isa), (long long)m, (long long)n,
                 (long long)k, bits);
        }
      }
      vitq_linear_i8_fn fn = vitq_kernel_linear_i8_for((vitq_isa)isa);
      if (!fn || isa == VITQ_ISA_GENERIC ||
          !vitq_isa_supported((vitq_isa)isa) || (isa == VITQ_ISA_AMX && !amx))
        continue;
      run(fn, &p, got);
      if (memcmp(want, got, output_bytes(&p)) == 0) {
        ++exact[isa];
      } else {
        ++failures;
        printf("%s MISMATCH m=%lld n=%lld k=%lld bits=%d\n",
               vitq_isa_name((vitq_isa)isa), (long long)m, (long long)n,
               (long long)k, bits);
      }
    }
    free(want);
    free(got);
    release(&p);
  }
  printf("generic: %d/%d cases equal the reference\n", cases - failures, cases);
  for (int isa = 0; isa < VITQ_NUM_ISAS; ++isa) {
    const char *name = vitq_isa_name((vitq_isa)isa);
    if (isa == VITQ_ISA_GENERIC)
      continue;
    if (vitq_kernel_linear_i8_emulated_for((vitq_isa)isa))
      printf("%s (emulated): %d/%d cases bit-exact\n", name, emulated[isa],
             cases);
    if (!vitq_kernel_linear_i8_for((vitq_isa)isa))
      printf("%s: no kernel in this build\n", name);
    else if (!vitq_isa_supported((vitq_isa)isa))
      printf("%s: skipped, this CPU lacks it\n", name);
    else if (isa == VITQ_ISA_AMX && !amx)
      printf("%s: skipped, the OS refused the tile-data permission\n", name);
    else
      printf("%s: %d/%d cases bit-exact\n", name, exact[isa], cases);
  }
  return failures != 0;
}

// clang-format off
// CHECK-NOT: MISMATCH
// CHECK: generic: 400/400 cases equal the reference
// CHECK-NOT: MISMATCH
// CHECK: amx (emulated): 400/400 cases bit-exact
// CHECK: amx: {{(400/400 cases bit-exact|skipped, this CPU lacks it|skipped, the OS refused the tile-data permission)}}
// CHECK: avx512vnni (emulated): 400/400 cases bit-exact
// CHECK: avx512vnni: {{(400/400 cases bit-exact|skipped, this CPU lacks it)}}
// CHECK: avxvnni (emulated): 400/400 cases bit-exact
// CHECK: avxvnni: {{(400/400 cases bit-exact|skipped, this CPU lacks it)}}
// CHECK: avx512bw (emulated): 400/400 cases bit-exact
// CHECK: avx512bw: {{(400/400 cases bit-exact|skipped, this CPU lacks it)}}
// CHECK: avx2: {{(400/400 cases bit-exact|skipped, this CPU lacks it)}}
// clang-format on
