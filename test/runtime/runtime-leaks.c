// clang-format off
// RUN: rm -rf %t && mkdir -p %t
// RUN: vitq-compile %S/Inputs/model.mlir -o %t/model.o --quiet
// RUN: vitq-compile %S/Inputs/model.mlir -o %t/model.so --quiet
// RUN: clang-22 -shared -fPIC %S/Inputs/not-a-model.c -o %t/no-symbols.so
// RUN: clang-22 -shared -fPIC -DBAD_VERSION %S/Inputs/not-a-model.c -o %t/bad-version.so
// RUN: clang-22 %runtime_cflags %s %t/model.o %runtime_lib -o %t/leaks.exe
// RUN: cd %t && ./leaks.exe 1000 | FileCheck %s
// clang-format on

// Every way to make and free models and instances, successful or not, many
// times over. The sanitiser build runs this under LeakSanitizer, and
// runtime-leaks-valgrind.test under valgrind: any leak fails.

#include "Inputs/runtime-test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char vitq_model_metadata[];
int32_t vitq_model_run(void *const *inputs, void *const *outputs,
                       void *workspace);

// Runs the model, with x and y `offset` bytes off their alignment (an
// offset other than 0 goes through the staging buffers).
static int runs(vitq_instance *inst, int offset) {
  _Alignas(16) char x[40], y[40];
  int8_t copy[3];
  memcpy(x + offset, kX, 24);
  const void *in[2] = {x + offset, kB};
  void *out[2] = {y + offset, copy};
  size_t in_sizes[2] = {24, 3}, out_sizes[2] = {24, 3};
  if (vitq_instance_run(inst, in, in_sizes, out, out_sizes) != VITQ_OK)
    return 0;
  float result[6];
  memcpy(result, y + offset, 24);
  return outputs_correct(result, copy);
}

// CHECK: open, create, run, destroy, free: ok
// CHECK-NEXT: load, create, run, destroy, free: ok
// CHECK-NEXT: create, destroy: ok
// CHECK-NEXT: model freed before its instances: ok
// CHECK-NEXT: failed loads and opens: ok
// CHECK-NEXT: misused handles: ok
// CHECK-NEXT: failures 0
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;

  for (int i = 0; i < n; ++i) {
    vitq_model *model;
    vitq_instance *inst;
    EXPECT(vitq_model_open(vitq_model_metadata, vitq_model_run, &model) ==
           VITQ_OK);
    EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
    EXPECT(runs(inst, i % 4));
    vitq_instance_destroy(inst);
    vitq_model_free(model);
  }
  printf("open, create, run, destroy, free: %s\n", failures ? "FAILED" : "ok");

  for (int i = 0; i < n; ++i) {
    vitq_model *model;
    vitq_instance *inst;
    EXPECT(vitq_model_load("model.so", NULL, &model) == VITQ_OK);
    EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
    EXPECT(runs(inst, i % 4));
    vitq_instance_destroy(inst);
    vitq_model_free(model);
  }
  printf("load, create, run, destroy, free: %s\n", failures ? "FAILED" : "ok");

  vitq_model *model;
  EXPECT(vitq_model_load("model.so", NULL, &model) == VITQ_OK);
  for (int i = 0; i < n; ++i) {
    vitq_instance *inst;
    EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
    vitq_instance_destroy(inst);
  }
  printf("create, destroy: %s\n", failures ? "FAILED" : "ok");

  // The instances keep the model (and its library) until the last goes.
  for (int i = 0; i < n; ++i) {
    vitq_model *m;
    vitq_instance *a, *b;
    EXPECT(vitq_model_load("model.so", NULL, &m) == VITQ_OK);
    EXPECT(vitq_instance_create(m, &a) == VITQ_OK);
    EXPECT(vitq_instance_create(m, &b) == VITQ_OK);
    vitq_model_free(m);
    EXPECT(runs(a, 1) && runs(b, 0));
    vitq_instance_destroy(a);
    EXPECT(runs(b, 3));
    vitq_instance_destroy(b);
  }
  printf("model freed before its instances: %s\n", failures ? "FAILED" : "ok");

  // Failures after partial work: a library opened and closed again, tensor
  // names read before a malformed line, a workspace too large.
  for (int i = 0; i < n; ++i) {
    vitq_model *m = NULL;
    vitq_instance *inst = NULL;
    EXPECT(vitq_model_load("no-such-model.so", NULL, &m) == VITQ_ERROR_LOAD);
    EXPECT(vitq_model_load("no-symbols.so", NULL, &m) == VITQ_ERROR_LOAD);
    EXPECT(vitq_model_load("bad-version.so", NULL, &m) ==
           VITQ_ERROR_INCOMPATIBLE);
    EXPECT(vitq_model_load("model.so", "nope", &m) == VITQ_ERROR_LOAD);
    EXPECT(vitq_model_open("vitq-model 1\ninput f32 2 a\ninput i8 3 b\n"
                           "output f32 2 y\noutput f99 2 z\n",
                           vitq_model_run, &m) == VITQ_ERROR_INCOMPATIBLE);
    EXPECT(vitq_model_open("vitq-model 1\nworkspace 18446744073709551600\n"
                           "input f32 2 a\noutput f32 2 y\n",
                           vitq_model_run, &m) == VITQ_OK);
    EXPECT(vitq_instance_create(m, &inst) == VITQ_ERROR_OUT_OF_MEMORY);
    vitq_model_free(m);
  }
  printf("failed loads and opens: %s\n", failures ? "FAILED" : "ok");

  // Handles used after they were freed are refused without being touched.
  for (int i = 0; i < n; ++i) {
    vitq_instance *inst;
    EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
    vitq_instance_destroy(inst);
    vitq_instance_destroy(inst);
    EXPECT(!runs(inst, 0));
    vitq_model *m;
    EXPECT(vitq_model_load("model.so", NULL, &m) == VITQ_OK);
    vitq_model_free(m);
    vitq_model_free(m);
    EXPECT(vitq_instance_create(m, &inst) == VITQ_ERROR_INVALID_ARGUMENT);
  }
  vitq_model_free(model);
  printf("misused handles: %s\n", failures ? "FAILED" : "ok");

  printf("failures %d\n", failures);
  return failures != 0;
}
