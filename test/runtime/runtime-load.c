// clang-format off
// RUN: rm -rf %t && mkdir -p %t
// RUN: vitq-compile %S/Inputs/model.mlir -o %t/model.so --quiet
// RUN: vitq-compile %S/Inputs/model.mlir -o %t/other.so --symbol-prefix=other --quiet
// RUN: vitq-compile %S/Inputs/model.mlir -o %t/model.o --quiet
// RUN: clang-22 -shared -fPIC %S/Inputs/not-a-model.c -o %t/no-symbols.so
// RUN: clang-22 -shared -fPIC -DWRONG_METADATA_TYPE %S/Inputs/not-a-model.c -o %t/metadata-function.so
// RUN: clang-22 -shared -fPIC -DWRONG_RUN_TYPE %S/Inputs/not-a-model.c -o %t/run-data.so
// RUN: clang-22 -shared -fPIC -DUNTERMINATED %S/Inputs/not-a-model.c -o %t/unterminated.so
// RUN: clang-22 -shared -fPIC -DBAD_VERSION %S/Inputs/not-a-model.c -o %t/bad-version.so
// RUN: clang-22 %runtime_cflags %s %runtime_lib -o %t/load.exe
// RUN: cd %t && ./load.exe | FileCheck %s
// clang-format on

// vitq_model_load on wrong files: missing, not a shared library, truncated
// at every length, a shared library without the model's symbols or with
// symbols of the wrong kind. Each fails with VITQ_ERROR_LOAD (or
// VITQ_ERROR_INCOMPATIBLE for metadata of another version) and a message,
// never a crash: a truncated library used to raise SIGBUS inside dlopen.
// The same model loads twice, and under another prefix.

#include "Inputs/runtime-test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Runs `model` on the test inputs and checks the outputs.
static int runs(const vitq_model *model) {
  vitq_instance *inst;
  if (vitq_instance_create(model, &inst) != VITQ_OK)
    return 0;
  float y[6];
  int8_t copy[3];
  const void *in[2] = {kX, kB};
  void *out[2] = {y, copy};
  size_t in_sizes[2] = {24, 3}, out_sizes[2] = {24, 3};
  int ok = vitq_instance_run(inst, in, in_sizes, out, out_sizes) == VITQ_OK &&
           outputs_correct(y, copy);
  vitq_instance_destroy(inst);
  return ok;
}

// Loads `path`, expecting `status`, and prints the message.
static void expect_load_error(const char *path, const char *prefix,
                              vitq_status status, const char *label) {
  vitq_model *model = (vitq_model *)&model;
  EXPECT(vitq_model_load(path, prefix, &model) == status);
  EXPECT(model == NULL);
  printf("%s: %s\n", label, vitq_last_error());
}

static char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  *size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = malloc(*size);
  if (data && fread(data, 1, *size, f) != *size) {
    free(data);
    data = NULL;
  }
  fclose(f);
  return data;
}

static void write_file(const char *path, const void *data, size_t size) {
  // A new file each time: overwriting one makes the file system flush it.
  remove(path);
  FILE *f = fopen(path, "wb");
  EXPECT(f && fwrite(data, 1, size, f) == size);
  if (f)
    fclose(f);
}

// CHECK: -- good models
// CHECK-NEXT: model.so: ok
// CHECK-NEXT: ./model.so twice: ok
// CHECK-NEXT: other.so with prefix 'other': ok
static void good_models(void) {
  printf("-- good models\n");
  vitq_model *a, *b;
  EXPECT(vitq_model_load("model.so", NULL, &a) == VITQ_OK);
  EXPECT(vitq_model_num_inputs(a) == 2 && vitq_model_num_outputs(a) == 2);
  EXPECT(runs(a));
  printf("model.so: %s\n", failures ? "FAILED" : "ok");
  // The same library twice: two models, each freed on its own.
  EXPECT(vitq_model_load("./model.so", "vitq_model", &b) == VITQ_OK);
  EXPECT(a != b);
  EXPECT(runs(b));
  vitq_model_free(a);
  EXPECT(runs(b));
  vitq_model_free(b);
  printf("./model.so twice: %s\n", failures ? "FAILED" : "ok");
  EXPECT(vitq_model_load("other.so", "other", &a) == VITQ_OK);
  EXPECT(runs(a));
  vitq_model_free(a);
  printf("other.so with prefix 'other': %s\n", failures ? "FAILED" : "ok");
}

// CHECK: -- wrong files
// CHECK-NEXT: missing: cannot load 'no-such-model.so': ./no-such-model.so:
// CHECK-SAME:  cannot open shared object file: No such file or directory
// CHECK-NEXT: directory: cannot load '.': ./.: cannot read file data: Is a
// CHECK-SAME:  directory
// CHECK-NEXT: text: cannot load 'text.so': ./text.so: invalid ELF header
// CHECK-NEXT: empty: cannot load 'empty.so': ./empty.so: file too short
// CHECK-NEXT: object: cannot load 'model.o': ./model.o: only ET_DYN and
// CHECK-SAME:  ET_EXEC can be loaded
// CHECK-NEXT: no symbols: 'no-symbols.so' is not a vitq model: it lacks
// CHECK-SAME:  vitq_model_metadata or vitq_model_run
// CHECK-NEXT: wrong prefix: 'model.so' is not a vitq model: it lacks
// CHECK-SAME:  other_metadata or other_run
// CHECK-NEXT: other prefix: 'other.so' is not a vitq model: it lacks
// CHECK-SAME:  vitq_model_metadata or vitq_model_run
// CHECK-NEXT: metadata a function: 'metadata-function.so' is not a vitq
// CHECK-SAME:  model: vitq_model_metadata is not a NUL-terminated string
// CHECK-NEXT: run is data: 'run-data.so' is not a vitq model: vitq_model_run
// CHECK-SAME:  is not a function
// CHECK-NEXT: unterminated metadata: 'unterminated.so' is not a vitq model:
// CHECK-SAME:  vitq_model_metadata is not a NUL-terminated string
// CHECK-NEXT: other version: the model has ABI version 9; this runtime reads 1
// CHECK-NEXT: long prefix: prefix is too long (300 bytes)
// CHECK-NEXT: long path: path is too long (5000 bytes)
static void wrong_files(void) {
  printf("-- wrong files\n");
  expect_load_error("no-such-model.so", NULL, VITQ_ERROR_LOAD, "missing");
  expect_load_error(".", NULL, VITQ_ERROR_LOAD, "directory");
  char text[200];
  memset(text, 't', sizeof(text)); // longer than an ELF header
  write_file("text.so", text, sizeof(text));
  expect_load_error("text.so", NULL, VITQ_ERROR_LOAD, "text");
  write_file("empty.so", "", 0);
  expect_load_error("empty.so", NULL, VITQ_ERROR_LOAD, "empty");
  expect_load_error("model.o", NULL, VITQ_ERROR_LOAD, "object");
  expect_load_error("no-symbols.so", NULL, VITQ_ERROR_LOAD, "no symbols");
  expect_load_error("model.so", "other", VITQ_ERROR_LOAD, "wrong prefix");
  expect_load_error("other.so", NULL, VITQ_ERROR_LOAD, "other prefix");
  expect_load_error("metadata-function.so", NULL, VITQ_ERROR_LOAD,
                    "metadata a function");
  expect_load_error("run-data.so", NULL, VITQ_ERROR_LOAD, "run is data");
  expect_load_error("unterminated.so", NULL, VITQ_ERROR_LOAD,
                    "unterminated metadata");
  expect_load_error("bad-version.so", NULL, VITQ_ERROR_INCOMPATIBLE,
                    "other version");
  char prefix[301], path[5001];
  memset(prefix, 'p', 300);
  prefix[300] = '\0';
  expect_load_error("model.so", prefix, VITQ_ERROR_INVALID_ARGUMENT,
                    "long prefix");
  memset(path, 'a', 5000);
  path[5000] = '\0';
  expect_load_error(path, NULL, VITQ_ERROR_INVALID_ARGUMENT, "long path");
}

// CHECK: -- truncated libraries
// CHECK-NEXT: 63 bytes: cannot load 'truncated.so': ./truncated.so: file too
// CHECK-SAME:  short
// CHECK-NEXT: 64 bytes: cannot load 'truncated.so': the file is truncated: it
// CHECK-SAME:  has 64 bytes, its ELF headers describe [[SIZE:[0-9]+]]{{$}}
// CHECK-NEXT: half: cannot load 'truncated.so': the file is truncated: it has
// CHECK-SAME:  {{[0-9]+}} bytes, its ELF headers describe [[SIZE]]{{$}}
// CHECK-NEXT: all but 1 byte: cannot load 'truncated.so': the file is
// CHECK-SAME:  truncated: it has {{[0-9]+}} bytes, its ELF headers describe
// CHECK-SAME:  [[SIZE]]{{$}}
// CHECK-NEXT: {{[0-9]+}} truncated lengths refused
// CHECK-NEXT: corrupt header: cannot load 'corrupt.so': the file is
// CHECK-SAME:  truncated: it has [[SIZE]] bytes, its ELF headers describe
// CHECK-SAME:  18446744073709551615{{$}}
// CHECK-NEXT: the complete file: ok
static void truncated_libraries(void) {
  printf("-- truncated libraries\n");
  size_t size;
  char *data = read_file("model.so", &size);
  EXPECT(data && size > 4096);
  if (!data)
    return;
  // Every length up to 4 KiB (the headers and the first segment), then
  // 256-byte steps, then all but the last byte.
  int refused = 0, tried = 0;
  for (size_t length = 0; length < size; length = length < 4096 ? length + 1
                                                  : length + 256 < size
                                                      ? length + 256
                                                  : length < size - 1 ? size - 1
                                                                      : size) {
    write_file("truncated.so", data, length);
    vitq_model *model = (vitq_model *)&model;
    vitq_status status = vitq_model_load("truncated.so", NULL, &model);
    refused += status == VITQ_ERROR_LOAD && model == NULL;
    ++tried;
    if (status == VITQ_OK)
      vitq_model_free(model);
  }
  EXPECT(refused == tried && tried > 4096);
  const size_t lengths[4] = {63, 64, size / 2, size - 1};
  const char *labels[4] = {"63 bytes", "64 bytes", "half", "all but 1 byte"};
  for (int i = 0; i < 4; ++i) {
    write_file("truncated.so", data, lengths[i]);
    expect_load_error("truncated.so", NULL, VITQ_ERROR_LOAD, labels[i]);
  }
  printf("%d truncated lengths refused\n", refused);
  // Header offsets past the end of the file.
  char *corrupt = malloc(size);
  memcpy(corrupt, data, size);
  memset(corrupt + 32, 0xff, 8); // e_phoff of an ELF64 header
  write_file("corrupt.so", corrupt, size);
  free(corrupt);
  expect_load_error("corrupt.so", NULL, VITQ_ERROR_LOAD, "corrupt header");
  write_file("truncated.so", data, size);
  vitq_model *model;
  EXPECT(vitq_model_load("truncated.so", NULL, &model) == VITQ_OK);
  EXPECT(runs(model));
  vitq_model_free(model);
  printf("the complete file: %s\n", failures ? "FAILED" : "ok");
  free(data);
}

// CHECK: failures 0
int main(void) {
  good_models();
  wrong_files();
  truncated_libraries();
  printf("failures %d\n", failures);
  return failures != 0;
}
