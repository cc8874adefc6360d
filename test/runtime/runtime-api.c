// RUN: vitq-compile %S/Inputs/model.mlir -o %t.o --quiet
// RUN: clang-22 %runtime_cflags %s %t.o %runtime_lib -o %t.exe
// RUN: %t.exe %t.o | FileCheck %s

// The runtime's C ABI on a model linked into the program: interface
// queries, correct results, every argument check, misaligned buffers,
// concurrent instances and repeated create/destroy.

#include "Inputs/runtime-test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char vitq_model_metadata[];
int32_t vitq_model_run(void *const *inputs, void *const *outputs,
                       void *workspace);

static vitq_status run(vitq_instance *inst, const void *x, const void *b,
                       void *y, void *copy, size_t x_size) {
  const void *in[2] = {x, b};
  void *out[2] = {y, copy};
  size_t in_sizes[2] = {x_size, 3}, out_sizes[2] = {24, 3};
  return vitq_instance_run(inst, in, in_sizes, out, out_sizes);
}

// CHECK: inputs 2 outputs 2
// CHECK-NEXT: input 0 'x' dtype 0 rank 2 [2,3] 24 bytes
// CHECK-NEXT: input 1 'bias' dtype 2 rank 1 [3] 3 bytes
// CHECK-NEXT: output 0 'y' dtype 0 rank 2 [2,3] 24 bytes
// CHECK-NEXT: output 1 'bias_copy' dtype 2 rank 1 [3] 3 bytes
static void print_interface(const vitq_model *model) {
  printf("inputs %zu outputs %zu\n", vitq_model_num_inputs(model),
         vitq_model_num_outputs(model));
  for (int dir = 0; dir < 2; ++dir)
    for (size_t i = 0; i < 2; ++i) {
      vitq_tensor_info t;
      EXPECT((dir ? vitq_model_output_info
                  : vitq_model_input_info)(model, i, &t) == VITQ_OK);
      printf("%s %zu '%s' dtype %d rank %d [", dir ? "output" : "input", i,
             t.name, (int)t.dtype, t.rank);
      for (int d = 0; d < t.rank; ++d)
        printf(d ? ",%lld" : "%lld", (long long)t.shape[d]);
      printf("] %zu bytes\n", t.size_bytes);
    }
}

// CHECK: argument errors: wrong size: input 0 ('x') has 20 bytes; it needs 24
// CHECK-NEXT: argument errors: NULL buffer: output 1 ('bias_copy') is NULL
// CHECK-NEXT: argument errors: index: input index 2 is out of range (the model
// has 2)
static void argument_errors(const vitq_model *model, vitq_instance *inst) {
  float y[6];
  int8_t copy[3];
  EXPECT(run(inst, kX, kB, y, copy, 20) == VITQ_ERROR_INVALID_ARGUMENT);
  printf("argument errors: wrong size: %s\n", vitq_last_error());
  const void *in[2] = {kX, kB};
  void *out[2] = {y, NULL};
  size_t in_sizes[2] = {24, 3}, out_sizes[2] = {24, 3};
  EXPECT(vitq_instance_run(inst, in, in_sizes, out, out_sizes) ==
         VITQ_ERROR_INVALID_ARGUMENT);
  printf("argument errors: NULL buffer: %s\n", vitq_last_error());
  EXPECT(vitq_instance_run(inst, NULL, in_sizes, out, out_sizes) ==
         VITQ_ERROR_INVALID_ARGUMENT);
  EXPECT(vitq_instance_run(NULL, in, in_sizes, out, out_sizes) ==
         VITQ_ERROR_INVALID_ARGUMENT);
  vitq_tensor_info info;
  EXPECT(vitq_model_input_info(model, 2, &info) == VITQ_ERROR_INVALID_ARGUMENT);
  printf("argument errors: index: %s\n", vitq_last_error());
  EXPECT(vitq_model_input_info(model, 0, NULL) == VITQ_ERROR_INVALID_ARGUMENT);
  EXPECT(vitq_instance_create(NULL, &inst) == VITQ_ERROR_INVALID_ARGUMENT);
  EXPECT(vitq_model_open(NULL, vitq_model_run, NULL) ==
         VITQ_ERROR_INVALID_ARGUMENT);
}

// The compiled code, behind a check that every pointer it gets is aligned
// to its element size (the runtime stages misaligned buffers).
static int misaligned_seen;
static int32_t aligned_run(void *const *inputs, void *const *outputs,
                           void *workspace) {
  misaligned_seen += (uintptr_t)inputs[0] % 4 || (uintptr_t)outputs[0] % 4;
  return vitq_model_run(inputs, outputs, workspace);
}

// CHECK: misaligned buffers: ok
static void misaligned(void) {
  vitq_model *model;
  vitq_instance *inst;
  EXPECT(vitq_model_open(vitq_model_metadata, aligned_run, &model) == VITQ_OK);
  EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
  char in_storage[64], out_storage[64];
  float y[6];
  int8_t copy[3];
  // Both one byte off their element alignment.
  memcpy(in_storage + 1, kX, 24);
  EXPECT(run(inst, in_storage + 1, kB, out_storage + 1, copy, 24) == VITQ_OK);
  memcpy(y, out_storage + 1, 24);
  EXPECT(outputs_correct(y, copy));
  EXPECT(misaligned_seen == 0);
  vitq_instance_destroy(inst);
  vitq_model_free(model);
  printf("misaligned buffers: %s\n", failures ? "FAILED" : "ok");
}

// CHECK: overlap: output 1 ('bias_copy') overlaps input 1 ('bias')
static void overlap(vitq_instance *inst) {
  float y[6];
  int8_t shared[3];
  memcpy(shared, kB, 3);
  EXPECT(run(inst, kX, shared, y, shared, 24) == VITQ_ERROR_INVALID_ARGUMENT);
  printf("overlap: %s\n", vitq_last_error());
}

static void *worker(void *arg) {
  vitq_instance *inst;
  if (vitq_instance_create(arg, &inst) != VITQ_OK)
    return (void *)1;
  long bad = 0;
  for (int i = 0; i < 20000; ++i) {
    float y[6];
    int8_t copy[3];
    bad +=
        run(inst, kX, kB, y, copy, 24) != VITQ_OK || !outputs_correct(y, copy);
  }
  vitq_instance_destroy(inst);
  return (void *)bad;
}

// CHECK: two threads: ok
static void threads(const vitq_model *model) {
  pthread_t t[2];
  for (int i = 0; i < 2; ++i)
    pthread_create(&t[i], NULL, worker, (void *)model);
  for (int i = 0; i < 2; ++i) {
    void *bad;
    pthread_join(t[i], &bad);
    EXPECT(bad == NULL);
  }
  printf("two threads: %s\n", failures ? "FAILED" : "ok");
}

// CHECK: create/destroy: ok
// CHECK-NEXT: bad metadata: the model has ABI version 3; this runtime reads
// CHECK-SAME: 1 to 2
// CHECK-NEXT: bad metadata: malformed model metadata line 3
// CHECK-NEXT: bad library: cannot load '{{.*}}.o':
// CHECK-NEXT: missing library: cannot load 'no-such-model.so':
// ./no-such-model.so: cannot open
static void bad_models(const char *object) {
  vitq_model *m = NULL;
  EXPECT(vitq_model_open("vitq-model 3\nworkspace 0\noutput f32 1 y\n",
                         vitq_model_run, &m) == VITQ_ERROR_INCOMPATIBLE);
  EXPECT(m == NULL);
  printf("bad metadata: %s\n", vitq_last_error());
  EXPECT(vitq_model_open("vitq-model 1\nworkspace 0\ninput f99 1x2 x\n",
                         vitq_model_run, &m) == VITQ_ERROR_INCOMPATIBLE);
  printf("bad metadata: %s\n", vitq_last_error());
  // Sizes that are negative, malformed or overflow are refused.
  const char *bad_workspaces[] = {"-1", "12junk", "18446744073709551616",
                                  "99999999999999999999999"};
  for (int i = 0; i < 4; ++i) {
    char text[128];
    snprintf(text, sizeof(text), "vitq-model 1\nworkspace %s\noutput f32 1 y\n",
             bad_workspaces[i]);
    EXPECT(vitq_model_open(text, vitq_model_run, &m) ==
           VITQ_ERROR_INCOMPATIBLE);
  }
  EXPECT(vitq_model_open("vitq-model 1junk\nworkspace 0\noutput f32 1 y\n",
                         vitq_model_run, &m) == VITQ_ERROR_INCOMPATIBLE);
  // A workspace too large to allocate fails instance creation cleanly.
  EXPECT(vitq_model_open("vitq-model 1\nworkspace 18446744073709551600\n"
                         "output f32 1 y\n",
                         vitq_model_run, &m) == VITQ_OK);
  vitq_instance *inst = NULL;
  EXPECT(vitq_instance_create(m, &inst) == VITQ_ERROR_OUT_OF_MEMORY);
  EXPECT(inst == NULL);
  vitq_model_free(m);
  // A relocatable object is no shared library.
  EXPECT(vitq_model_load(object, NULL, &m) == VITQ_ERROR_LOAD);
  printf("bad library: %s\n", vitq_last_error());
  EXPECT(vitq_model_load("no-such-model.so", NULL, &m) == VITQ_ERROR_LOAD);
  printf("missing library: %s\n", vitq_last_error());
}

// CHECK: failures 0
int main(int argc, char **argv) {
  vitq_model *model;
  EXPECT(vitq_model_open(vitq_model_metadata, vitq_model_run, &model) ==
         VITQ_OK);
  print_interface(model);
  vitq_instance *inst;
  EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
  float y[6];
  int8_t copy[3];
  EXPECT(run(inst, kX, kB, y, copy, 24) == VITQ_OK);
  EXPECT(outputs_correct(y, copy));
  argument_errors(model, inst);
  misaligned();
  overlap(inst);
  vitq_instance_destroy(inst);
  threads(model);
  for (int i = 0; i < 1000; ++i) {
    EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
    vitq_instance_destroy(inst);
  }
  printf("create/destroy: %s\n", failures ? "FAILED" : "ok");
  bad_models(argc > 1 ? argv[1] : "");
  vitq_model_free(model);
  vitq_instance_destroy(NULL);
  vitq_model_free(NULL);
  printf("failures %d\n", failures);
  return failures != 0;
}
