// RUN: vitq-compile %S/Inputs/model.mlir -o %t.o --quiet
// RUN: clang-22 %runtime_cflags %s %t.o %runtime_lib -o %t.exe
// RUN: %t.exe | FileCheck %s

// Every misuse of the runtime's C ABI fails with a status and a message
// naming the problem, and never crashes (the sanitiser build runs this under
// ASan, UBSan and LeakSanitizer): NULL for each pointer argument, wrong
// sizes, bad indices, freed handles, overlapping buffers, failing compiled
// code. Misaligned buffers and repeated runs give the aligned, first results.

#include "Inputs/runtime-test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char vitq_model_metadata[];
int32_t vitq_model_run(void *const *inputs, void *const *outputs,
                       void *workspace);

// Expects `call` to fail with `status` and prints the message.
#define EXPECT_ERROR(call, status, label)                                      \
  do {                                                                         \
    EXPECT((call) == (status));                                                \
    printf("%s: %s\n", label, vitq_last_error());                              \
  } while (0)

static const size_t kInSizes[2] = {24, 3}, kOutSizes[2] = {24, 3};

static vitq_status run(vitq_instance *inst, const void *x, const void *b,
                       void *y, void *copy) {
  const void *in[2] = {x, b};
  void *out[2] = {y, copy};
  return vitq_instance_run(inst, in, kInSizes, out, kOutSizes);
}

// CHECK: -- NULL pointers
// CHECK-NEXT: load path: path is NULL
// CHECK-NEXT: load model: model is NULL
// CHECK-NEXT: load empty path: path is empty
// CHECK-NEXT: open metadata: metadata is NULL
// CHECK-NEXT: open run: run is NULL
// CHECK-NEXT: open model: model is NULL
// CHECK-NEXT: num_inputs model: model is NULL
// CHECK-NEXT: num_outputs model: model is NULL
// CHECK-NEXT: input_info model: model is NULL
// CHECK-NEXT: input_info info: info is NULL
// CHECK-NEXT: output_info model: model is NULL
// CHECK-NEXT: output_info info: info is NULL
// CHECK-NEXT: set_threads model: model is NULL
// CHECK-NEXT: set_threads count: threads must be 0 {{.*}} got -2
// CHECK-NEXT: profile model: model is NULL
// CHECK-NEXT: profile linked: the model carries no profile {{.*}}
// CHECK-NEXT: layer_profile model: model is NULL
// CHECK-NEXT: create model: model is NULL
// CHECK-NEXT: create instance: instance is NULL
// CHECK-NEXT: run instance: instance is NULL
// CHECK-NEXT: run inputs: inputs is NULL (the model has 2 input(s))
// CHECK-NEXT: run input_sizes: input_sizes is NULL
// CHECK-NEXT: run outputs: outputs is NULL (the model has 2 output(s))
// CHECK-NEXT: run output_sizes: output_sizes is NULL
// CHECK-NEXT: run input 0: input 0 ('x') is NULL
// CHECK-NEXT: run input 1: input 1 ('bias') is NULL
// CHECK-NEXT: run output 0: output 0 ('y') is NULL
// CHECK-NEXT: run output 1: output 1 ('bias_copy') is NULL
// CHECK-NEXT: NULL frees: ignored
static void null_pointers(vitq_model *model, vitq_instance *inst) {
  printf("-- NULL pointers\n");
  vitq_model *m = (vitq_model *)&m; // must be reset to NULL on failure
  EXPECT_ERROR(vitq_model_load(NULL, NULL, &m), VITQ_ERROR_INVALID_ARGUMENT,
               "load path");
  EXPECT(m == NULL);
  EXPECT_ERROR(vitq_model_load("model.so", NULL, NULL),
               VITQ_ERROR_INVALID_ARGUMENT, "load model");
  EXPECT_ERROR(vitq_model_load("", NULL, &m), VITQ_ERROR_INVALID_ARGUMENT,
               "load empty path");
  EXPECT_ERROR(vitq_model_open(NULL, vitq_model_run, &m),
               VITQ_ERROR_INVALID_ARGUMENT, "open metadata");
  EXPECT_ERROR(vitq_model_open(vitq_model_metadata, NULL, &m),
               VITQ_ERROR_INVALID_ARGUMENT, "open run");
  EXPECT(m == NULL);
  EXPECT_ERROR(vitq_model_open(vitq_model_metadata, vitq_model_run, NULL),
               VITQ_ERROR_INVALID_ARGUMENT, "open model");

  EXPECT(vitq_model_num_inputs(NULL) == 0);
  printf("num_inputs model: %s\n", vitq_last_error());
  EXPECT(vitq_model_num_outputs(NULL) == 0);
  printf("num_outputs model: %s\n", vitq_last_error());
  vitq_tensor_info info;
  EXPECT_ERROR(vitq_model_input_info(NULL, 0, &info),
               VITQ_ERROR_INVALID_ARGUMENT, "input_info model");
  EXPECT_ERROR(vitq_model_input_info(model, 0, NULL),
               VITQ_ERROR_INVALID_ARGUMENT, "input_info info");
  EXPECT_ERROR(vitq_model_output_info(NULL, 0, &info),
               VITQ_ERROR_INVALID_ARGUMENT, "output_info model");
  EXPECT_ERROR(vitq_model_output_info(model, 0, NULL),
               VITQ_ERROR_INVALID_ARGUMENT, "output_info info");
  EXPECT_ERROR(vitq_model_set_threads(NULL, 2), VITQ_ERROR_INVALID_ARGUMENT,
               "set_threads model");
  EXPECT_ERROR(vitq_model_set_threads(model, -2), VITQ_ERROR_INVALID_ARGUMENT,
               "set_threads count");
  // A linked model has no setter to reach: accepted, runs as before.
  EXPECT(vitq_model_set_threads(model, 2) == VITQ_OK);
  EXPECT_ERROR(vitq_model_profile(NULL, 1), VITQ_ERROR_INVALID_ARGUMENT,
               "profile model");
  EXPECT_ERROR(vitq_model_profile(model, 1), VITQ_ERROR_INVALID_ARGUMENT,
               "profile linked");
  EXPECT(vitq_model_num_layers(model) == 0);
  vitq_layer_profile layer;
  EXPECT_ERROR(vitq_model_layer_profile(NULL, 0, &layer),
               VITQ_ERROR_INVALID_ARGUMENT, "layer_profile model");

  vitq_instance *created = (vitq_instance *)&created;
  EXPECT_ERROR(vitq_instance_create(NULL, &created),
               VITQ_ERROR_INVALID_ARGUMENT, "create model");
  EXPECT(created == NULL);
  EXPECT_ERROR(vitq_instance_create(model, NULL), VITQ_ERROR_INVALID_ARGUMENT,
               "create instance");

  float y[6];
  int8_t copy[3];
  const void *in[2] = {kX, kB};
  void *out[2] = {y, copy};
  EXPECT_ERROR(vitq_instance_run(NULL, in, kInSizes, out, kOutSizes),
               VITQ_ERROR_INVALID_ARGUMENT, "run instance");
  EXPECT_ERROR(vitq_instance_run(inst, NULL, kInSizes, out, kOutSizes),
               VITQ_ERROR_INVALID_ARGUMENT, "run inputs");
  EXPECT_ERROR(vitq_instance_run(inst, in, NULL, out, kOutSizes),
               VITQ_ERROR_INVALID_ARGUMENT, "run input_sizes");
  EXPECT_ERROR(vitq_instance_run(inst, in, kInSizes, NULL, kOutSizes),
               VITQ_ERROR_INVALID_ARGUMENT, "run outputs");
  EXPECT_ERROR(vitq_instance_run(inst, in, kInSizes, out, NULL),
               VITQ_ERROR_INVALID_ARGUMENT, "run output_sizes");
  EXPECT_ERROR(run(inst, NULL, kB, y, copy), VITQ_ERROR_INVALID_ARGUMENT,
               "run input 0");
  EXPECT_ERROR(run(inst, kX, NULL, y, copy), VITQ_ERROR_INVALID_ARGUMENT,
               "run input 1");
  EXPECT_ERROR(run(inst, kX, kB, NULL, copy), VITQ_ERROR_INVALID_ARGUMENT,
               "run output 0");
  EXPECT_ERROR(run(inst, kX, kB, y, NULL), VITQ_ERROR_INVALID_ARGUMENT,
               "run output 1");

  // NULL handles are documented no-ops and leave the last error alone.
  vitq_instance_destroy(NULL);
  vitq_model_free(NULL);
  printf("NULL frees: %s\n",
         strcmp(vitq_last_error(), "output 1 ('bias_copy') is NULL") == 0
             ? "ignored"
             : vitq_last_error());
}

// CHECK: -- sizes
// CHECK-NEXT: input 0 ('x') has 23 bytes; it needs 24
// CHECK-NEXT: input 0 ('x') has 25 bytes; it needs 24
// CHECK-NEXT: input 0 ('x') has 0 bytes; it needs 24
// CHECK-NEXT: input 0 ('x') has 18446744073709551615 bytes; it needs 24
// CHECK-NEXT: input 1 ('bias') has 2 bytes; it needs 3
// CHECK-NEXT: input 1 ('bias') has 4 bytes; it needs 3
// CHECK-NEXT: input 1 ('bias') has 0 bytes; it needs 3
// CHECK-NEXT: input 1 ('bias') has 18446744073709551615 bytes; it needs 3
// CHECK-NEXT: output 0 ('y') has 23 bytes; it needs 24
// CHECK-NEXT: output 0 ('y') has 25 bytes; it needs 24
// CHECK-NEXT: output 0 ('y') has 0 bytes; it needs 24
// CHECK-NEXT: output 0 ('y') has 18446744073709551615 bytes; it needs 24
// CHECK-NEXT: output 1 ('bias_copy') has 2 bytes; it needs 3
// CHECK-NEXT: output 1 ('bias_copy') has 4 bytes; it needs 3
// CHECK-NEXT: output 1 ('bias_copy') has 0 bytes; it needs 3
// CHECK-NEXT: output 1 ('bias_copy') has 18446744073709551615 bytes; it needs 3
// CHECK-NEXT: sizes: outputs untouched
static void wrong_sizes(vitq_instance *inst) {
  printf("-- sizes\n");
  // Buffers larger than any size tried, so that a wrong size the runtime
  // let through would still not overrun them.
  float x[16] = {0}, y[16];
  int8_t b[16] = {0}, copy[16];
  memcpy(x, kX, sizeof(kX));
  memcpy(b, kB, sizeof(kB));
  memset(y, 0x5a, sizeof(y));
  memset(copy, 0x5a, sizeof(copy));
  const void *in[2] = {x, b};
  void *out[2] = {y, copy};
  for (int slot = 0; slot < 4; ++slot) {
    const size_t right = slot % 2 ? 3 : 24;
    const size_t tries[4] = {right - 1, right + 1, 0, SIZE_MAX};
    for (int t = 0; t < 4; ++t) {
      size_t in_sizes[2] = {24, 3}, out_sizes[2] = {24, 3};
      (slot < 2 ? in_sizes : out_sizes)[slot % 2] = tries[t];
      EXPECT(vitq_instance_run(inst, in, in_sizes, out, out_sizes) ==
             VITQ_ERROR_INVALID_ARGUMENT);
      printf("%s\n", vitq_last_error());
    }
  }
  // Arguments are checked before the compiled code runs.
  int untouched = 1;
  for (size_t i = 0; i < sizeof(y); ++i)
    untouched &= ((unsigned char *)y)[i] == 0x5a;
  for (size_t i = 0; i < sizeof(copy); ++i)
    untouched &= (unsigned char)copy[i] == 0x5a;
  printf("sizes: %s\n", untouched ? "outputs untouched" : "outputs WRITTEN");
}

// CHECK: -- indices
// CHECK-NEXT: input index 2 is out of range (the model has 2)
// CHECK-NEXT: output index 2 is out of range (the model has 2)
// CHECK-NEXT: input index 18446744073709551615 is out of range
// CHECK-SAME:  (the model has 2)
// CHECK-NEXT: output index 18446744073709551615 is out of range
// CHECK-SAME:  (the model has 2)
static void bad_indices(const vitq_model *model) {
  printf("-- indices\n");
  const size_t indices[2] = {2, SIZE_MAX};
  for (int i = 0; i < 2; ++i) {
    vitq_tensor_info info;
    EXPECT(vitq_model_input_info(model, indices[i], &info) ==
           VITQ_ERROR_INVALID_ARGUMENT);
    printf("%s\n", vitq_last_error());
    EXPECT(vitq_model_output_info(model, indices[i], &info) ==
           VITQ_ERROR_INVALID_ARGUMENT);
    printf("%s\n", vitq_last_error());
  }
}

// CHECK: -- freed handles
// CHECK-NEXT: run destroyed: instance 0x{{[0-9a-f]+}}
// CHECK-SAME:  is not a live instance (already destroyed, or not made by
// CHECK-SAME:  vitq_instance_create)
// CHECK-NEXT: destroy destroyed: instance 0x{{[0-9a-f]+}}
// CHECK-SAME:  is not a live instance (already destroyed, or not made by
// CHECK-SAME:  vitq_instance_create)
// CHECK-NEXT: run bogus: instance 0x{{[0-9a-f]+}}
// CHECK-SAME:  is not a live instance (already destroyed, or not made by
// CHECK-SAME:  vitq_instance_create)
// CHECK-NEXT: instance outlives its freed model: ok
// CHECK-NEXT: num_inputs freed: model 0x{{[0-9a-f]+}}
// CHECK-SAME:  is not a loaded model (already freed, or not made by
// CHECK-SAME:  vitq_model_load or vitq_model_open)
// CHECK-NEXT: input_info freed: model 0x{{[0-9a-f]+}}
// CHECK-SAME:  is not a loaded model (already freed, or not made by
// CHECK-SAME:  vitq_model_load or vitq_model_open)
// CHECK-NEXT: create freed: model 0x{{[0-9a-f]+}}
// CHECK-SAME:  is not a loaded model (already freed, or not made by
// CHECK-SAME:  vitq_model_load or vitq_model_open)
// CHECK-NEXT: free freed: model 0x{{[0-9a-f]+}}
// CHECK-SAME:  is not a loaded model (already freed, or not made by
// CHECK-SAME:  vitq_model_load or vitq_model_open)
// CHECK-NEXT: create bogus: model 0x{{[0-9a-f]+}}
// CHECK-SAME:  is not a loaded model (already freed, or not made by
// CHECK-SAME:  vitq_model_load or vitq_model_open)
static void freed_handles(void) {
  printf("-- freed handles\n");
  vitq_model *model;
  vitq_instance *inst, *other;
  EXPECT(vitq_model_open(vitq_model_metadata, vitq_model_run, &model) ==
         VITQ_OK);
  EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
  vitq_instance_destroy(inst);
  float y[6];
  int8_t copy[3];
  EXPECT_ERROR(run(inst, kX, kB, y, copy), VITQ_ERROR_INVALID_ARGUMENT,
               "run destroyed");
  vitq_instance_destroy(inst); // a second destroy is refused, not a crash
  printf("destroy destroyed: %s\n", vitq_last_error());
  // Memory that never was an instance is not one.
  uint64_t bogus[64] = {0};
  EXPECT_ERROR(run((vitq_instance *)bogus, kX, kB, y, copy),
               VITQ_ERROR_INVALID_ARGUMENT, "run bogus");

  // Freeing the model first: its instances keep it alive.
  EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
  EXPECT(vitq_instance_create(model, &other) == VITQ_OK);
  vitq_model_free(model);
  EXPECT(run(inst, kX, kB, y, copy) == VITQ_OK && outputs_correct(y, copy));
  vitq_instance_destroy(inst);
  EXPECT(run(other, kX, kB, y, copy) == VITQ_OK && outputs_correct(y, copy));
  printf("instance outlives its freed model: %s\n", failures ? "FAILED" : "ok");
  // ... but the model handle is gone.
  EXPECT(vitq_model_num_inputs(model) == 0);
  printf("num_inputs freed: %s\n", vitq_last_error());
  vitq_tensor_info info;
  EXPECT_ERROR(vitq_model_input_info(model, 0, &info),
               VITQ_ERROR_INVALID_ARGUMENT, "input_info freed");
  EXPECT_ERROR(vitq_instance_create(model, &inst), VITQ_ERROR_INVALID_ARGUMENT,
               "create freed");
  vitq_model_free(model);
  printf("free freed: %s\n", vitq_last_error());
  vitq_instance_destroy(other); // releases the model
  EXPECT_ERROR(vitq_instance_create((vitq_model *)bogus, &inst),
               VITQ_ERROR_INVALID_ARGUMENT, "create bogus");
}

// CHECK: -- overlaps
// CHECK-NEXT: output 0 ('y') overlaps input 0 ('x')
// CHECK-NEXT: output 0 ('y') overlaps input 0 ('x')
// CHECK-NEXT: output 1 ('bias_copy') overlaps input 1 ('bias')
// CHECK-NEXT: output 1 ('bias_copy') overlaps output 0 ('y')
// CHECK-NEXT: adjacent buffers: ok
static void overlaps(vitq_instance *inst) {
  printf("-- overlaps\n");
  float buffer[16];
  int8_t bias[3];
  memcpy(buffer, kX, sizeof(kX));
  memcpy(bias, kB, 3);
  EXPECT(run(inst, buffer, kB, buffer, bias) == VITQ_ERROR_INVALID_ARGUMENT);
  printf("%s\n", vitq_last_error());
  // A partial overlap: y starts in x's last element.
  EXPECT(run(inst, buffer, kB, buffer + 5, bias) ==
         VITQ_ERROR_INVALID_ARGUMENT);
  printf("%s\n", vitq_last_error());
  EXPECT(run(inst, kX, bias, buffer + 8, bias) == VITQ_ERROR_INVALID_ARGUMENT);
  printf("%s\n", vitq_last_error());
  EXPECT(run(inst, kX, kB, buffer, (char *)buffer + 23) ==
         VITQ_ERROR_INVALID_ARGUMENT);
  printf("%s\n", vitq_last_error());
  // Inputs may share memory; touching buffers do not overlap.
  char both[27];
  EXPECT(run(inst, kX, kB, both, both + 24) == VITQ_OK);
  float y[6];
  memcpy(y, both, 24);
  EXPECT(outputs_correct(y, (int8_t *)both + 24));
  printf("adjacent buffers: %s\n", failures ? "FAILED" : "ok");
}

// The compiled code, behind a check that every buffer it gets is aligned to
// its element size (the runtime stages misaligned ones).
static int misaligned_seen;
static int32_t aligned_run(void *const *inputs, void *const *outputs,
                           void *workspace) {
  misaligned_seen += (uintptr_t)inputs[0] % 4 || (uintptr_t)outputs[0] % 4;
  return vitq_model_run(inputs, outputs, workspace);
}

// CHECK: -- misaligned buffers
// CHECK-NEXT: {{^}}16 offset combinations: same outputs as aligned, inputs
// CHECK-SAME:  unchanged
static void misaligned(void) {
  printf("-- misaligned buffers\n");
  vitq_model *model;
  vitq_instance *inst;
  EXPECT(vitq_model_open(vitq_model_metadata, aligned_run, &model) == VITQ_OK);
  EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
  float y_aligned[6];
  int8_t copy_aligned[3];
  EXPECT(run(inst, kX, kB, y_aligned, copy_aligned) == VITQ_OK);
  int combinations = 0, same = 1;
  // x and y at each offset from a 64-byte boundary.
  _Alignas(64) char x_storage[128], y_storage[128];
  for (int x_offset = 0; x_offset < 4; ++x_offset)
    for (int y_offset = 0; y_offset < 4; ++y_offset) {
      memcpy(x_storage + x_offset, kX, 24);
      memset(y_storage, 0x5a, sizeof(y_storage));
      int8_t copy[3];
      EXPECT(run(inst, x_storage + x_offset, kB, y_storage + y_offset, copy) ==
             VITQ_OK);
      same &= memcmp(y_storage + y_offset, y_aligned, 24) == 0 &&
              memcmp(copy, copy_aligned, 3) == 0 &&
              memcmp(x_storage + x_offset, kX, 24) == 0;
      // Nothing written around the output.
      for (int i = 0; i < 128; ++i)
        if (i < y_offset || i >= y_offset + 24)
          same &= y_storage[i] == 0x5a;
      ++combinations;
    }
  EXPECT(same);
  EXPECT(misaligned_seen == 0);
  printf("%d offset combinations: %s\n", combinations,
         same && !misaligned_seen ? "same outputs as aligned, inputs unchanged"
                                  : "FAILED");
  vitq_instance_destroy(inst);
  vitq_model_free(model);
}

// CHECK: -- repeated runs
// CHECK-NEXT: run twice: same outputs
// CHECK-NEXT: other inputs in between: same outputs
static void repeated_runs(vitq_instance *inst) {
  printf("-- repeated runs\n");
  float y1[6], y2[6], y3[6];
  int8_t c1[3], c2[3], c3[3];
  EXPECT(run(inst, kX, kB, y1, c1) == VITQ_OK);
  EXPECT(run(inst, kX, kB, y2, c2) == VITQ_OK);
  int same = memcmp(y1, y2, 24) == 0 && memcmp(c1, c2, 3) == 0 &&
             outputs_correct(y1, c1);
  EXPECT(same);
  printf("run twice: %s\n", same ? "same outputs" : "DIFFERENT");
  // A failed run and a run on other inputs leave nothing behind.
  const float other_x[6] = {-1, -1, -1, 7, 7, 7};
  const int8_t other_b[3] = {-128, 0, 3};
  EXPECT(run(inst, other_x, other_b, y3, c3) == VITQ_OK);
  EXPECT(run(inst, kX, NULL, y3, c3) == VITQ_ERROR_INVALID_ARGUMENT);
  EXPECT(run(inst, kX, kB, y3, c3) == VITQ_OK);
  same = memcmp(y1, y3, 24) == 0 && memcmp(c1, c3, 3) == 0;
  EXPECT(same);
  printf("other inputs in between: %s\n", same ? "same outputs" : "DIFFERENT");
}

static int32_t failing_run(void *const *inputs, void *const *outputs,
                           void *workspace) {
  (void)inputs, (void)outputs, (void)workspace;
  return 7;
}

// CHECK: -- failing model
// CHECK-NEXT: failing run: the compiled model returned 7
// CHECK-NEXT: statuses: ok|invalid argument|cannot load the model
// CHECK-SAME: |incompatible model|out of memory|the model failed to run
// CHECK-SAME: |unknown status|unknown status
static void failing_model(void) {
  printf("-- failing model\n");
  vitq_model *model;
  vitq_instance *inst;
  EXPECT(vitq_model_open(vitq_model_metadata, failing_run, &model) == VITQ_OK);
  EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
  float y[6];
  int8_t copy[3];
  EXPECT_ERROR(run(inst, kX, kB, y, copy), VITQ_ERROR_RUN, "failing run");
  vitq_instance_destroy(inst);
  vitq_model_free(model);
  printf("statuses: ");
  const int statuses[8] = {0, 1, 2, 3, 4, 5, 6, -1};
  for (int i = 0; i < 8; ++i)
    printf(i ? "|%s" : "%s", vitq_status_string((vitq_status)statuses[i]));
  printf("\n");
}

// CHECK: -- malformed metadata
// CHECK-NEXT: '': the model metadata lacks its version or outputs
// CHECK-NEXT: 'vitq-model': malformed model metadata line 1
// CHECK-NEXT: 'vitq-model 1': the model metadata lacks its version or outputs
// CHECK-NEXT: 'output f32 2x y': malformed model metadata line 2
// CHECK-NEXT: 'output f32 x2 y': malformed model metadata line 2
// CHECK-NEXT: 'output f32 2xx3 y': malformed model metadata line 2
// CHECK-NEXT: 'output f32 2': malformed model metadata line 2
// CHECK-NEXT: 'output f32  y': malformed model metadata line 2
// CHECK-NEXT: 'output f32 -2 y': malformed model metadata line 2
// CHECK-NEXT: 'output f32 1x2x3x4x5x6x7x8x9x1x2x3x4x5x6x7x8 y': malformed model
// CHECK-SAME: metadata line 2
// CHECK-NEXT: 'output f32 4294967296x4294967296 y': malformed model metadata
// CHECK-SAME: line 2
// CHECK-NEXT: 'output i4 2 y': malformed model metadata line 2
static void malformed_metadata(void) {
  printf("-- malformed metadata\n");
  const char *lines[] = {"",
                         "vitq-model",
                         "vitq-model 1",
                         "output f32 2x y",
                         "output f32 x2 y",
                         "output f32 2xx3 y",
                         "output f32 2",
                         "output f32  y",
                         "output f32 -2 y",
                         "output f32 1x2x3x4x5x6x7x8x9x1x2x3x4x5x6x7x8 y",
                         "output f32 4294967296x4294967296 y",
                         "output i4 2 y"};
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); ++i) {
    char text[256];
    // The first three are the whole text; the others follow a version line.
    snprintf(text, sizeof(text), "%s%s\n", i < 3 ? "" : "vitq-model 1\n",
             lines[i]);
    vitq_model *m = (vitq_model *)&m;
    EXPECT(vitq_model_open(i ? text : "", vitq_model_run, &m) ==
           VITQ_ERROR_INCOMPATIBLE);
    EXPECT(m == NULL);
    printf("'%s': %s\n", lines[i], vitq_last_error());
  }
}

// CHECK: failures 0
int main(void) {
  EXPECT(*vitq_last_error() == '\0');
  vitq_model *model;
  EXPECT(vitq_model_open(vitq_model_metadata, vitq_model_run, &model) ==
         VITQ_OK);
  vitq_instance *inst;
  EXPECT(vitq_instance_create(model, &inst) == VITQ_OK);
  null_pointers(model, inst);
  wrong_sizes(inst);
  bad_indices(model);
  freed_handles();
  overlaps(inst);
  misaligned();
  repeated_runs(inst);
  failing_model();
  malformed_metadata();
  vitq_instance_destroy(inst);
  vitq_model_free(model);
  printf("failures %d\n", failures);
  return failures != 0;
}
