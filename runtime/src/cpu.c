/*===- cpu.c - What this CPU can run ---------------------------------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * CPUID and XCR0 read once per process into a feature set: a feature counts
 * when the CPU reports it and the OS saves the register state it needs.
 *
 *===----------------------------------------------------------------------===*/

#include "vitq/cpu.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define VITQ_X86 1
#endif

static const struct {
  const char *name;
  unsigned leaf, subleaf, reg, bit, xcr0;
} kFeatures[] = {
#define VITQ_CPU_FEATURE_ROW(id, name, leaf, subleaf, reg, bit, xcr0)          \
  {name, leaf, subleaf, reg, bit, xcr0},
    VITQ_CPU_FEATURES(VITQ_CPU_FEATURE_ROW)
#undef VITQ_CPU_FEATURE_ROW
};

static const struct {
  const char *name;
  const char *features;
} kIsas[] = {
#define VITQ_ISA_ROW(id, name, features) {name, features},
    VITQ_ISAS(VITQ_ISA_ROW)
#undef VITQ_ISA_ROW
};

static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static unsigned char detected[VITQ_CPU_NUM_FEATURES];
static int64_t l2_bytes;

#ifdef VITQ_X86
/* The OS-enabled state components; 0 without OSXSAVE. */
static unsigned long long read_xcr0(void) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27)))
    return 0;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((unsigned long long)hi << 32) | lo;
}
#endif

#ifdef VITQ_X86
/* The size of the level-2 cache among the deterministic cache parameters
 * of `leaf` (4 on Intel, 0x8000001D on AMD: one subleaf per cache until a
 * null one); 0 when none is listed. */
static int64_t deterministic_l2(unsigned leaf) {
  for (unsigned subleaf = 0; subleaf < 16; ++subleaf) {
    unsigned eax, ebx, ecx, edx;
    __cpuid_count(leaf, subleaf, eax, ebx, ecx, edx);
    unsigned type = eax & 0x1f, level = (eax >> 5) & 0x7;
    if (type == 0)
      break;
    if (level == 2 && type != 2 /* not an instruction cache */)
      return (int64_t)((ebx >> 22) + 1) * (((ebx >> 12) & 0x3ff) + 1) *
             ((ebx & 0xfff) + 1) * ((int64_t)ecx + 1);
  }
  return 0;
}
#endif

static void detect(void) {
  l2_bytes = 512 * 1024; /* when the CPU does not say */
#ifdef VITQ_X86
  unsigned long long xcr0 = read_xcr0();
  unsigned max_basic = __get_cpuid_max(0, 0);
  unsigned max_extended = __get_cpuid_max(0x80000000u, 0);
  for (size_t i = 0; i < VITQ_CPU_NUM_FEATURES; ++i) {
    unsigned leaf = kFeatures[i].leaf;
    unsigned max = leaf >= 0x80000000u ? max_extended : max_basic;
    if (leaf > max)
      continue;
    unsigned regs[4] = {0, 0, 0, 0};
    __cpuid_count(leaf, kFeatures[i].subleaf, regs[0], regs[1], regs[2],
                  regs[3]);
    int reported = (regs[kFeatures[i].reg] >> kFeatures[i].bit) & 1u;
    int enabled = (xcr0 & kFeatures[i].xcr0) == kFeatures[i].xcr0;
    detected[i] = (unsigned char)(reported && enabled);
  }
  int64_t l2 = max_basic >= 4 ? deterministic_l2(4) : 0;
  if (!l2 && max_extended >= 0x8000001Du)
    l2 = deterministic_l2(0x8000001Du);
  if (!l2 && max_extended >= 0x80000006u) {
    unsigned eax, ebx, ecx, edx;
    __cpuid(0x80000006u, eax, ebx, ecx, edx);
    l2 = (int64_t)(ecx >> 16) * 1024;
  }
  if (l2 > 0)
    l2_bytes = l2;
#endif
}

int64_t vitq_cpu_l2_bytes(void) {
  pthread_once(&detect_once, detect);
  return l2_bytes;
}

const char *vitq_cpu_feature_name(vitq_cpu_feature feature) {
  if ((unsigned)feature >= VITQ_CPU_NUM_FEATURES)
    return NULL;
  return kFeatures[feature].name;
}

vitq_cpu_feature vitq_cpu_feature_by_name(const char *name, size_t length) {
  for (size_t i = 0; i < VITQ_CPU_NUM_FEATURES; ++i)
    if (strlen(kFeatures[i].name) == length &&
        strncmp(kFeatures[i].name, name, length) == 0)
      return (vitq_cpu_feature)i;
  return VITQ_CPU_NUM_FEATURES;
}

int vitq_cpu_has(vitq_cpu_feature feature) {
  if ((unsigned)feature >= VITQ_CPU_NUM_FEATURES)
    return 0;
  pthread_once(&detect_once, detect);
  return detected[feature];
}

const char *vitq_isa_name(vitq_isa isa) {
  return (unsigned)isa < VITQ_NUM_ISAS ? kIsas[isa].name : NULL;
}

vitq_isa vitq_isa_by_name(const char *name) {
  for (size_t i = 0; name && i < VITQ_NUM_ISAS; ++i)
    if (strcmp(kIsas[i].name, name) == 0)
      return (vitq_isa)i;
  return VITQ_NUM_ISAS;
}

const char *vitq_isa_features(vitq_isa isa) {
  return (unsigned)isa < VITQ_NUM_ISAS ? kIsas[isa].features : NULL;
}

int vitq_isa_supported(vitq_isa isa) {
  const char *list = vitq_isa_features(isa);
  if (!list)
    return 0;
  while (*list) {
    size_t length = strcspn(list, ",");
    if (!vitq_cpu_has(vitq_cpu_feature_by_name(list, length)))
      return 0;
    list += length + (list[length] == ',');
  }
  return 1;
}

vitq_isa vitq_isa_best(void) {
  for (size_t i = 0; i < VITQ_NUM_ISAS; ++i)
    if (vitq_isa_supported((vitq_isa)i))
      return (vitq_isa)i;
  return VITQ_ISA_GENERIC;
}
