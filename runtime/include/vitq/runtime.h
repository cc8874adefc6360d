/*===- vitq/runtime.h - Load and run models compiled by vitq ------*- C -*-===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The C ABI of the vitq runtime; docs/runtime.md is its reference.
 *
 * A model is what `vitq-compile` produced: a shared library loaded with
 * vitq_model_load(), or an object linked into the program and opened with
 * vitq_model_open(). A model is immutable and may be shared by threads. An
 * instance holds the state of one execution at a time: create one instance
 * per thread that runs the model. Inputs and outputs are caller-owned dense
 * row-major buffers of the shapes and element types the model reports.
 *
 * Every function checks its arguments: a NULL pointer, a wrong size or
 * index, or a model or instance handle that was already freed (or never
 * made by this runtime) fails with VITQ_ERROR_INVALID_ARGUMENT and a
 * message in vitq_last_error(); it is never dereferenced. Handles are
 * checked by address against the live ones, so a freed handle whose address
 * a newer handle of the same kind got is taken for that newer handle.
 *
 *===----------------------------------------------------------------------===*/

#ifndef VITQ_RUNTIME_H
#define VITQ_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The model ABI versions this runtime reads (the first metadata line):
 * version 2 adds the CPU features the compiled code needs. */
#define VITQ_ABI_VERSION 2
#define VITQ_MIN_ABI_VERSION 1

typedef enum vitq_status {
  VITQ_OK = 0,
  /* A NULL pointer, an index out of range, a buffer of the wrong size,
   * overlapping outputs, a freed handle or an instance already running. */
  VITQ_ERROR_INVALID_ARGUMENT = 1,
  /* The shared library cannot be opened, is truncated or lacks the model's
   * symbols. */
  VITQ_ERROR_LOAD = 2,
  /* The model was built for another ABI version or its metadata is
   * malformed. */
  VITQ_ERROR_INCOMPATIBLE = 3,
  VITQ_ERROR_OUT_OF_MEMORY = 4,
  /* The compiled code reported a failure. */
  VITQ_ERROR_RUN = 5
} vitq_status;

typedef enum vitq_dtype {
  VITQ_F32 = 0,
  VITQ_F64 = 1,
  VITQ_I8 = 2,
  VITQ_I16 = 3,
  VITQ_I32 = 4,
  VITQ_I64 = 5
} vitq_dtype;

/* One input or output. The pointers stay valid until the model is freed
 * and its last instance destroyed. */
typedef struct vitq_tensor_info {
  const char *name; /* the ONNX graph input/output name */
  vitq_dtype dtype;
  int32_t rank;         /* 0 for a scalar */
  const int64_t *shape; /* rank entries */
  size_t num_elements;
  size_t size_bytes; /* num_elements * element size */
} vitq_tensor_info;

typedef struct vitq_model vitq_model;
typedef struct vitq_instance vitq_instance;

/* The entry point a compiled model exports as `<prefix>_run`. */
typedef int32_t (*vitq_run_fn)(void *const *inputs, void *const *outputs,
                               void *workspace);

/* Loads the shared library at `path` (a file; a name without '/' means
 * "./name") and reads the model whose symbols start with `prefix` (NULL:
 * "vitq_model", the compiler's default). A file that is missing, not a
 * shared library of this machine, truncated (its ELF headers describe more
 * bytes than it has), or lacks `<prefix>_metadata` as a NUL-terminated data
 * symbol or `<prefix>_run` as a function fails with VITQ_ERROR_LOAD.
 * Loading runs the library's initialisers: load trusted files only. */
vitq_status vitq_model_load(const char *path, const char *prefix,
                            vitq_model **model);

/* Opens a model linked into the program: its `<prefix>_metadata` (a
 * NUL-terminated string) and `<prefix>_run` symbols. */
vitq_status vitq_model_open(const char *metadata, vitq_run_fn run,
                            vitq_model **model);

/* Frees a model (and closes its library). Instances of the model stay
 * usable: the model is released when the last of them is destroyed. NULL is
 * ignored; a model already freed is ignored and sets vitq_last_error(). */
void vitq_model_free(vitq_model *model);

/* The number of threads the model's contractions run on: 0 restores the
 * default (the environment variable VITQ_NUM_THREADS, else every CPU the
 * process may run on). Results are bit-identical for every count. The
 * setting belongs to the model's shared library and holds for all its
 * instances; concurrent runs of one library share its workers (a run that
 * finds them busy computes on its own thread). A model linked into the
 * program sets it with `<prefix>_set_num_threads(int32_t)`; a model compiled
 * before this call existed ignores it. */
vitq_status vitq_model_set_threads(vitq_model *model, int threads);

/* The per-layer profile. A model compiled by vitq brackets each of its
 * layers (each loop nest and each kernel call, named by the ONNX node it
 * comes from) with a clock read that runs only while profiling is on; off,
 * it costs one load and one branch per layer. */
typedef struct vitq_layer_profile {
  const char *name; /* the ONNX node ("" if none) */
  const char *kind; /* e.g. "vitq.shiftmax", "int8 linear (kernel)" */
  uint64_t macs;    /* multiply-adds of one call (0 for element-wise) */
  uint64_t bytes;   /* bytes its operands span, one call */
  uint64_t calls;   /* calls since profiling was turned on */
  double seconds;   /* their total time */
} vitq_layer_profile;

/* Turns profiling on (clearing the counters) or off. The counters belong
 * to the model's shared library and count the runs of all its instances.
 * A model without a profile (linked into the program, or compiled before
 * profiles existed) fails with VITQ_ERROR_INVALID_ARGUMENT. */
vitq_status vitq_model_profile(vitq_model *model, int enable);
/* 0 for a model without a profile (or a NULL or freed one). */
size_t vitq_model_num_layers(const vitq_model *model);
/* Layer `index`'s description and counters; the strings live as long as
 * the model. */
vitq_status vitq_model_layer_profile(const vitq_model *model, size_t index,
                                     vitq_layer_profile *profile);

/* 0 (and vitq_last_error() set) for a NULL or freed model. */
size_t vitq_model_num_inputs(const vitq_model *model);
size_t vitq_model_num_outputs(const vitq_model *model);
vitq_status vitq_model_input_info(const vitq_model *model, size_t index,
                                  vitq_tensor_info *info);
vitq_status vitq_model_output_info(const vitq_model *model, size_t index,
                                   vitq_tensor_info *info);

/* Allocates one execution context of `model` (its workspace). */
vitq_status vitq_instance_create(const vitq_model *model,
                                 vitq_instance **instance);
/* NULL is ignored; an instance already destroyed is ignored and sets
 * vitq_last_error(). Destroying an instance while another thread runs it
 * releases it when that run returns. */
void vitq_instance_destroy(vitq_instance *instance);

/* Runs the model once. `inputs[i]` holds `input_sizes[i]` bytes, which
 * must equal input i's size_bytes; likewise for outputs. `inputs` and
 * `input_sizes` may be NULL for a model without inputs. An output must not
 * overlap an input or another output.
 *
 * Buffers need no particular alignment: the compiled code assumes each
 * buffer aligned to its element size, and one that is not (a float buffer at
 * an odd address) is copied through an aligned staging buffer of the
 * instance, with the same results. An instance runs any number of times and
 * one run at a time: a call while another thread runs the same instance
 * fails with VITQ_ERROR_INVALID_ARGUMENT. On failure the outputs are
 * unspecified; the inputs are never written. */
vitq_status vitq_instance_run(vitq_instance *instance,
                              const void *const *inputs,
                              const size_t *input_sizes, void *const *outputs,
                              const size_t *output_sizes);

/* A static description of a status code. */
const char *vitq_status_string(vitq_status status);

/* The message of the last failed call on the calling thread ("" if none):
 * thread-local, so threads never see each other's errors. A successful call
 * leaves it unchanged. The string stays valid until the thread's next
 * failing call or its exit. */
const char *vitq_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* VITQ_RUNTIME_H */
