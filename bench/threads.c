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

#define _POSIX_C_SOURCE 200809L
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
  /* One contender per process: libomp's workers keep spinning for 200 ms
   * after a parallel region and would steal the CPUs of the next one. */
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  int omp = argc > 2 && !strcmp(argv[2], "omp");
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
  layer = (vitq_linear_i8_args){.m = M,
                                .n = N,
                                .k = K,
                                .input = input,
                                .input_stride = K,
                                .packed = packed,
                                .multiplier = multiplier,
                                .shift = shift,
                                .output_bits = 8,
                                .output = output,
                                .output_stride = N};
  kernel = vitq_kernel_linear_i8_for(vitq_kernels_isa());

  const char *names[] = {"empty", "pieces", "fc1"};
  for (job j = kEmpty; j <= kLayer; ++j) {
    double t[kRounds];
    for (int r = 0; r < kRounds; ++r) {
      vitq_kernels_set_threads(omp ? 1 : threads);
      t[r] = omp ? omp_call(j, threads) : vitq_call(j, threads);
    }
    qsort(t, kRounds, sizeof(double), compare);
    printf("%s %s %.2f\n", omp ? "libomp" : "vitq", names[j], t[kRounds / 2]);
  }
  free(packed);
  return 0;
}
