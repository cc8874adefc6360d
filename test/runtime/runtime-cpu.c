// The runtime's view of this CPU (vitq/cpu.h) and the metadata's `requires`
// line: a model needing a feature this CPU lacks is refused at load with the
// feature named, before any of its code runs; a feature the runtime cannot
// check is refused too (an empty list needs nothing).
// RUN: clang-22 %runtime_cflags %s %runtime_lib -o %t && %t | FileCheck %s

#include "vitq/cpu.h"
#include "vitq/runtime.h"

#include <stdio.h>
#include <string.h>

static int32_t run(void *const *inputs, void *const *outputs, void *ws) {
  (void)inputs, (void)outputs, (void)ws;
  return 0;
}

static void open_requiring(const char *features) {
  char text[512];
  snprintf(text, sizeof(text),
           "vitq-model 2\nworkspace 0\nrequires %s\noutput f32 1 y\n",
           features);
  vitq_model *m = NULL;
  vitq_status status = vitq_model_open(text, run, &m);
  printf("requires %s: %s\n", features, vitq_status_string(status));
  if (status != VITQ_OK)
    printf("  %s\n", vitq_last_error());
  vitq_model_free(m);
}

int main(void) {
  // The names round-trip, and the best instruction set is supported.
  int names_ok = 1;
  for (int f = 0; f < VITQ_CPU_NUM_FEATURES; ++f) {
    const char *name = vitq_cpu_feature_name((vitq_cpu_feature)f);
    names_ok &= vitq_cpu_feature_by_name(name, strlen(name)) == f;
  }
  for (int i = 0; i < VITQ_NUM_ISAS; ++i)
    names_ok &= vitq_isa_by_name(vitq_isa_name((vitq_isa)i)) == i;
  printf("names: %s\n", names_ok ? "ok" : "FAILED");
  vitq_isa best = vitq_isa_best();
  printf("best isa supported: %d\n", vitq_isa_supported(best));
  printf("generic supported: %d\n", vitq_isa_supported(VITQ_ISA_GENERIC));

  // What this CPU has passes; the first feature it lacks is refused.
  char have[256] = "", lacks[64] = "";
  for (int f = 0; f < VITQ_CPU_NUM_FEATURES; ++f) {
    const char *name = vitq_cpu_feature_name((vitq_cpu_feature)f);
    if (vitq_cpu_has((vitq_cpu_feature)f)) {
      if (strlen(have) + strlen(name) + 2 < sizeof(have))
        snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s",
                 *have ? "," : "", name);
    } else if (!*lacks) {
      snprintf(lacks, sizeof(lacks), "%s", name);
    }
  }
  if (*have)
    open_requiring(have);
  else
    printf("requires (none): ok\n");
  if (*lacks)
    open_requiring(lacks);
  else
    printf("requires (every feature this CPU has): skipped\n");
  open_requiring("avx2,warp-drive");
  open_requiring("");
  return 0;
}

// CHECK: names: ok
// CHECK-NEXT: best isa supported: 1
// CHECK-NEXT: generic supported: 1
// CHECK-NEXT: requires {{.*}}: ok
// No x86 CPU has every feature of the table (sse4a is AMD's, AMX Intel's).
// CHECK-NEXT: requires {{.*}}: incompatible model
// CHECK-NEXT: the model was compiled for a CPU with features this one lacks
// CHECK-SAME: ({{[a-z0-9.-]+}}); compile it for this CPU or with a lower --mcpu
// CHECK: requires avx2,warp-drive: incompatible model
// CHECK-NEXT: the model needs CPU feature 'warp-drive', which this runtime
// CHECK-SAME: cannot check
// CHECK-NEXT: requires : ok
