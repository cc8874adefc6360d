/*===- runtime.c - Load and run models compiled by vitq -------------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * Reads a model's metadata text (docs/runtime.md) into tensor descriptions,
 * and checks every call's arguments before the compiled code sees them: the
 * generated code trusts its buffers, so this is where wrong sizes and NULL
 * pointers are stopped. Live models and instances are registered, so a
 * freed handle is refused instead of dereferenced, and a model is released
 * when both its caller and its last instance are done with it.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "vitq/runtime.h"
#include "vitq/cpu.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Dimensions per tensor the metadata may name. */
enum { kMaxRank = 16 };
/* Alignment of the workspace and of staging copies. */
enum { kBufferAlignment = 64 };

typedef struct tensor_desc {
  char *name;
  vitq_dtype dtype;
  int32_t rank;
  int64_t shape[kMaxRank];
  size_t num_elements;
  size_t size_bytes;
} tensor_desc;

struct vitq_model {
  vitq_model *next_live; /* the registry of live models */
  /* The caller's handle (until vitq_model_free) and one per instance; the
   * model is released when none is left. Guarded by `registry_lock`. */
  size_t references;
  void *library; /* NULL for a model linked into the program */
  vitq_run_fn run;
  /* `<prefix>_set_num_threads` of a loaded model that has one, else NULL. */
  void (*set_threads)(int32_t);
  /* The per-layer profile a loaded model carries (vitq-profile-layers):
   * its layers' text (a copy, one "name\tkind\tmacs\tbytes" line each),
   * split in place; the model's counters and switch. */
  char *profile_text;
  size_t num_layers;
  vitq_layer_profile *layers;
  int64_t *profile_counters;
  int32_t *profile_enabled;
  size_t workspace_bytes;
  size_t num_inputs, num_outputs;
  tensor_desc *inputs, *outputs;
};

struct vitq_instance {
  vitq_instance *next_live; /* the registry of live instances */
  /* A run is in progress; vitq_instance_destroy() during it leaves the
   * release to the run. Both guarded by `registry_lock`. */
  int running, destroy_pending;
  vitq_model *model;
  void *workspace;
  /* Staging copies for buffers not aligned to their element size. */
  void **input_staging, **output_staging;
  /* Scratch pointer arrays handed to the run function. */
  void **input_ptrs, **output_ptrs;
};

static _Thread_local char last_error[512];

static vitq_status fail(vitq_status status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(last_error, sizeof(last_error), format, args);
  va_end(args);
  return status;
}

const char *vitq_last_error(void) { return last_error; }

/*===----------------------------------------------------------------------===*
 * Live handles
 *
 * Every model and instance the API handed out and has not freed is on a
 * list, and every call checks its handle against the list before touching
 * it: a freed, never created or NULL handle is an error, not a crash. The
 * check compares addresses only; a handle freed and then reused by a newer
 * handle of the same kind at the same address is not detected. The lists
 * are short (one instance per thread is the intended use), so a scan under
 * one lock costs nothing next to an inference.
 *===----------------------------------------------------------------------===*/

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static vitq_model *live_models;
static vitq_instance *live_instances;

/* The link that points at `model` in the list, or NULL. Lock held. */
static vitq_model **find_model(const vitq_model *model) {
  for (vitq_model **link = &live_models; *link; link = &(*link)->next_live)
    if (*link == model)
      return link;
  return NULL;
}

static vitq_instance **find_instance(const vitq_instance *instance) {
  for (vitq_instance **link = &live_instances; *link;
       link = &(*link)->next_live)
    if (*link == instance)
      return link;
  return NULL;
}

/* Fails unless `model` is live. Lock held. */
static vitq_status check_model(const vitq_model *model) {
  if (!model)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "model is NULL");
  if (!find_model(model))
    return fail(VITQ_ERROR_INVALID_ARGUMENT,
                "model %p is not a loaded model (already freed, or not made "
                "by vitq_model_load or vitq_model_open)",
                (const void *)model);
  return VITQ_OK;
}

static vitq_status check_instance(const vitq_instance *instance) {
  if (!instance)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "instance is NULL");
  if (!find_instance(instance))
    return fail(VITQ_ERROR_INVALID_ARGUMENT,
                "instance %p is not a live instance (already destroyed, or "
                "not made by vitq_instance_create)",
                (const void *)instance);
  return VITQ_OK;
}

const char *vitq_status_string(vitq_status status) {
  switch (status) {
  case VITQ_OK:
    return "ok";
  case VITQ_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case VITQ_ERROR_LOAD:
    return "cannot load the model";
  case VITQ_ERROR_INCOMPATIBLE:
    return "incompatible model";
  case VITQ_ERROR_OUT_OF_MEMORY:
    return "out of memory";
  case VITQ_ERROR_RUN:
    return "the model failed to run";
  }
  return "unknown status";
}

/*===----------------------------------------------------------------------===*
 * Metadata
 *===----------------------------------------------------------------------===*/

static const struct {
  const char *name;
  vitq_dtype dtype;
  size_t size;
} kDtypes[] = {{"f32", VITQ_F32, 4}, {"f64", VITQ_F64, 8},
               {"i8", VITQ_I8, 1},   {"i16", VITQ_I16, 2},
               {"i32", VITQ_I32, 4}, {"i64", VITQ_I64, 8}};

static size_t dtype_size(vitq_dtype dtype) {
  for (size_t i = 0; i < sizeof(kDtypes) / sizeof(kDtypes[0]); ++i)
    if (kDtypes[i].dtype == dtype)
      return kDtypes[i].size;
  return 0;
}

/* Parses "1x3x224x224" (or "scalar") into `desc`. */
static int parse_shape(const char *text, size_t length, tensor_desc *desc) {
  desc->rank = 0;
  desc->num_elements = 1;
  if (length == 6 && strncmp(text, "scalar", 6) == 0)
    return 1;
  const char *end = text + length;
  while (text < end) {
    if (desc->rank == kMaxRank || *text < '0' || *text > '9')
      return 0;
    char *next;
    errno = 0;
    long long dim = strtoll(text, &next, 10);
    if (errno || dim < 0 || next > end ||
        (dim > 0 && desc->num_elements > SIZE_MAX / (size_t)dim))
      return 0;
    desc->shape[desc->rank++] = dim;
    desc->num_elements *= (size_t)dim;
    text = next;
    /* A separator needs a dimension after it ("2x" is malformed). */
    if (text < end && (*text++ != 'x' || text == end))
      return 0;
  }
  return desc->rank > 0;
}

/* Parses "<dtype> <shape> <name>" (the rest of an input/output line). */
static int parse_tensor(const char *line, size_t length, tensor_desc *desc) {
  const char *end = line + length;
  const char *space = memchr(line, ' ', length);
  if (!space)
    return 0;
  int found = 0;
  for (size_t i = 0; i < sizeof(kDtypes) / sizeof(kDtypes[0]); ++i)
    if ((size_t)(space - line) == strlen(kDtypes[i].name) &&
        strncmp(line, kDtypes[i].name, space - line) == 0) {
      desc->dtype = kDtypes[i].dtype;
      found = 1;
    }
  const char *shape = space + 1;
  const char *shape_end = memchr(shape, ' ', end - shape);
  if (!found || !shape_end || !parse_shape(shape, shape_end - shape, desc))
    return 0;
  size_t element = dtype_size(desc->dtype);
  if (desc->num_elements > SIZE_MAX / element)
    return 0;
  desc->size_bytes = desc->num_elements * element;
  desc->name = strndup(shape_end + 1, end - shape_end - 1);
  return desc->name != NULL;
}

/* Parses a decimal count that fills [text, text + length): no sign, no
 * trailing characters, no overflow. */
static int parse_size(const char *text, size_t length, size_t *value) {
  if (length == 0 || length > 20)
    return 0;
  size_t v = 0;
  for (size_t i = 0; i < length; ++i) {
    if (text[i] < '0' || text[i] > '9' || v > (SIZE_MAX - 9) / 10)
      return 0;
    v = v * 10 + (size_t)(text[i] - '0');
  }
  *value = v;
  return 1;
}

static void free_descs(tensor_desc *descs, size_t count) {
  for (size_t i = 0; descs && i < count; ++i)
    free(descs[i].name);
  free(descs);
}

static int starts_with(const char *line, size_t length, const char *prefix) {
  size_t n = strlen(prefix);
  return length >= n && strncmp(line, prefix, n) == 0;
}

/* Checks the CPU features of a `requires` line (comma-separated LLVM
 * names) against this CPU: running code built for features the CPU lacks
 * would end in SIGILL. */
static vitq_status check_requirements(const char *list, size_t length) {
  char missing[256] = "";
  size_t used = 0;
  for (size_t at = 0; at < length;) {
    size_t n = 0;
    while (at + n < length && list[at + n] != ',')
      ++n;
    vitq_cpu_feature feature = vitq_cpu_feature_by_name(list + at, n);
    if (n == 0 || feature == VITQ_CPU_NUM_FEATURES)
      return fail(VITQ_ERROR_INCOMPATIBLE,
                  "the model needs CPU feature '%.*s', which this runtime "
                  "cannot check",
                  (int)(n > 64 ? 64 : n), list + at);
    if (!vitq_cpu_has(feature) && used + n + 3 < sizeof(missing))
      used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%.*s",
                               used ? ", " : "", (int)n, list + at);
    at += n + 1;
  }
  if (used)
    return fail(VITQ_ERROR_INCOMPATIBLE,
                "the model was compiled for a CPU with features this one "
                "lacks (%s); compile it for this CPU or with a lower --mcpu",
                missing);
  return VITQ_OK;
}

/* Reads the metadata text into `model`. */
static vitq_status parse_metadata(const char *text, vitq_model *model) {
  /* One slot per line bounds both directions' counts. */
  size_t lines = 1;
  for (const char *c = text; *c; ++c)
    lines += *c == '\n';
  model->inputs = calloc(lines, sizeof(tensor_desc));
  model->outputs = calloc(lines, sizeof(tensor_desc));
  if (!model->inputs || !model->outputs)
    return fail(VITQ_ERROR_OUT_OF_MEMORY, "out of memory reading metadata");
  int version = -1, line_number = 0;
  for (const char *line = text; *line;) {
    const char *newline = strchr(line, '\n');
    size_t length = newline ? (size_t)(newline - line) : strlen(line);
    ++line_number;
    int ok = 1;
    if (line_number == 1) {
      size_t v = 0;
      ok = starts_with(line, length, "vitq-model ") &&
           parse_size(line + 11, length - 11, &v) && v <= 1000000;
      version = (int)v;
      if (ok && (version < VITQ_MIN_ABI_VERSION || version > VITQ_ABI_VERSION))
        return fail(VITQ_ERROR_INCOMPATIBLE,
                    "the model has ABI version %d; this runtime reads %d "
                    "to %d",
                    version, VITQ_MIN_ABI_VERSION, VITQ_ABI_VERSION);
    } else if (starts_with(line, length, "requires ") && version >= 2) {
      vitq_status status = check_requirements(line + 9, length - 9);
      if (status != VITQ_OK)
        return status;
    } else if (starts_with(line, length, "workspace ")) {
      ok = parse_size(line + 10, length - 10, &model->workspace_bytes);
    } else if (starts_with(line, length, "input ")) {
      ok = parse_tensor(line + 6, length - 6,
                        &model->inputs[model->num_inputs++]);
    } else if (starts_with(line, length, "output ")) {
      ok = parse_tensor(line + 7, length - 7,
                        &model->outputs[model->num_outputs++]);
    }
    if (!ok)
      return fail(VITQ_ERROR_INCOMPATIBLE, "malformed model metadata line %d",
                  line_number);
    line = newline ? newline + 1 : line + length;
  }
  if (version < 0 || model->num_outputs == 0)
    return fail(VITQ_ERROR_INCOMPATIBLE,
                "the model metadata lacks its version or outputs");
  return VITQ_OK;
}

/*===----------------------------------------------------------------------===*
 * Models
 *===----------------------------------------------------------------------===*/

/* Frees a model nothing refers to any more and closes its library. */
static void release_model(vitq_model *model) {
  free(model->profile_text);
  free(model->layers);
  free_descs(model->inputs, model->num_inputs);
  free_descs(model->outputs, model->num_outputs);
  if (model->library)
    dlclose(model->library);
  free(model);
}

/* Drops one reference to `model`; the last one releases it. */
static void unreference_model(vitq_model *model) {
  pthread_mutex_lock(&registry_lock);
  int last = --model->references == 0;
  pthread_mutex_unlock(&registry_lock);
  if (last)
    release_model(model);
}

/* Reads `metadata` into a new model, not yet registered. */
static vitq_status new_model(const char *metadata, vitq_run_fn run,
                             vitq_model **model) {
  vitq_model *m = calloc(1, sizeof(vitq_model));
  if (!m)
    return fail(VITQ_ERROR_OUT_OF_MEMORY, "out of memory");
  m->run = run;
  m->references = 1;
  vitq_status status = parse_metadata(metadata, m);
  if (status != VITQ_OK) {
    release_model(m);
    return status;
  }
  *model = m;
  return VITQ_OK;
}

static void register_model(vitq_model *model) {
  pthread_mutex_lock(&registry_lock);
  model->next_live = live_models;
  live_models = model;
  pthread_mutex_unlock(&registry_lock);
}

vitq_status vitq_model_open(const char *metadata, vitq_run_fn run,
                            vitq_model **model) {
  if (!model)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "model is NULL");
  *model = NULL;
  if (!metadata)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "metadata is NULL");
  if (!run)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "run is NULL");
  vitq_status status = new_model(metadata, run, model);
  if (status == VITQ_OK)
    register_model(*model);
  return status;
}

/* The end of [offset, offset + size), saturated. */
static uint64_t extent_end(uint64_t offset, uint64_t size) {
  return size > UINT64_MAX - offset ? UINT64_MAX : offset + size;
}

/* dlopen maps a library's segments without checking that the file holds
 * them, and touching a page past the end of a truncated file raises SIGBUS
 * inside dlopen. So the program headers, every segment and the section
 * headers must lie within the file. Anything that is not an ELF file of
 * this machine's class and byte order is left to dlopen to refuse. */
static vitq_status check_complete(const char *file, const char *path) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return VITQ_OK;
  struct stat st;
  ElfW(Ehdr) h;
  uint64_t size = 0, needed = 0;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
      memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 &&
      h.e_ident[EI_CLASS] == (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) &&
      h.e_ident[EI_DATA] == (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                                 ? ELFDATA2LSB
                                 : ELFDATA2MSB) &&
      h.e_phentsize == sizeof(ElfW(Phdr))) {
    size = (uint64_t)st.st_size;
    needed = extent_end(h.e_phoff, (uint64_t)h.e_phnum * sizeof(ElfW(Phdr)));
    if (h.e_shoff) {
      uint64_t end = extent_end(h.e_shoff, (uint64_t)h.e_shnum * h.e_shentsize);
      needed = end > needed ? end : needed;
    }
    for (unsigned i = 0; needed <= size && i < h.e_phnum; ++i) {
      ElfW(Phdr) ph;
      if (pread(fd, &ph, sizeof(ph), (off_t)(h.e_phoff + i * sizeof(ph))) !=
          (ssize_t)sizeof(ph))
        break;
      uint64_t end = ph.p_filesz ? extent_end(ph.p_offset, ph.p_filesz) : 0;
      needed = end > needed ? end : needed;
    }
  }
  close(fd);
  if (needed > size)
    return fail(VITQ_ERROR_LOAD,
                "cannot load '%s': the file is truncated: it has %llu bytes, "
                "its ELF headers describe %llu",
                path, (unsigned long long)size, (unsigned long long)needed);
  return VITQ_OK;
}

/* Whether a dynamic symbol of type `type` starts at `address`; its size in
 * `*size`. (ELF32_ST_TYPE and ELF64_ST_TYPE are the same.) */
static int is_symbol(const void *address, int type, size_t *size) {
  Dl_info info;
  void *entry = NULL;
  if (!dladdr1(address, &info, &entry, RTLD_DL_SYMENT) || !entry ||
      info.dli_saddr != address)
    return 0;
  const ElfW(Sym) *symbol = entry;
  if (ELF64_ST_TYPE(symbol->st_info) != type)
    return 0;
  *size = symbol->st_size;
  return 1;
}

/* The per-layer profile symbols of a loaded model, if it has them and
 * they agree with each other; a model without them has no profile. */
static void read_profile(void *library, const char *prefix, vitq_model *m) {
  char name[300];
  snprintf(name, sizeof(name), "%s_profile_layers", prefix);
  const char *text = dlsym(library, name);
  snprintf(name, sizeof(name), "%s_profile_counters", prefix);
  int64_t *counters = dlsym(library, name);
  snprintf(name, sizeof(name), "%s_profile_enabled", prefix);
  int32_t *enabled = dlsym(library, name);
  size_t text_size, counters_size, enabled_size;
  if (!text || !counters || !enabled ||
      !is_symbol(text, STT_OBJECT, &text_size) ||
      !memchr(text, '\0', text_size) ||
      !is_symbol(counters, STT_OBJECT, &counters_size) ||
      !is_symbol(enabled, STT_OBJECT, &enabled_size) ||
      enabled_size != sizeof(int32_t))
    return;
  size_t lines = 0;
  for (const char *c = text; *c; ++c)
    lines += *c == '\n';
  if (lines == 0 || counters_size != 2 * lines * sizeof(int64_t))
    return;
  char *copy = strdup(text);
  vitq_layer_profile *layers = calloc(lines, sizeof(vitq_layer_profile));
  if (!copy || !layers) {
    free(copy);
    free(layers);
    return;
  }
  char *line = copy;
  for (size_t i = 0; i < lines; ++i) {
    char *end = strchr(line, '\n');
    *end = '\0';
    /* Missing fields are empty (a kind "") or 0. */
    char *fields[4] = {line, end, end, end};
    for (int f = 1; f < 4; ++f) {
      char *tab = strchr(fields[f - 1], '\t');
      if (!tab)
        break;
      *tab = '\0';
      fields[f] = tab + 1;
    }
    layers[i].name = fields[0];
    layers[i].kind = fields[1];
    layers[i].macs = strtoull(fields[2], NULL, 10);
    layers[i].bytes = strtoull(fields[3], NULL, 10);
    line = end + 1;
  }
  m->profile_text = copy;
  m->layers = layers;
  m->num_layers = lines;
  m->profile_counters = counters;
  m->profile_enabled = enabled;
}

vitq_status vitq_model_load(const char *path, const char *prefix,
                            vitq_model **model) {
  if (!model)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "model is NULL");
  *model = NULL;
  if (!path)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "path is NULL");
  if (!*path)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "path is empty");
  if (!prefix)
    prefix = "vitq_model";
  /* `path` is a file, never a name to search the library path for. */
  char file[4096];
  if ((size_t)snprintf(file, sizeof(file), "%s%s",
                       strchr(path, '/') ? "" : "./", path) >= sizeof(file))
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "path is too long (%zu bytes)",
                strlen(path));
  char metadata_name[256], run_name[256];
  if ((size_t)snprintf(metadata_name, sizeof(metadata_name), "%s_metadata",
                       prefix) >= sizeof(metadata_name) ||
      (size_t)snprintf(run_name, sizeof(run_name), "%s_run", prefix) >=
          sizeof(run_name))
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "prefix is too long (%zu bytes)",
                strlen(prefix));
  vitq_status status = check_complete(file, path);
  if (status != VITQ_OK)
    return status;
  void *library = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return fail(VITQ_ERROR_LOAD, "cannot load '%s': %s", path, dlerror());
  const char *metadata = dlsym(library, metadata_name);
  void *run_address = dlsym(library, run_name);
  size_t metadata_size = 0, run_size;
  if (!metadata || !run_address)
    status =
        fail(VITQ_ERROR_LOAD, "'%s' is not a vitq model: it lacks %s or %s",
             path, metadata_name, run_name);
  /* Other libraries may export these names with other meanings. */
  else if (!is_symbol(metadata, STT_OBJECT, &metadata_size) ||
           !memchr(metadata, '\0', metadata_size))
    status = fail(VITQ_ERROR_LOAD,
                  "'%s' is not a vitq model: %s is not a NUL-terminated "
                  "string",
                  path, metadata_name);
  else if (!is_symbol(run_address, STT_FUNC, &run_size))
    status =
        fail(VITQ_ERROR_LOAD, "'%s' is not a vitq model: %s is not a function",
             path, run_name);
  if (status == VITQ_OK) {
    vitq_run_fn run;
    *(void **)&run = run_address;
    status = new_model(metadata, run, model);
  }
  if (status != VITQ_OK) {
    dlclose(library);
    return status;
  }
  (*model)->library = library;
  /* Models before the thread setter (and those that are no functions of
   * this library) run on the calling thread. */
  char threads_name[300];
  snprintf(threads_name, sizeof(threads_name), "%s_set_num_threads", prefix);
  void *threads_address = dlsym(library, threads_name);
  size_t threads_size;
  if (threads_address && is_symbol(threads_address, STT_FUNC, &threads_size))
    *(void **)&(*model)->set_threads = threads_address;
  read_profile(library, prefix, *model);
  register_model(*model);
  return VITQ_OK;
}

void vitq_model_free(vitq_model *model) {
  if (!model)
    return;
  pthread_mutex_lock(&registry_lock);
  int last = 0;
  vitq_status status = check_model(model);
  if (status == VITQ_OK) {
    vitq_model **link = find_model(model);
    *link = model->next_live;
    last = --model->references == 0;
  }
  pthread_mutex_unlock(&registry_lock);
  if (last)
    release_model(model);
}

vitq_status vitq_model_profile(vitq_model *model, int enable) {
  pthread_mutex_lock(&registry_lock);
  vitq_status status = check_model(model);
  pthread_mutex_unlock(&registry_lock);
  if (status != VITQ_OK)
    return status;
  if (!model->num_layers)
    return fail(VITQ_ERROR_INVALID_ARGUMENT,
                "the model carries no profile (linked into the program, or "
                "compiled before vitq-profile-layers)");
  if (enable)
    for (size_t i = 0; i < 2 * model->num_layers; ++i)
      __atomic_store_n(&model->profile_counters[i], 0, __ATOMIC_RELAXED);
  __atomic_store_n(model->profile_enabled, enable ? 1 : 0, __ATOMIC_SEQ_CST);
  return VITQ_OK;
}

size_t vitq_model_num_layers(const vitq_model *model) {
  pthread_mutex_lock(&registry_lock);
  size_t count = check_model(model) == VITQ_OK ? model->num_layers : 0;
  pthread_mutex_unlock(&registry_lock);
  return count;
}

vitq_status vitq_model_layer_profile(const vitq_model *model, size_t index,
                                     vitq_layer_profile *profile) {
  pthread_mutex_lock(&registry_lock);
  vitq_status status = check_model(model);
  pthread_mutex_unlock(&registry_lock);
  if (status != VITQ_OK)
    return status;
  if (!profile)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "profile is NULL");
  if (index >= model->num_layers)
    return fail(VITQ_ERROR_INVALID_ARGUMENT,
                "layer %zu of a model with %zu layer(s)", index,
                model->num_layers);
  *profile = model->layers[index];
  int64_t ns =
      __atomic_load_n(&model->profile_counters[2 * index], __ATOMIC_RELAXED);
  int64_t calls = __atomic_load_n(&model->profile_counters[2 * index + 1],
                                  __ATOMIC_RELAXED);
  profile->calls = (uint64_t)calls;
  profile->seconds = (double)ns * 1e-9;
  return VITQ_OK;
}

vitq_status vitq_model_set_threads(vitq_model *model, int threads) {
  if (threads < 0)
    return fail(VITQ_ERROR_INVALID_ARGUMENT,
                "threads must be 0 (the default) or more, got %d", threads);
  pthread_mutex_lock(&registry_lock);
  vitq_status status = check_model(model);
  void (*set_threads)(int32_t) = status == VITQ_OK ? model->set_threads : NULL;
  pthread_mutex_unlock(&registry_lock);
  if (status != VITQ_OK)
    return status;
  if (set_threads)
    set_threads(threads);
  return VITQ_OK;
}

size_t vitq_model_num_inputs(const vitq_model *model) {
  pthread_mutex_lock(&registry_lock);
  size_t count = check_model(model) == VITQ_OK ? model->num_inputs : 0;
  pthread_mutex_unlock(&registry_lock);
  return count;
}

size_t vitq_model_num_outputs(const vitq_model *model) {
  pthread_mutex_lock(&registry_lock);
  size_t count = check_model(model) == VITQ_OK ? model->num_outputs : 0;
  pthread_mutex_unlock(&registry_lock);
  return count;
}

static vitq_status tensor_info(const vitq_model *model, size_t index,
                               vitq_tensor_info *info, int input) {
  pthread_mutex_lock(&registry_lock);
  vitq_status status = check_model(model);
  size_t count = 0;
  if (status == VITQ_OK)
    count = input ? model->num_inputs : model->num_outputs;
  if (status == VITQ_OK && !info)
    status = fail(VITQ_ERROR_INVALID_ARGUMENT, "info is NULL");
  if (status == VITQ_OK && index >= count)
    status = fail(VITQ_ERROR_INVALID_ARGUMENT,
                  "%s index %zu is out of range (the model has %zu)",
                  input ? "input" : "output", index, count);
  if (status == VITQ_OK) {
    const tensor_desc *d =
        input ? &model->inputs[index] : &model->outputs[index];
    info->name = d->name;
    info->dtype = d->dtype;
    info->rank = d->rank;
    info->shape = d->shape;
    info->num_elements = d->num_elements;
    info->size_bytes = d->size_bytes;
  }
  pthread_mutex_unlock(&registry_lock);
  return status;
}

vitq_status vitq_model_input_info(const vitq_model *model, size_t index,
                                  vitq_tensor_info *info) {
  return tensor_info(model, index, info, 1);
}

vitq_status vitq_model_output_info(const vitq_model *model, size_t index,
                                   vitq_tensor_info *info) {
  return tensor_info(model, index, info, 0);
}

/*===----------------------------------------------------------------------===*
 * Instances
 *===----------------------------------------------------------------------===*/

static void *aligned_buffer(size_t bytes) {
  if (bytes > SIZE_MAX - kBufferAlignment)
    return NULL;
  size_t rounded =
      (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  return aligned_alloc(kBufferAlignment, rounded ? rounded : kBufferAlignment);
}

/* Frees an instance nothing can reach any more (possibly half built) and
 * drops its reference to the model. */
static void release_instance(vitq_instance *instance) {
  vitq_model *m = instance->model;
  for (size_t i = 0; instance->input_staging && i < m->num_inputs; ++i)
    free(instance->input_staging[i]);
  for (size_t i = 0; instance->output_staging && i < m->num_outputs; ++i)
    free(instance->output_staging[i]);
  free(instance->input_staging);
  free(instance->output_staging);
  free(instance->input_ptrs);
  free(instance->output_ptrs);
  free(instance->workspace);
  free(instance);
  unreference_model(m);
}

void vitq_instance_destroy(vitq_instance *instance) {
  if (!instance)
    return;
  pthread_mutex_lock(&registry_lock);
  int release = 0;
  if (check_instance(instance) == VITQ_OK) {
    vitq_instance **link = find_instance(instance);
    *link = instance->next_live;
    /* A run in progress (on another thread) releases it when it ends. */
    instance->destroy_pending = instance->running;
    release = !instance->running;
  }
  pthread_mutex_unlock(&registry_lock);
  if (release)
    release_instance(instance);
}

vitq_status vitq_instance_create(const vitq_model *model,
                                 vitq_instance **instance) {
  if (!instance)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "instance is NULL");
  *instance = NULL;
  /* The instance holds a reference: the model outlives vitq_model_free
   * until its last instance is destroyed. */
  pthread_mutex_lock(&registry_lock);
  vitq_model *m = NULL;
  vitq_status status = check_model(model);
  if (status == VITQ_OK) {
    m = *find_model(model);
    ++m->references;
  }
  pthread_mutex_unlock(&registry_lock);
  if (status != VITQ_OK)
    return status;
  vitq_instance *inst = calloc(1, sizeof(vitq_instance));
  if (!inst) {
    unreference_model(m);
    return fail(VITQ_ERROR_OUT_OF_MEMORY, "out of memory");
  }
  inst->model = m;
  inst->input_staging = calloc(m->num_inputs + 1, sizeof(void *));
  inst->output_staging = calloc(m->num_outputs, sizeof(void *));
  inst->input_ptrs = calloc(m->num_inputs + 1, sizeof(void *));
  inst->output_ptrs = calloc(m->num_outputs, sizeof(void *));
  if (m->workspace_bytes)
    inst->workspace = aligned_buffer(m->workspace_bytes);
  if (!inst->input_staging || !inst->output_staging || !inst->input_ptrs ||
      !inst->output_ptrs || (m->workspace_bytes && !inst->workspace)) {
    size_t workspace_bytes = m->workspace_bytes;
    release_instance(inst);
    return fail(VITQ_ERROR_OUT_OF_MEMORY,
                "out of memory creating an instance (workspace %zu bytes)",
                workspace_bytes);
  }
  pthread_mutex_lock(&registry_lock);
  inst->next_live = live_instances;
  live_instances = inst;
  pthread_mutex_unlock(&registry_lock);
  *instance = inst;
  return VITQ_OK;
}

/* Checks one direction's buffers and points `ptrs` at them or at staging
 * copies where they are not aligned to their element size. */
static vitq_status bind_buffers(const tensor_desc *descs, size_t count,
                                const void *const *buffers, const size_t *sizes,
                                void **staging, void **ptrs, const char *what) {
  if (count && !buffers)
    return fail(VITQ_ERROR_INVALID_ARGUMENT,
                "%ss is NULL (the model has %zu %s(s))", what, count, what);
  if (count && !sizes)
    return fail(VITQ_ERROR_INVALID_ARGUMENT, "%s_sizes is NULL", what);
  for (size_t i = 0; i < count; ++i) {
    const tensor_desc *d = &descs[i];
    if (!buffers[i])
      return fail(VITQ_ERROR_INVALID_ARGUMENT, "%s %zu ('%s') is NULL", what, i,
                  d->name);
    if (sizes[i] != d->size_bytes)
      return fail(VITQ_ERROR_INVALID_ARGUMENT,
                  "%s %zu ('%s') has %zu bytes; it needs %zu", what, i, d->name,
                  sizes[i], d->size_bytes);
    /* The run function takes mutable pointers for both directions; it
     * only reads the inputs. */
    union {
      const void *in;
      void *out;
    } pointer = {buffers[i]};
    ptrs[i] = pointer.out;
    /* The compiled code's loads and stores assume no more than the
     * element's alignment. */
    if ((uintptr_t)buffers[i] % dtype_size(d->dtype) == 0)
      continue;
    if (!staging[i] && !(staging[i] = aligned_buffer(d->size_bytes)))
      return fail(VITQ_ERROR_OUT_OF_MEMORY, "out of memory staging %s %zu",
                  what, i);
    ptrs[i] = staging[i];
  }
  return VITQ_OK;
}

static int overlaps(const void *a, size_t a_size, const void *b,
                    size_t b_size) {
  uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
  return a_size && b_size && x < y + b_size && y < x + a_size;
}

/* The compiled code may write an output before it has read every input, so
 * an output must not share memory with any input or other output. */
static vitq_status check_disjoint(const vitq_model *m,
                                  const void *const *inputs,
                                  const void *const *outputs) {
  for (size_t j = 0; j < m->num_outputs; ++j) {
    size_t size = m->outputs[j].size_bytes;
    for (size_t i = 0; i < m->num_inputs; ++i)
      if (overlaps(outputs[j], size, inputs[i], m->inputs[i].size_bytes))
        return fail(VITQ_ERROR_INVALID_ARGUMENT,
                    "output %zu ('%s') overlaps input %zu ('%s')", j,
                    m->outputs[j].name, i, m->inputs[i].name);
    for (size_t k = 0; k < j; ++k)
      if (overlaps(outputs[j], size, outputs[k], m->outputs[k].size_bytes))
        return fail(VITQ_ERROR_INVALID_ARGUMENT,
                    "output %zu ('%s') overlaps output %zu ('%s')", j,
                    m->outputs[j].name, k, m->outputs[k].name);
  }
  return VITQ_OK;
}

/* One checked run of an instance the caller has marked running. */
static vitq_status run_instance(vitq_instance *instance,
                                const void *const *inputs,
                                const size_t *input_sizes, void *const *outputs,
                                const size_t *output_sizes) {
  const vitq_model *m = instance->model;
  vitq_status status =
      bind_buffers(m->inputs, m->num_inputs, inputs, input_sizes,
                   instance->input_staging, instance->input_ptrs, "input");
  if (status == VITQ_OK)
    status = bind_buffers(
        m->outputs, m->num_outputs, (const void *const *)outputs, output_sizes,
        instance->output_staging, instance->output_ptrs, "output");
  if (status == VITQ_OK)
    status = check_disjoint(m, inputs, (const void *const *)outputs);
  if (status != VITQ_OK)
    return status;
  for (size_t i = 0; i < m->num_inputs; ++i)
    if (instance->input_ptrs[i] != inputs[i])
      memcpy(instance->input_ptrs[i], inputs[i], m->inputs[i].size_bytes);
  int32_t result =
      m->run(instance->input_ptrs, instance->output_ptrs, instance->workspace);
  if (result != 0)
    return fail(VITQ_ERROR_RUN, "the compiled model returned %d", result);
  for (size_t i = 0; i < m->num_outputs; ++i)
    if (instance->output_ptrs[i] != outputs[i])
      memcpy(outputs[i], instance->output_ptrs[i], m->outputs[i].size_bytes);
  return VITQ_OK;
}

vitq_status vitq_instance_run(vitq_instance *instance,
                              const void *const *inputs,
                              const size_t *input_sizes, void *const *outputs,
                              const size_t *output_sizes) {
  pthread_mutex_lock(&registry_lock);
  vitq_status status = check_instance(instance);
  if (status == VITQ_OK && instance->running)
    status = fail(VITQ_ERROR_INVALID_ARGUMENT,
                  "instance %p is already running on another thread (an "
                  "instance runs one inference at a time: create one per "
                  "thread)",
                  (void *)instance);
  if (status == VITQ_OK)
    instance->running = 1;
  pthread_mutex_unlock(&registry_lock);
  if (status != VITQ_OK)
    return status;
  status = run_instance(instance, inputs, input_sizes, outputs, output_sizes);
  pthread_mutex_lock(&registry_lock);
  instance->running = 0;
  int release = instance->destroy_pending;
  pthread_mutex_unlock(&registry_lock);
  if (release)
    release_instance(instance);
  return status;
}
