/*===- vitq-run.c - Run a compiled vitq model on raw tensor files ---------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * vitq-run model.so --input x.f32 [--input ...] [--output y.f32]
 *          [--repeat K] [--warmup W] [--isa ISA] [--threads T] [--profile]
 *          [--info]
 *
 * Each --input file holds N samples of one model input back to back (raw
 * little-endian values of the input's type and shape); the outputs of all
 * N samples are written back to back to the --output files. Every sample
 * runs K times after W warm-up runs; the median and minimum latency of one
 * inference are printed. --isa caps the instruction set of the model's
 * kernels (as the VITQ_ISA environment variable does); --threads sets the
 * threads they run on (default: VITQ_NUM_THREADS, else every CPU).
 * --profile prints where the timed runs spent their time, per ONNX node and
 * kind of layer (docs/performance.md#profile).
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include "vitq/cpu.h"
#include "vitq/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { kMaxFiles = 64 };

typedef struct options {
  const char *model;
  const char *inputs[kMaxFiles];
  size_t num_inputs;
  const char *outputs[kMaxFiles];
  size_t num_outputs;
  long repeat, warmup;
  int info;
  const char *isa;
  long threads; /* 0: the default */
  int profile;
} options;

static void usage(FILE *out) {
  fprintf(out,
          "usage: vitq-run MODEL.so --input FILE [--input FILE...] "
          "[--output FILE...]\n"
          "                [--repeat K] [--warmup W] [--isa ISA] "
          "[--threads T] [--profile] [--info]\n"
          "  --input FILE   N samples of the next model input, raw "
          "little-endian\n"
          "  --output FILE  where the N results of the next output go\n"
          "  --repeat K     runs per sample that are timed (default 1)\n"
          "  --warmup W     untimed runs before timing (default 1)\n"
          "  --isa ISA      the best kernels to use: amx, avx512vnni, "
          "avxvnni,\n"
          "                 avx512bw, avx2 or generic (default: the "
          "CPU's best)\n"
          "  --threads T    threads of the model's kernels (default: "
          "VITQ_NUM_THREADS,\n"
          "                 else every CPU this process may use)\n"
          "  --profile      time per layer (ONNX node, kind) over the timed "
          "runs\n"
          "  --info         print the model's inputs and outputs\n");
}

static int error(const char *format, const char *detail) {
  fprintf(stderr, "vitq-run: error: ");
  fprintf(stderr, format, detail);
  fputc('\n', stderr);
  return 1;
}

static int parse_count(const char *text, long *value) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || !*text || *end || v < 0 || v > 1000000)
    return 0;
  *value = v;
  return 1;
}

static int parse_options(int argc, char **argv, options *o) {
  memset(o, 0, sizeof(*o));
  o->repeat = 1;
  o->warmup = 1;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      usage(stdout);
      exit(0);
    } else if (!strcmp(arg, "--info")) {
      o->info = 1;
    } else if (!strcmp(arg, "--input") && has_value) {
      if (o->num_inputs == kMaxFiles)
        return error("too many --input files", "");
      o->inputs[o->num_inputs++] = argv[++i];
    } else if (!strcmp(arg, "--output") && has_value) {
      if (o->num_outputs == kMaxFiles)
        return error("too many --output files", "");
      o->outputs[o->num_outputs++] = argv[++i];
    } else if (!strcmp(arg, "--repeat") && has_value) {
      if (!parse_count(argv[++i], &o->repeat) || o->repeat == 0)
        return error("--repeat needs a count from 1 to 1000000, got '%s'",
                     argv[i]);
    } else if (!strcmp(arg, "--warmup") && has_value) {
      if (!parse_count(argv[++i], &o->warmup))
        return error("--warmup needs a count from 0 to 1000000, got '%s'",
                     argv[i]);
    } else if (!strcmp(arg, "--isa") && has_value) {
      o->isa = argv[++i];
      if (vitq_isa_by_name(o->isa) == VITQ_NUM_ISAS)
        return error("--isa needs one of amx, avx512vnni, avxvnni, avx512bw, "
                     "avx2, generic; got '%s'",
                     o->isa);
    } else if (!strcmp(arg, "--profile")) {
      o->profile = 1;
    } else if (!strcmp(arg, "--threads") && has_value) {
      if (!parse_count(argv[++i], &o->threads) || o->threads == 0 ||
          o->threads > 1024)
        return error("--threads needs a count from 1 to 1024, got '%s'",
                     argv[i]);
    } else if (arg[0] == '-') {
      usage(stderr);
      return error("unknown option or missing value: '%s'", arg);
    } else if (!o->model) {
      o->model = arg;
    } else {
      return error("more than one model given: '%s'", arg);
    }
  }
  if (!o->model) {
    usage(stderr);
    return error("no model given%s", "");
  }
  return 0;
}

static const char *dtype_name(vitq_dtype t) {
  static const char *names[] = {"f32", "f64", "i8", "i16", "i32", "i64"};
  return (unsigned)t < 6 ? names[t] : "?";
}

static void print_tensor(const char *kind, size_t i,
                         const vitq_tensor_info *t) {
  printf("%s %zu: '%s' %s [", kind, i, t->name, dtype_name(t->dtype));
  for (int32_t d = 0; d < t->rank; ++d)
    printf(d ? "x%lld" : "%lld", (long long)t->shape[d]);
  printf("] (%zu bytes)\n", t->size_bytes);
}

/* Reads a whole file; sets *size. */
static char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *data = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long length = ftell(f);
    if (length >= 0 && fseek(f, 0, SEEK_SET) == 0) {
      data = malloc(length ? (size_t)length : 1);
      if (data && fread(data, 1, (size_t)length, f) != (size_t)length) {
        free(data);
        data = NULL;
      }
      *size = (size_t)length;
    }
  }
  fclose(f);
  return data;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* This process's peak resident set in MiB (Linux's VmHWM: the program
 * since its exec, unlike getrusage's maximum, which keeps the parent's
 * image a fork copied), or -1 where /proc does not tell. */
static double peak_rss_mib(void) {
  FILE *status = fopen("/proc/self/status", "r");
  if (!status)
    return -1;
  char line[256];
  double kib = -1;
  while (fgets(line, sizeof(line), status))
    if (!strncmp(line, "VmHWM:", 6)) {
      kib = strtod(line + 6, NULL);
      break;
    }
  fclose(status);
  return kib < 0 ? -1 : kib / 1024.0;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct session {
  vitq_model *model;
  vitq_instance *instance;
  size_t num_inputs, num_outputs, samples;
  vitq_tensor_info in[kMaxFiles], out[kMaxFiles];
  char *in_data[kMaxFiles], *out_data[kMaxFiles];
} session;

static int runtime_error(const char *what, vitq_status status) {
  fprintf(stderr, "vitq-run: error: %s: %s: %s\n", what,
          vitq_status_string(status), vitq_last_error());
  return 1;
}

/* Loads the input files and checks them against the model. */
static int load_inputs(const options *o, session *s) {
  if (o->num_inputs != s->num_inputs) {
    fprintf(stderr,
            "vitq-run: error: the model has %zu input(s); %zu --input "
            "file(s) given\n",
            s->num_inputs, o->num_inputs);
    return 1;
  }
  for (size_t i = 0; i < s->num_inputs; ++i) {
    size_t size = 0;
    s->in_data[i] = read_file(o->inputs[i], &size);
    if (!s->in_data[i]) {
      fprintf(stderr, "vitq-run: error: cannot read input file '%s': %s\n",
              o->inputs[i], strerror(errno));
      return 1;
    }
    size_t sample = s->in[i].size_bytes;
    if (sample == 0) {
      // An empty tensor: its file must be empty; the others count samples.
      if (size != 0)
        return error("'%s' must be empty: its input has no elements",
                     o->inputs[i]);
      continue;
    }
    size_t samples = size / sample;
    if (size == 0 || size % sample) {
      fprintf(stderr,
              "vitq-run: error: '%s' has %zu bytes, not a positive multiple "
              "of input '%s' (%zu bytes: %s of %zu elements)\n",
              o->inputs[i], size, s->in[i].name, sample,
              dtype_name(s->in[i].dtype), s->in[i].num_elements);
      return 1;
    }
    if (s->samples && samples != s->samples) {
      fprintf(stderr, "vitq-run: error: input files hold %zu and %zu samples\n",
              s->samples, samples);
      return 1;
    }
    s->samples = samples;
  }
  // A model without (non-empty) inputs computes one result.
  if (s->samples == 0)
    s->samples = 1;
  return 0;
}

static int open_session(const options *o, session *s) {
  vitq_status status = vitq_model_load(o->model, NULL, &s->model);
  if (status != VITQ_OK)
    return runtime_error("loading the model", status);
  if (o->threads) {
    status = vitq_model_set_threads(s->model, (int)o->threads);
    if (status != VITQ_OK)
      return runtime_error("setting the threads", status);
  }
  s->num_inputs = vitq_model_num_inputs(s->model);
  s->num_outputs = vitq_model_num_outputs(s->model);
  if (s->num_inputs > kMaxFiles || s->num_outputs > kMaxFiles)
    return error("the model has more than 64 inputs or outputs%s", "");
  for (size_t i = 0; i < s->num_inputs; ++i)
    vitq_model_input_info(s->model, i, &s->in[i]);
  for (size_t i = 0; i < s->num_outputs; ++i)
    vitq_model_output_info(s->model, i, &s->out[i]);
  status = vitq_instance_create(s->model, &s->instance);
  if (status != VITQ_OK)
    return runtime_error("creating an instance", status);
  return 0;
}

static void close_session(session *s) {
  for (size_t i = 0; i < s->num_inputs; ++i)
    free(s->in_data[i]);
  for (size_t i = 0; i < s->num_outputs; ++i)
    free(s->out_data[i]);
  vitq_instance_destroy(s->instance);
  vitq_model_free(s->model);
}

static int run_sample(session *s, size_t n) {
  const void *inputs[kMaxFiles];
  void *outputs[kMaxFiles];
  size_t in_sizes[kMaxFiles], out_sizes[kMaxFiles];
  for (size_t i = 0; i < s->num_inputs; ++i) {
    in_sizes[i] = s->in[i].size_bytes;
    inputs[i] = s->in_data[i] + n * in_sizes[i];
  }
  for (size_t i = 0; i < s->num_outputs; ++i) {
    out_sizes[i] = s->out[i].size_bytes;
    outputs[i] = s->out_data[i] + n * out_sizes[i];
  }
  vitq_status status =
      vitq_instance_run(s->instance, inputs, in_sizes, outputs, out_sizes);
  return status == VITQ_OK ? 0 : runtime_error("running the model", status);
}

static int write_outputs(const options *o, const session *s) {
  for (size_t i = 0; i < o->num_outputs; ++i) {
    FILE *f = fopen(o->outputs[i], "wb");
    size_t bytes = s->samples * s->out[i].size_bytes;
    if (!f || fwrite(s->out_data[i], 1, bytes, f) != bytes || fclose(f)) {
      return error("cannot write output file '%s'", o->outputs[i]);
    }
  }
  return 0;
}

/* Checks that every output file can be written before the runs. */
static int check_outputs_writable(const options *o) {
  for (size_t i = 0; i < o->num_outputs; ++i) {
    FILE *f = fopen(o->outputs[i], "ab");
    if (!f)
      return error("cannot write output file '%s'", o->outputs[i]);
    fclose(f);
  }
  return 0;
}

/* Runs every sample warmup + repeat times and reports the latencies. */
/* One row of the profile: the layers of one ONNX node and kind. */
typedef struct profile_row {
  const char *name, *kind;
  double seconds;
  uint64_t calls, ops, bytes; /* ops: 2 x multiply-adds, over all calls */
} profile_row;

static int by_time(const void *a, const void *b) {
  double x = ((const profile_row *)a)->seconds,
         y = ((const profile_row *)b)->seconds;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* The copy bandwidth of this machine in GB/s (bytes read plus written),
 * the best of a few 64 MiB memcpys: the roof of the element-wise layers. */
static double copy_bandwidth(void) {
  size_t size = (size_t)64 << 20;
  char *from = malloc(size), *to = malloc(size);
  double best = 0;
  if (from && to) {
    memset(from, 1, size);
    memset(to, 2, size);
    for (int i = 0; i < 5; ++i) {
      double start = now_ms();
      memcpy(to, from, size);
      /* The copy is used, so the compiler keeps it. */
      __asm__ volatile("" : : "r"(to), "r"(from) : "memory");
      double ms = now_ms() - start;
      if (ms > 0 && 2.0 * size / (ms * 1e6) > best)
        best = 2.0 * size / (ms * 1e6);
    }
  }
  free(from);
  free(to);
  return best;
}

/* The peaks of the units the kernels use, measured on the spot (about
 * 20 ms each): a chain-free loop of the instruction the selected kernel
 * multiplies with, in GOPS (2 per multiply-add). */
#if defined(__x86_64__)
#include <immintrin.h>
enum { kPeakIterations = 1 << 20 };

__attribute__((target("avx2"))) static double peak_vpmaddwd(void) {
  __m256i acc[10], b = _mm256_set1_epi16(1);
  for (int i = 0; i < 10; ++i)
    acc[i] = _mm256_set1_epi16((short)i);
  double start = now_ms();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 10; ++i) {
      acc[i] = _mm256_madd_epi16(acc[i], b);
      __asm__ volatile("" : "+x"(acc[i]));
    }
  return 10.0 * kPeakIterations * 16 * 2 / ((now_ms() - start) * 1e6);
}

__attribute__((target("avx2,avxvnni"))) static double peak_vpdpbusd256(void) {
  __m256i acc[10], a = _mm256_set1_epi8(1);
  for (int i = 0; i < 10; ++i)
    acc[i] = _mm256_set1_epi32(i);
  double start = now_ms();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 10; ++i) {
      acc[i] = _mm256_dpbusd_avx_epi32(acc[i], a, a);
      __asm__ volatile("" : "+x"(acc[i]));
    }
  return 10.0 * kPeakIterations * 32 * 2 / ((now_ms() - start) * 1e6);
}

__attribute__((target("avx512f,avx512bw"))) static double
peak_vpmaddwd512(void) {
  __m512i acc[12], b = _mm512_set1_epi16(1);
  for (int i = 0; i < 12; ++i)
    acc[i] = _mm512_set1_epi16((short)i);
  double start = now_ms();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 12; ++i) {
      acc[i] = _mm512_madd_epi16(acc[i], b);
      __asm__ volatile("" : "+v"(acc[i]));
    }
  return 12.0 * kPeakIterations * 32 * 2 / ((now_ms() - start) * 1e6);
}

__attribute__((target("avx512f,avx512vnni"))) static double
peak_vpdpbusd512(void) {
  __m512i acc[12], a = _mm512_set1_epi8(1);
  for (int i = 0; i < 12; ++i)
    acc[i] = _mm512_set1_epi32(i);
  double start = now_ms();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 12; ++i) {
      acc[i] = _mm512_dpbusd_epi32(acc[i], a, a);
      __asm__ volatile("" : "+v"(acc[i]));
    }
  return 12.0 * kPeakIterations * 64 * 2 / ((now_ms() - start) * 1e6);
}

__attribute__((target("avx2,fma"))) static double peak_fma256(void) {
  __m256 acc[10], b = _mm256_set1_ps(1.0f), c = _mm256_set1_ps(1e-9f);
  for (int i = 0; i < 10; ++i)
    acc[i] = _mm256_set1_ps((float)i);
  double start = now_ms();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 10; ++i) {
      acc[i] = _mm256_fmadd_ps(acc[i], b, c);
      __asm__ volatile("" : "+x"(acc[i]));
    }
  return 10.0 * kPeakIterations * 8 * 2 / ((now_ms() - start) * 1e6);
}

__attribute__((target("avx512f"))) static double peak_fma512(void) {
  __m512 acc[12], b = _mm512_set1_ps(1.0f), c = _mm512_set1_ps(1e-9f);
  for (int i = 0; i < 12; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  double start = now_ms();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 12; ++i) {
      acc[i] = _mm512_fmadd_ps(acc[i], b, c);
      __asm__ volatile("" : "+v"(acc[i]));
    }
  return 12.0 * kPeakIterations * 16 * 2 / ((now_ms() - start) * 1e6);
}
#endif

typedef struct peaks {
  const char *int8_unit, *f32_unit;
  double int8_gops, f32_gops; /* 0: not measured */
} peaks;

/* The kernels' instruction set as a model picks it (the best the CPU has
 * at or below the VITQ_ISA cap) and the peaks of its units. AMX's tile
 * unit is not measured here (it needs the tile permission and a tile
 * configuration): its contractions show no share. */
static peaks measure_peaks(void) {
  peaks p = {"", "", 0, 0};
#if defined(__x86_64__)
  vitq_isa isa = vitq_isa_by_name(getenv("VITQ_ISA"));
  if (isa == VITQ_NUM_ISAS)
    isa = (vitq_isa)0;
  while (isa < VITQ_ISA_GENERIC && !vitq_isa_supported(isa))
    isa = (vitq_isa)(isa + 1);
  switch (isa) {
  case VITQ_ISA_AVX512VNNI:
    p = (peaks){"vpdpbusd zmm", "", peak_vpdpbusd512(), 0};
    break;
  case VITQ_ISA_AVXVNNI:
    p = (peaks){"vpdpbusd ymm", "", peak_vpdpbusd256(), 0};
    break;
  case VITQ_ISA_AVX512BW:
    p = (peaks){"vpmaddwd zmm", "", peak_vpmaddwd512(), 0};
    break;
  case VITQ_ISA_AVX2:
    p = (peaks){"vpmaddwd ymm", "", peak_vpmaddwd(), 0};
    break;
  default:
    break;
  }
  if (isa <= VITQ_ISA_AVX512BW && vitq_isa_supported(VITQ_ISA_AVX512BW)) {
    p.f32_unit = "vfmadd zmm";
    p.f32_gops = peak_fma512();
  } else if (isa <= VITQ_ISA_AVX2 && vitq_isa_supported(VITQ_ISA_AVX2)) {
    p.f32_unit = "vfmadd ymm";
    p.f32_gops = peak_fma256();
  }
#endif
  return p;
}

/* Merges `rows` entries with equal (name, kind) into the first of them. */
static size_t merge_rows(profile_row *rows, size_t count) {
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t j = 0;
    while (j < kept && ((rows[j].name != rows[i].name &&
                         (!rows[j].name || !rows[i].name ||
                          strcmp(rows[j].name, rows[i].name))) ||
                        strcmp(rows[j].kind, rows[i].kind)))
      ++j;
    if (j == kept) {
      rows[kept++] = rows[i];
      continue;
    }
    rows[j].seconds += rows[i].seconds;
    rows[j].calls += rows[i].calls;
    rows[j].ops += rows[i].ops;
    rows[j].bytes += rows[i].bytes;
  }
  return kept;
}

static void print_row(const profile_row *r, size_t runs, double total_s,
                      double bandwidth, const peaks *peak) {
  double s = r->seconds > 0 ? r->seconds : 1e-12;
  char rate[48];
  double unit = !strncmp(r->kind, "int8", 4)   ? peak->int8_gops
                : !strncmp(r->kind, "fp32", 4) ? peak->f32_gops
                                               : 0;
  if (r->ops && unit > 0)
    snprintf(rate, sizeof(rate), "%7.1f GOPS %3.0f%%", r->ops / s * 1e-9,
             100.0 * r->ops / s * 1e-9 / unit);
  else if (r->ops)
    snprintf(rate, sizeof(rate), "%7.1f GOPS", r->ops / s * 1e-9);
  else
    snprintf(rate, sizeof(rate), "%7.1f GB/s %3.0f%%", r->bytes / s * 1e-9,
             bandwidth > 0 ? 100.0 * r->bytes / s * 1e-9 / bandwidth : 0.0);
  printf("  %9.3f %6.1f%% %6.1f %-16s  %-24s %s\n",
         r->seconds * 1e3 / (double)runs, 100.0 * r->seconds / total_s,
         (double)r->calls / (double)runs, rate, r->kind,
         r->name ? (*r->name ? r->name : "(no ONNX node)") : "(all)");
}

/* Prints the profile of `runs` timed runs that took `total_ms` on
 * `threads` threads. */
static int print_profile(vitq_model *model, size_t runs, double total_ms,
                         int threads) {
  size_t count = vitq_model_num_layers(model);
  profile_row *rows = calloc(count ? count : 1, sizeof(profile_row));
  profile_row *kinds = calloc(count ? count : 1, sizeof(profile_row));
  if (!rows || !kinds)
    return free(rows), free(kinds), error("out of memory%s", "");
  double layers_s = 0;
  for (size_t i = 0; i < count; ++i) {
    vitq_layer_profile p;
    vitq_model_layer_profile(model, i, &p);
    rows[i] = (profile_row){
        p.name,           p.kind, p.seconds, p.calls, 2 * p.macs * p.calls,
        p.bytes * p.calls};
    layers_s += p.seconds;
  }
  memcpy(kinds, rows, count * sizeof(profile_row));
  for (size_t i = 0; i < count; ++i)
    kinds[i].name = NULL;
  size_t num_rows = merge_rows(rows, count);
  size_t num_kinds = merge_rows(kinds, count);
  qsort(rows, num_rows, sizeof(profile_row), by_time);
  qsort(kinds, num_kinds, sizeof(profile_row), by_time);
  double bandwidth = copy_bandwidth();
  peaks peak = measure_peaks();
  peak.int8_gops *= threads;
  peak.f32_gops *= threads;
  double total_s = total_ms * 1e-3;
  printf("profile of %zu timed run(s): %.3f ms per run, %.1f%% of it in %zu "
         "layer(s); element-wise layers against a copy bandwidth of %.1f "
         "GB/s",
         runs, total_ms / (double)runs, 100.0 * layers_s / total_s, count,
         bandwidth);
  if (peak.int8_gops > 0)
    printf(", int8 contractions against %s at %.0f GOPS", peak.int8_unit,
           peak.int8_gops);
  if (peak.f32_gops > 0)
    printf(", fp32 against %s at %.0f GFLOPS", peak.f32_unit, peak.f32_gops);
  printf(" (%d thread(s))\n", threads);
  printf("  %9s %7s %6s %-16s  %-24s %s\n", "ms/run", "share", "calls", "rate",
         "kind", "ONNX node");
  for (size_t i = 0; i < num_rows; ++i)
    print_row(&rows[i], runs, total_s, bandwidth, &peak);
  printf("by kind:\n");
  for (size_t i = 0; i < num_kinds; ++i)
    print_row(&kinds[i], runs, total_s, bandwidth, &peak);
  free(rows);
  free(kinds);
  return 0;
}

static int run_all(const options *o, session *s) {
  for (size_t i = 0; i < s->num_outputs; ++i)
    if (!(s->out_data[i] = malloc(s->samples * s->out[i].size_bytes + 1)))
      return error("out of memory for the outputs%s", "");
  size_t timed = s->samples * (size_t)o->repeat;
  double *times = malloc(timed * sizeof(double));
  if (!times)
    return error("out of memory for the timings%s", "");
  size_t t = 0;
  /* A profile counts the timed runs only: the warm-ups come first. */
  for (size_t n = 0; o->profile && n < s->samples; ++n)
    for (long w = 0; w < o->warmup; ++w)
      if (run_sample(s, n))
        return free(times), 1;
  if (o->profile) {
    vitq_status status = vitq_model_profile(s->model, 1);
    if (status != VITQ_OK)
      return free(times), runtime_error("--profile", status);
  }
  for (size_t n = 0; n < s->samples; ++n) {
    for (long w = 0; w < o->warmup && !o->profile; ++w)
      if (run_sample(s, n))
        return free(times), 1;
    for (long r = 0; r < o->repeat; ++r) {
      double start = now_ms();
      if (run_sample(s, n))
        return free(times), 1;
      times[t++] = now_ms() - start;
    }
  }
  double total_ms = 0;
  for (size_t i = 0; i < timed; ++i)
    total_ms += times[i];
  qsort(times, timed, sizeof(double), compare_doubles);
  printf("%zu sample(s) x %ld run(s): median %.4f ms, min %.4f ms per "
         "inference",
         s->samples, o->repeat, times[timed / 2], times[0]);
  double rss = peak_rss_mib();
  if (rss >= 0)
    printf(", peak RSS %.1f MiB", rss);
  printf("\n");
  free(times);
  if (o->profile) {
    vitq_model_profile(s->model, 0);
    /* The threads the model ran on, as its library counts them. */
    int threads = (int)o->threads;
    const char *env = getenv("VITQ_NUM_THREADS");
    if (threads <= 0 && env)
      threads = atoi(env);
    if (threads <= 0)
      threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (print_profile(s->model, timed, total_ms, threads > 0 ? threads : 1))
      return 1;
  }
  return write_outputs(o, s);
}

int main(int argc, char **argv) {
  options o;
  if (parse_options(argc, argv, &o))
    return 1;
  /* The model's kernels read the cap at their first call. */
  if (o.isa && setenv("VITQ_ISA", o.isa, 1) != 0)
    return error("cannot set VITQ_ISA%s", "");
  session s;
  memset(&s, 0, sizeof(s));
  int rc = open_session(&o, &s);
  if (!rc && o.info) {
    for (size_t i = 0; i < s.num_inputs; ++i)
      print_tensor("input", i, &s.in[i]);
    for (size_t i = 0; i < s.num_outputs; ++i)
      print_tensor("output", i, &s.out[i]);
  }
  if (!rc && (o.num_inputs || !o.info)) {
    if (o.num_outputs > s.num_outputs) {
      fprintf(stderr,
              "vitq-run: error: %zu --output file(s) for %zu output(s)\n",
              o.num_outputs, s.num_outputs);
      rc = 1;
    }
    rc = rc || check_outputs_writable(&o) || load_inputs(&o, &s) ||
         run_all(&o, &s);
  }
  close_session(&s);
  return rc;
}
