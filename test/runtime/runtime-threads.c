// clang-format off
// RUN: rm -rf %t && mkdir -p %t
// RUN: vitq-compile %vitq_src_root/examples/digits-vit/digits_vit.onnx -o %t/digits.so --quiet
// RUN: vitq-compile %S/Inputs/model.mlir -o %t/small.so --quiet
// RUN: clang-22 %runtime_cflags %s %runtime_lib -o %t/threads.exe
// RUN: %t/threads.exe %t/digits.so %t/small.so %vitq_src_root/examples/digits-vit/test_images.f32 | FileCheck %s
// clang-format on

// The runtime on several threads, on the digits ViT (a real workspace) and
// a small model: instances of one model, of two models and of one model
// loaded twice run concurrently with the single-threaded results; instances
// and models are created and freed concurrently; vitq_last_error() is per
// thread; an instance refuses a second concurrent run, and its destruction
// during a run waits for the run. Misaligned buffers give the aligned
// results.

#define _POSIX_C_SOURCE 200809L

#include "Inputs/runtime-test.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kImages = 360, kImageBytes = 256, kLogitsBytes = 40 };

static const char *digits_path, *small_path;
static float images[kImages][kImageBytes / 4];
static float reference[kImages][kLogitsBytes / 4];

static vitq_status run_digits(vitq_instance *inst, int image, float *logits) {
  const void *in[1] = {images[image]};
  void *out[1] = {logits};
  size_t in_size = kImageBytes, out_size = kLogitsBytes;
  return vitq_instance_run(inst, in, &in_size, out, &out_size);
}

// Runs every image `passes` times on a new instance of `model`, starting at
// a different image on each thread, and counts the results that differ from
// the single-threaded ones.
typedef struct digits_job {
  const vitq_model *model;
  int passes, start;
  long runs, wrong;
} digits_job;

static void *digits_worker(void *arg) {
  digits_job *job = arg;
  vitq_instance *inst;
  if (vitq_instance_create(job->model, &inst) != VITQ_OK) {
    job->wrong = 1;
    return NULL;
  }
  for (int pass = 0; pass < job->passes; ++pass)
    for (int k = 0; k < kImages; ++k) {
      int image = (job->start + k) % kImages;
      float logits[kLogitsBytes / 4];
      job->wrong += run_digits(inst, image, logits) != VITQ_OK ||
                    memcmp(logits, reference[image], kLogitsBytes) != 0;
      ++job->runs;
    }
  vitq_instance_destroy(inst);
  return NULL;
}

// The small model: y = x * 2 + b, b passed through.
typedef struct small_job {
  const vitq_model *model;
  int iterations;
  long wrong;
} small_job;

static void *small_worker(void *arg) {
  small_job *job = arg;
  vitq_instance *inst;
  if (vitq_instance_create(job->model, &inst) != VITQ_OK) {
    job->wrong = 1;
    return NULL;
  }
  for (int i = 0; i < job->iterations; ++i) {
    float x[6] = {(float)i, 1, 2, 3, 4, -5}, y[6];
    int8_t b[3] = {(int8_t)i, 7, -7}, copy[3];
    const void *in[2] = {x, b};
    void *out[2] = {y, copy};
    size_t in_sizes[2] = {24, 3}, out_sizes[2] = {24, 3};
    int ok = vitq_instance_run(inst, in, in_sizes, out, out_sizes) == VITQ_OK &&
             memcmp(copy, b, 3) == 0;
    for (int e = 0; ok && e < 6; ++e)
      ok = y[e] == x[e] * 2 + b[e % 3];
    job->wrong += !ok;
  }
  vitq_instance_destroy(inst);
  return NULL;
}

static void join_all(pthread_t *threads, int count) {
  for (int i = 0; i < count; ++i)
    EXPECT(pthread_join(threads[i], NULL) == 0);
}

// CHECK: misaligned buffers: 360 runs equal the aligned results
static void misaligned(const vitq_model *digits) {
  vitq_instance *inst;
  EXPECT(vitq_instance_create(digits, &inst) == VITQ_OK);
  _Alignas(64) char x[kImageBytes + 8], y[kLogitsBytes + 8];
  long wrong = 0;
  for (int i = 0; i < kImages; ++i) {
    int x_offset = 1 + i % 3, y_offset = 3 - i % 3;
    memcpy(x + x_offset, images[i], kImageBytes);
    const void *in[1] = {x + x_offset};
    void *out[1] = {y + y_offset};
    size_t in_size = kImageBytes, out_size = kLogitsBytes;
    wrong += vitq_instance_run(inst, in, &in_size, out, &out_size) != VITQ_OK ||
             memcmp(y + y_offset, reference[i], kLogitsBytes) != 0;
  }
  vitq_instance_destroy(inst);
  EXPECT(wrong == 0);
  printf("misaligned buffers: %d runs %s\n", kImages,
         wrong ? "DIFFER" : "equal the aligned results");
}

// CHECK: same model, two instances on two threads: 2160 runs equal the
// CHECK-SAME: single-threaded results
static void same_model(const vitq_model *digits) {
  digits_job jobs[2] = {{digits, 3, 0, 0, 0}, {digits, 3, kImages / 2, 0, 0}};
  pthread_t threads[2];
  for (int t = 0; t < 2; ++t)
    EXPECT(pthread_create(&threads[t], NULL, digits_worker, &jobs[t]) == 0);
  join_all(threads, 2);
  EXPECT(jobs[0].wrong == 0 && jobs[1].wrong == 0);
  printf("same model, two instances on two threads: %ld runs %s\n",
         jobs[0].runs + jobs[1].runs,
         jobs[0].wrong || jobs[1].wrong ? "DIFFER"
                                        : "equal the single-threaded results");
}

// CHECK: two models on two threads: ok
static void two_models(const vitq_model *digits) {
  vitq_model *small;
  EXPECT(vitq_model_load(small_path, NULL, &small) == VITQ_OK);
  digits_job digits_job = {digits, 3, 0, 0, 0};
  small_job small_job = {small, 50000, 0};
  pthread_t threads[2];
  EXPECT(pthread_create(&threads[0], NULL, digits_worker, &digits_job) == 0);
  EXPECT(pthread_create(&threads[1], NULL, small_worker, &small_job) == 0);
  join_all(threads, 2);
  EXPECT(digits_job.wrong == 0 && small_job.wrong == 0);
  vitq_model_free(small);
  printf("two models on two threads: %s\n", failures ? "FAILED" : "ok");
}

// CHECK: one model loaded twice, on two threads: ok
static void loaded_twice(void) {
  vitq_model *models[2];
  EXPECT(vitq_model_load(digits_path, NULL, &models[0]) == VITQ_OK);
  EXPECT(vitq_model_load(digits_path, NULL, &models[1]) == VITQ_OK);
  digits_job jobs[2] = {{models[0], 3, 0, 0, 0},
                        {models[1], 3, kImages / 3, 0, 0}};
  pthread_t threads[2];
  for (int t = 0; t < 2; ++t)
    EXPECT(pthread_create(&threads[t], NULL, digits_worker, &jobs[t]) == 0);
  join_all(threads, 2);
  EXPECT(jobs[0].wrong == 0 && jobs[1].wrong == 0);
  vitq_model_free(models[0]);
  vitq_model_free(models[1]);
  printf("one model loaded twice, on two threads: %s\n",
         failures ? "FAILED" : "ok");
}

// Loads, creates, runs, destroys and frees, over and over.
static void *churn_worker(void *arg) {
  long *wrong = arg;
  for (int i = 0; i < 40; ++i) {
    vitq_model *model;
    if (vitq_model_load(digits_path, NULL, &model) != VITQ_OK) {
      ++*wrong;
      continue;
    }
    for (int k = 0; k < 5; ++k) {
      vitq_instance *inst;
      float logits[kLogitsBytes / 4];
      int image = (i * 5 + k) % kImages;
      *wrong += vitq_instance_create(model, &inst) != VITQ_OK ||
                run_digits(inst, image, logits) != VITQ_OK ||
                memcmp(logits, reference[image], kLogitsBytes) != 0;
      vitq_instance_destroy(inst);
    }
    vitq_model_free(model);
  }
  return NULL;
}

// CHECK: four threads loading, creating, running, destroying, freeing: ok
static void churn(void) {
  pthread_t threads[4];
  long wrong[4] = {0};
  for (int t = 0; t < 4; ++t)
    EXPECT(pthread_create(&threads[t], NULL, churn_worker, &wrong[t]) == 0);
  join_all(threads, 4);
  for (int t = 0; t < 4; ++t)
    EXPECT(wrong[t] == 0);
  printf("four threads loading, creating, running, destroying, freeing: %s\n",
         failures ? "FAILED" : "ok");
}

// Two threads fail different calls in lockstep; each sees its own message.
static pthread_barrier_t lockstep;
static const vitq_model *error_model;

static void *error_worker(void *arg) {
  long id = (long)arg, mismatches = *vitq_last_error() != '\0';
  vitq_instance *inst;
  if (vitq_instance_create(error_model, &inst) != VITQ_OK)
    return (void *)1;
  for (int i = 0; i < 2000; ++i) {
    char expected[128];
    if (id == 0) {
      float image[kImageBytes / 4], logits[kLogitsBytes / 4];
      const void *in[1] = {image};
      void *out[1] = {logits};
      size_t in_size = 1000 + (size_t)i, out_size = kLogitsBytes;
      vitq_instance_run(inst, in, &in_size, out, &out_size);
      snprintf(expected, sizeof(expected),
               "input 0 ('image') has %d bytes; it needs 256", 1000 + i);
    } else {
      vitq_tensor_info info;
      vitq_model_output_info(error_model, (size_t)i + 1, &info);
      snprintf(expected, sizeof(expected),
               "output index %d is out of range (the model has 1)", i + 1);
    }
    // Both have failed before either reads its message.
    pthread_barrier_wait(&lockstep);
    mismatches += strcmp(vitq_last_error(), expected) != 0;
    pthread_barrier_wait(&lockstep);
  }
  vitq_instance_destroy(inst);
  return (void *)mismatches;
}

// CHECK: vitq_last_error per thread: ok
static void thread_local_errors(const vitq_model *digits) {
  EXPECT(vitq_model_input_info(digits, 5, &(vitq_tensor_info){0}) ==
         VITQ_ERROR_INVALID_ARGUMENT);
  char mine[128];
  snprintf(mine, sizeof(mine), "%s", vitq_last_error());
  error_model = digits;
  pthread_barrier_init(&lockstep, NULL, 2);
  pthread_t threads[2];
  for (long t = 0; t < 2; ++t)
    EXPECT(pthread_create(&threads[t], NULL, error_worker, (void *)t) == 0);
  for (int t = 0; t < 2; ++t) {
    void *mismatches;
    EXPECT(pthread_join(threads[t], &mismatches) == 0);
    EXPECT(mismatches == NULL);
  }
  pthread_barrier_destroy(&lockstep);
  // The other threads' failures left this thread's message alone.
  EXPECT(strcmp(vitq_last_error(), mine) == 0);
  printf("vitq_last_error per thread: %s\n", failures ? "FAILED" : "ok");
}

// A model whose run blocks until the test lets it go: y = x.
static pthread_barrier_t entered, release;

static int32_t blocking_run(void *const *inputs, void *const *outputs,
                            void *workspace) {
  (void)workspace;
  pthread_barrier_wait(&entered);
  pthread_barrier_wait(&release);
  memcpy(outputs[0], inputs[0], 4);
  return 0;
}

typedef struct blocking_job {
  vitq_instance *inst;
  float x, y;
  vitq_status status;
} blocking_job;

static void *blocking_worker(void *arg) {
  blocking_job *job = arg;
  const void *in[1] = {&job->x};
  void *out[1] = {&job->y};
  size_t size = 4;
  job->status = vitq_instance_run(job->inst, in, &size, out, &size);
  return NULL;
}

// CHECK: second run during a run: instance 0x{{[0-9a-f]+}} is already
// CHECK-SAME: running on another thread (an instance runs one inference at a
// CHECK-SAME: time: create one per thread)
// CHECK-NEXT: run after destroy during a run: instance 0x{{[0-9a-f]+}} is not
// CHECK-SAME: a live instance
// CHECK-NEXT: the blocked run: ok
static void one_instance_two_threads(void) {
  vitq_model *model;
  EXPECT(vitq_model_open("vitq-model 1\nworkspace 0\ninput f32 1 x\n"
                         "output f32 1 y\n",
                         blocking_run, &model) == VITQ_OK);
  blocking_job job = {NULL, 42, 0, VITQ_OK};
  EXPECT(vitq_instance_create(model, &job.inst) == VITQ_OK);
  pthread_barrier_init(&entered, NULL, 2);
  pthread_barrier_init(&release, NULL, 2);
  pthread_t thread;
  EXPECT(pthread_create(&thread, NULL, blocking_worker, &job) == 0);
  pthread_barrier_wait(&entered); // the worker's run is in the model
  float x = 1, y;
  const void *in[1] = {&x};
  void *out[1] = {&y};
  size_t size = 4;
  EXPECT(vitq_instance_run(job.inst, in, &size, out, &size) ==
         VITQ_ERROR_INVALID_ARGUMENT);
  printf("second run during a run: %s\n", vitq_last_error());
  // Destroying the instance and freeing the model mid-run: the run ends
  // normally, then releases both.
  vitq_instance_destroy(job.inst);
  vitq_model_free(model);
  EXPECT(vitq_instance_run(job.inst, in, &size, out, &size) ==
         VITQ_ERROR_INVALID_ARGUMENT);
  printf("run after destroy during a run: %s\n", vitq_last_error());
  pthread_barrier_wait(&release);
  EXPECT(pthread_join(thread, NULL) == 0);
  EXPECT(job.status == VITQ_OK && job.y == 42);
  pthread_barrier_destroy(&entered);
  pthread_barrier_destroy(&release);
  printf("the blocked run: %s\n", failures ? "FAILED" : "ok");
}

// CHECK: failures 0
int main(int argc, char **argv) {
  if (argc != 4)
    return 2;
  digits_path = argv[1];
  small_path = argv[2];
  FILE *f = fopen(argv[3], "rb");
  EXPECT(f && fread(images, kImageBytes, kImages, f) == kImages);
  if (f)
    fclose(f);
  vitq_model *digits;
  EXPECT(vitq_model_load(digits_path, NULL, &digits) == VITQ_OK);
  if (failures)
    return 1;
  // The single-threaded results.
  vitq_instance *inst;
  EXPECT(vitq_instance_create(digits, &inst) == VITQ_OK);
  for (int i = 0; i < kImages; ++i)
    EXPECT(run_digits(inst, i, reference[i]) == VITQ_OK);
  vitq_instance_destroy(inst);

  misaligned(digits);
  same_model(digits);
  two_models(digits);
  loaded_twice();
  churn();
  thread_local_errors(digits);
  one_instance_two_threads();
  vitq_model_free(digits);
  printf("failures %d\n", failures);
  return failures != 0;
}
