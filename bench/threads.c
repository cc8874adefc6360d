/*===- threads.c - The kernel library's threads against libomp ------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * What the parallel runtime costs: the same jobs split over the same
 * threads by vitq's own pool (runtime/kernels/threads.c) and by LLVM's
 * OpenMP runtime (libomp, `#pragma omp parallel for`), interleaved, medians
 * of many calls:
 *
 * - an empty job (the fork/join cost alone);
 * - a job of pieces of about 20 microseconds (an element-wise nest);
 * - DeiT-Tiny's fc1 layer (197 x 192 x 768 int8) in row halves.
 *
 * bench/threads.sh builds and runs it.
 *
 *===----------------------------------------------------------------------===*/

#include "vitq/kernels.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { kCalls = 2000, kRounds = 7, M = 197, K = 192, N = 768 };

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static volatile double sink;

/* About 20 microseconds of arithmetic. */
static void busy(void) {
  double x = 1.0;
  for (int i = 0; i < 6000; ++i)
    x = x * 1.0000001 + 1e-9;
  sink = x;
}

static void nothing(void *ctx, int task) {
  (void)ctx;
  (void)task;
}
static void busy_task(void *ctx, int task) {
  (void)ctx;
  (void)task;
  busy();
}

static int8_t input[M * K], weight[K * N], output[M * N];
static int32_t multiplier[N], shift[N];
static void *packed;
static vitq_linear_i8_args layer;
static vitq_linear_i8_fn kernel;

static void rows(int task, int tasks) {
  int64_t chunk = (M + tasks - 1) / tasks;
  vitq_linear_i8_args a = layer;
  a.m = M - task * chunk < chunk ? M - task * chunk : chunk;
  a.input += task * chunk * K;
  a.output = output + task * chunk * N;
  kernel(&a);
}

typedef enum { kEmpty, kBusy, kLayer } job;

static double vitq_call(job j, int threads) {
  double start = now_us();
  for (int c = 0; c < kCalls; ++c) {
    if (j == kLayer)
      vitq_kernel_linear_i8(&layer);
    else
      vitq_kernels_parallel(threads, j == kEmpty ? nothing : busy_task, NULL);
  }
  return (now_us() - start) / kCalls;
}

static double omp_call(job j, int threads) {
  double start = now_us();
  for (int c = 0; c < kCalls; ++c) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; ++t) {
      if (j == kBusy)
        busy();
      else if (j == kLayer)
        rows(t, threads);
    }
  }
  return (now_us() - start) / kCalls;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  for (size_t i = 0; i < sizeof input; ++i)
    input[i] = (int8_t)(i * 7 + 3);
  for (size_t i = 0; i < sizeof weight; ++i)
    weight[i] = (int8_t)(i * 13 + 5);
  for (int j = 0; j < N; ++j) {
    multiplier[j] = 1 << 30;
    shift[j] = 40;
  }
  packed = malloc(vitq_kernel_packed_size(K, N));
  vitq_kernel_pack(weight, K, N, 0, packed);
  layer = (vitq_linear_i8_args){.m = M, .n = N, .k = K, .input = input,
                                .input_stride = K, .packed = packed,
                                .multiplier = multiplier, .shift = shift,
                                .output_bits = 8, .output = output,
                                .output_stride = N};
  kernel = vitq_kernel_linear_i8_for(vitq_kernels_isa());

  const char *names[] = {"empty job", "pieces of ~20 us", "DeiT-T fc1 layer"};
  printf("# %d threads, %s kernels, median per call of %d rounds x %d "
         "calls, microseconds\n",
         threads, vitq_isa_name(vitq_kernels_isa()), kRounds, kCalls);
  printf("%-18s %12s %12s %12s\n", "job", "vitq pool", "libomp",
         "1 thread");
  for (job j = kEmpty; j <= kLayer; ++j) {
    double v[kRounds], o[kRounds], one[kRounds];
    for (int r = 0; r < kRounds; ++r) {
      vitq_kernels_set_threads(threads);
      v[r] = vitq_call(j, threads);
      vitq_kernels_set_threads(1);
      o[r] = omp_call(j, threads);
      one[r] = j == kLayer ? vitq_call(j, 1)
               : j == kBusy ? (vitq_call(j, 1) / threads)
                            : 0;
    }
    qsort(v, kRounds, sizeof(double), compare);
    qsort(o, kRounds, sizeof(double), compare);
    qsort(one, kRounds, sizeof(double), compare);
    printf("%-18s %12.2f %12.2f %12.2f\n", names[j], v[kRounds / 2],
           o[kRounds / 2], one[kRounds / 2]);
  }
  free(packed);
  return 0;
}
