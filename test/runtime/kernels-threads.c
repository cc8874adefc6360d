// The kernel library's threads: every task of every job runs exactly once;
// int8 linear layers, attention matmuls and FP32 layers give the same bytes
// on 1 to 4 threads (and under VITQ_NUM_THREADS); two threads calling at
// once (one finds the workers busy and computes alone) both get the right
// result; a fork()ed child computes the same on workers of its own; and the
// shared library with running workers can be loaded, used
// and unloaded again and again (its destructor joins the workers before
// their code goes away).
// clang-format off
// RUN: clang-22 %kernel_cflags %s %kernel_lib -ldl -o %t && %t %kernel_shared_lib | FileCheck %s
// RUN: env VITQ_NUM_THREADS=3 %t %kernel_shared_lib | FileCheck %s
// clang-format on

#define _GNU_SOURCE
#include "vitq/kernels.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t state = 0x2545f4914f6cdd1dull;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
static void fill(int8_t *p, size_t count) {
  for (size_t i = 0; i < count; ++i)
    p[i] = (int8_t)next();
}

enum { M = 197, K = 192, N = 576, kJobs = 2000 };

static atomic_int counts[64];
static void count_task(void *ctx, int task) {
  (void)ctx;
  atomic_fetch_add(&counts[task], 1);
}

static int8_t input[M * K], weight[K * N];
static int32_t bias[N], multiplier[N], shift[N];
static void *packed;

/* The DeiT-T qkv layer, int8 out, on the library's current threads. */
static void linear(int8_t *out) {
  vitq_kernel_linear_i8_call(M, N, K, input, K, -3, packed, bias, multiplier,
                             shift, 5, 8, out, N, 0);
}

static void *linear_thread(void *out) {
  for (int i = 0; i < 20; ++i)
    linear(out);
  return NULL;
}

int main(int argc, char **argv) {
  // Tasks: each index of each job exactly once, for every task count.
  int bad_jobs = 0;
  for (int job = 0; job < kJobs; ++job) {
    int tasks = 1 + job % 64;
    for (int t = 0; t < 64; ++t)
      atomic_store(&counts[t], 0);
    vitq_kernels_set_threads(1 + job % 4);
    vitq_kernels_parallel(tasks, count_task, NULL);
    for (int t = 0; t < 64; ++t)
      bad_jobs += atomic_load(&counts[t]) != (t < tasks);
  }
  vitq_kernels_set_threads(0);
  // CHECK: 2000 jobs: 0 with a task run other than once
  printf("%d jobs: %d with a task run other than once\n", kJobs, bad_jobs);

  fill(input, sizeof input);
  fill(weight, sizeof weight);
  for (int j = 0; j < N; ++j) {
    bias[j] = (int32_t)(next() % 20001) - 10000;
    multiplier[j] = (int32_t)(0x40000000u + next() % 0x3fffffffu);
    shift[j] = 38 + (int32_t)(next() % 6);
  }
  packed = malloc(vitq_kernel_packed_size(K, N));
  vitq_kernel_pack(weight, K, N, 0, packed);

  static int8_t one[M * N], many[M * N];
  static int32_t scores1[3 * M * M], scores[3 * M * M];
  static float x[M * K], w[K * N], y1[M * N], y[M * N];
  for (size_t i = 0; i < M * K; ++i)
    x[i] = (float)((int64_t)(next() % 2001) - 1000) / 997.0f;
  for (size_t i = 0; i < K * N; ++i)
    w[i] = (float)((int64_t)(next() % 2001) - 1000) / 1009.0f;
  void *wf = malloc(vitq_kernel_packed_f32_size(K, N));
  vitq_kernel_pack_f32(w, N, K, N, 0, wf);
  // Q K^T of 3 heads of 64 columns inside the 192-wide rows.
  size_t workspace =
      ((size_t)vitq_kernel_matmul_workspace_size(M, M, 64) + 63) / 64 * 64;
  void *scratch = aligned_alloc(64, workspace);
  int differ = 0;
  for (int threads = 1; threads <= 4; ++threads) {
    vitq_kernels_set_threads(threads);
    linear(threads == 1 ? one : many);
    vitq_kernel_matmul_i8_call(3, M, M, 64, input, 64, K, 1, input, 64, K, 1,
                               -2, 0, 0, 0, 32, threads == 1 ? scores1 : scores,
                               M * M, M, scratch, 0);
    vitq_kernel_linear_f32_call(M, N, K, x, K, wf, threads == 1 ? y1 : y, N, 0);
    if (threads > 1)
      differ += memcmp(one, many, sizeof one) != 0 ||
                memcmp(scores1, scores, sizeof scores) != 0 ||
                memcmp(y1, y, sizeof y) != 0;
  }
  // CHECK-NEXT: threads 2 to 4: 0 result(s) differ from 1 thread
  printf("threads 2 to 4: %d result(s) differ from 1 thread\n", differ);

  // Two callers at once on two threads each.
  static int8_t a[M * N], b[M * N];
  vitq_kernels_set_threads(2);
  pthread_t first, second;
  pthread_create(&first, NULL, linear_thread, a);
  pthread_create(&second, NULL, linear_thread, b);
  pthread_join(first, NULL);
  pthread_join(second, NULL);
  // CHECK-NEXT: concurrent callers: 0 differ
  printf("concurrent callers: %d differ\n",
         (memcmp(a, one, sizeof a) != 0) + (memcmp(b, one, sizeof b) != 0));

  // A fork()ed child (the parent's workers do not exist there) starts its
  // own and computes the same.
  pid_t child = fork();
  if (child == 0) {
    vitq_kernels_set_threads(2);
    memset(many, 0, sizeof many);
    linear(many);
    _exit(memcmp(many, one, sizeof one) != 0);
  }
  int status = 1;
  waitpid(child, &status, 0);
  // CHECK-NEXT: forked child: same
  printf("forked child: %s\n",
         WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "same" : "different");

  // Load, run on 2 threads, unload: 25 times.
  int loads = 0, wrong = 0;
  for (int i = 0; i < 25 && argc > 1; ++i) {
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library)
      break;
    void (*set_threads)(int);
    void (*call)(int64_t, int64_t, int64_t, const int8_t *, int64_t, int32_t,
                 const void *, const int32_t *, const int32_t *,
                 const int32_t *, int32_t, int32_t, void *, int64_t, int64_t);
    *(void **)&set_threads = dlsym(library, "vitq_kernels_set_threads");
    *(void **)&call = dlsym(library, "vitq_kernel_linear_i8_call");
    if (set_threads && call) {
      set_threads(2);
      memset(many, 0, sizeof many);
      call(M, N, K, input, K, -3, packed, bias, multiplier, shift, 5, 8, many,
           N, 0);
      wrong += memcmp(many, one, sizeof one) != 0;
      ++loads;
    }
    dlclose(library);
  }
  // CHECK-NEXT: 25 loads and unloads, 0 wrong
  printf("%d loads and unloads, %d wrong\n", loads, wrong);
  free(packed);
  free(wf);
  free(scratch);
  return 0;
}
