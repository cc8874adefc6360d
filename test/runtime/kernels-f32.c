// The FP32 kernels: the generic linear kernel equals a plain fmaf chain on
// the row-major weight (independent of the packed layout), every
// instruction set's kernel this CPU supports equals the generic one bit for
// bit, and the matrix products of two run-time operands
// (vitq_kernel_matmul_f32_call) equal the plain chain with every selection;
// over random shapes with ragged rows and columns, column panels from the
// CPU's L2 and small ones, transposed weights, row
// and batch strides wider than the data, shared right operands, and values
// from subnormals to 1e30 with signed zeros. Instruction sets the CPU lacks
// are skipped with a message.
// The AVX-512 kernel also runs emulated (kernels/emulate_x86.h) on any CPU.
// clang-format off
// RUN: clang-22 %kernel_cflags %s %kernel_emulated_lib -o %t && %t | FileCheck %s
// clang-format on

#include "emulated.h"
#include "vitq/kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x853c49e6748fea9bull;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
static int64_t between(int64_t lo, int64_t hi) {
  return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
}
static float value(void) {
  switch (next() % 16) {
  case 0:
    return 0.0f;
  case 1:
    return -0.0f;
  case 2:
    return (float)between(-1000, 1000) * 1e-40f; // subnormal
  case 3:
    return (float)between(-1000, 1000) * 1e27f;
  default:
    return (float)((int64_t)(next() % 2000001) - 1000000) * 1e-6f;
  }
}

// out[i][j] = fmaf chain over l of x[i][l] * w(l, j), w row-major k x n or
// (transposed) n x k with row stride `ws`.
static void reference(int64_t m, int64_t n, int64_t k, const float *x,
                      int64_t xs, const float *w, int64_t ws, int transposed,
                      float *out, int64_t os) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int64_t l = 0; l < k; ++l)
        acc = fmaf(x[i * xs + l], transposed ? w[j * ws + l] : w[l * ws + j],
                   acc);
      out[i * os + j] = acc;
    }
}

static float *values(int64_t count) {
  float *p = malloc((size_t)(count > 0 ? count : 1) * sizeof(float));
  for (int64_t i = 0; i < count; ++i)
    p[i] = value();
  return p;
}

int main(void) {
  enum { kCases = 300 };
  int failures = 0, generic_ok = 0;
  int exact[VITQ_NUM_ISAS] = {0}, matmul_ok[VITQ_NUM_ISAS] = {0};
  int emulated_ok = 0;
  vitq_linear_f32_fn emulated =
      vitq_kernel_linear_f32_emulated_for(VITQ_ISA_AVX512BW);
  vitq_linear_f32_fn generic = vitq_kernel_linear_f32_for(VITQ_ISA_GENERIC);
  for (int c = 0; c < kCases; ++c) {
    int64_t m = between(1, 30), n = between(1, 70), k = between(1, 300);
    int transposed = (int)(next() & 1);
    int64_t xs = k + between(0, 3), os = n + between(0, 3);
    int64_t ws = (transposed ? k : n) + between(0, 3);
    float *x = values(m * xs);
    float *w = values((transposed ? n : k) * ws);
    void *packed = malloc((size_t)vitq_kernel_packed_f32_size(k, n));
    vitq_kernel_pack_f32(w, ws, k, n, transposed, packed);
    size_t bytes = (size_t)(m * os) * sizeof(float);
    float *want = malloc(bytes), *got = malloc(bytes);
    // Padding between rows is never written.
    memset(want, 0x5a, bytes);
    reference(m, n, k, x, xs, w, ws, transposed, want, os);
    // Panels from the CPU's L2, or small ones (several panels per call).
    int64_t l2 = next() % 3 == 0 ? 0 : between(1, 64) * 1024;
    vitq_linear_f32_args args = {m, n, k, x, xs, packed, got, os, l2};
    memset(got, 0x5a, bytes);
    generic(&args);
    if (memcmp(want, got, bytes) == 0) {
      ++generic_ok;
    } else {
      ++failures;
      printf("generic MISMATCH m=%lld n=%lld k=%lld\n", (long long)m,
             (long long)n, (long long)k);
    }
    if (emulated) {
      memset(got, 0x5a, bytes);
      emulated(&args);
      if (memcmp(want, got, bytes) == 0) {
        ++emulated_ok;
      } else {
        ++failures;
        printf("avx512 (emulated) MISMATCH m=%lld n=%lld k=%lld\n",
               (long long)m, (long long)n, (long long)k);
      }
    }
    for (int isa = 0; isa < VITQ_NUM_ISAS; ++isa) {
      vitq_linear_f32_fn fn = vitq_kernel_linear_f32_for((vitq_isa)isa);
      if (!fn || !vitq_isa_supported((vitq_isa)isa))
        continue;
      memset(got, 0x5a, bytes);
      fn(&args);
      if (memcmp(want, got, bytes) == 0) {
        ++exact[isa];
      } else {
        ++failures;
        printf("%s MISMATCH m=%lld n=%lld k=%lld\n",
               vitq_isa_name((vitq_isa)isa), (long long)m, (long long)n,
               (long long)k);
      }
    }
    free(want);
    free(got);
    free(packed);
    free(x);
    free(w);

    // A batch of products of two run-time operands.
    int64_t batch = between(1, 3);
    int shared = next() % 4 == 0;
    int64_t rows = transposed ? n : k;
    int64_t xb = m * xs + between(0, 5), wb = shared ? 0 : rows * ws + 3;
    int64_t ob = m * os + between(0, 5);
    float *lhs = values(batch * xb);
    float *rhs = values((batch - 1) * wb + rows * ws);
    size_t out_bytes = (size_t)(batch * ob) * sizeof(float);
    float *mwant = malloc(out_bytes), *mgot = malloc(out_bytes);
    memset(mwant, 0x5a, out_bytes);
    for (int64_t b = 0; b < batch; ++b)
      reference(m, n, k, lhs + b * xb, xs, rhs + b * wb, ws, transposed,
                mwant + b * ob, os);
    void *workspace =
        malloc((size_t)vitq_kernel_matmul_f32_workspace_size(n, k));
    for (int isa = 0; isa < VITQ_NUM_ISAS; ++isa) {
      if (!vitq_kernel_linear_f32_for((vitq_isa)isa) ||
          !vitq_isa_supported((vitq_isa)isa) ||
          vitq_kernels_select((vitq_isa)isa) != (vitq_isa)isa)
        continue;
      memset(mgot, 0x5a, out_bytes);
      vitq_kernel_matmul_f32_call(batch, m, n, k, lhs, xb, xs, rhs, wb, ws,
                                  transposed, mgot, ob, os, workspace, l2);
      if (memcmp(mwant, mgot, out_bytes) == 0) {
        ++matmul_ok[isa];
      } else {
        ++failures;
        printf("%s matmul MISMATCH batch=%lld m=%lld n=%lld k=%lld\n",
               vitq_isa_name((vitq_isa)isa), (long long)batch, (long long)m,
               (long long)n, (long long)k);
      }
    }
    free(workspace);
    free(mwant);
    free(mgot);
    free(lhs);
    free(rhs);
  }
  printf("generic: %d/%d cases equal the reference\n", generic_ok, kCases);
  if (emulated)
    printf("avx512 (emulated): %d/%d cases bit-exact\n", emulated_ok, kCases);
  for (int isa = 0; isa < VITQ_NUM_ISAS; ++isa) {
    const char *name = vitq_isa_name((vitq_isa)isa);
    if (!vitq_kernel_linear_f32_for((vitq_isa)isa))
      printf("%s: no kernel in this build\n", name);
    else if (!vitq_isa_supported((vitq_isa)isa))
      printf("%s: skipped, this CPU lacks it\n", name);
    else
      printf("%s: %d/%d cases bit-exact, %d/%d matmul batches\n", name,
             exact[isa], kCases, matmul_ok[isa], kCases);
  }
  return failures != 0;
}

// clang-format off
// CHECK-NOT: MISMATCH
// CHECK: generic: 300/300 cases equal the reference
// CHECK: avx512 (emulated): 300/300 cases bit-exact
// CHECK: amx: {{(300/300 cases bit-exact, 300/300 matmul batches|skipped, this CPU lacks it)}}
// CHECK: avx2: {{(300/300 cases bit-exact, 300/300 matmul batches|skipped, this CPU lacks it)}}
// CHECK: generic: 300/300 cases bit-exact, 300/300 matmul batches
// clang-format on
