//===- kernels.cpp - The kernel library against its peak and oneDNN -------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// vitq-bench-kernels: every contraction shape of DeiT-Tiny/Small/Base (at
// batch 1 and 8) on each instruction set's kernels this CPU has, in GOPS and
// as a share of the measured peak of the unit the kernel uses, next to
// oneDNN's matmul on the same shapes (when built with it), in one run and
// on one thread:
//
// - int8 linear layers (constant weight packed once, int32 bias, per-column
//   requantization to int8 in the epilogue): oneDNN's u8/s8 matmul with a
//   prepacked weight, source zero point, bias and per-column output scales;
// - attention's Q K^T and A V (both operands at run time, packed per call):
//   oneDNN's s8 x s8 -> s32 batched matmul on plain layouts;
// - FP32 linear layers: oneDNN's f32 matmul with a prepacked weight.
//
// Times are medians of interleaved repetitions; GOPS count 2 M N K.
//
//===----------------------------------------------------------------------===//

#include "vitq/kernels.h"

#ifdef VITQ_BENCH_DNNL
#include "oneapi/dnnl/dnnl.hpp"
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <immintrin.h>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// The median time of `run` over `reps` calls after one warm-up call.
double timeIt(const std::function<void()> &run, int reps) {
  run();
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    auto start = Clock::now();
    run();
    times.push_back(seconds(Clock::now() - start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

//===----------------------------------------------------------------------===//
// Peaks: independent chains of the unit's instruction, enough to hide its
// latency, counted as 2 operations per multiply-add.
//===----------------------------------------------------------------------===//

constexpr long kPeakIterations = 20000000;

__attribute__((target("avx2"))) double peakVpmaddwd() {
  __m256i acc[10], b = _mm256_set1_epi16(1);
  for (int i = 0; i < 10; ++i)
    acc[i] = _mm256_set1_epi16((short)i);
  auto start = Clock::now();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 10; ++i) {
      acc[i] = _mm256_madd_epi16(acc[i], b);
      __asm__ volatile("" : "+x"(acc[i]));
    }
  double t = seconds(Clock::now() - start);
  return 10.0 * kPeakIterations * 16 * 2 / t;
}

__attribute__((target("avxvnni"))) double peakVpdpbusd256() {
  __m256i acc[10], a = _mm256_set1_epi8(1), b = _mm256_set1_epi8(1);
  for (int i = 0; i < 10; ++i)
    acc[i] = _mm256_set1_epi32(i);
  auto start = Clock::now();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 10; ++i) {
      acc[i] = _mm256_dpbusd_avx_epi32(acc[i], a, b);
      __asm__ volatile("" : "+x"(acc[i]));
    }
  double t = seconds(Clock::now() - start);
  return 10.0 * kPeakIterations * 32 * 2 / t;
}

__attribute__((target("avx512f,avx512vnni"))) double peakVpdpbusd512() {
  __m512i acc[12], a = _mm512_set1_epi8(1), b = _mm512_set1_epi8(1);
  for (int i = 0; i < 12; ++i)
    acc[i] = _mm512_set1_epi32(i);
  auto start = Clock::now();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 12; ++i) {
      acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
      __asm__ volatile("" : "+v"(acc[i]));
    }
  double t = seconds(Clock::now() - start);
  return 12.0 * kPeakIterations * 64 * 2 / t;
}

__attribute__((target("avx512f,avx512bw"))) double peakVpmaddwd512() {
  __m512i acc[12], b = _mm512_set1_epi16(1);
  for (int i = 0; i < 12; ++i)
    acc[i] = _mm512_set1_epi16((short)i);
  auto start = Clock::now();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 12; ++i) {
      acc[i] = _mm512_madd_epi16(acc[i], b);
      __asm__ volatile("" : "+v"(acc[i]));
    }
  double t = seconds(Clock::now() - start);
  return 12.0 * kPeakIterations * 32 * 2 / t;
}

__attribute__((target("amx-tile,amx-int8"))) double peakTdpbusd() {
  alignas(64) uint8_t config[64] = {};
  config[0] = 1;
  for (int t = 0; t < 8; ++t) {
    uint16_t colsb = 64;
    std::memcpy(config + 16 + 2 * t, &colsb, 2);
    config[48 + t] = 16;
  }
  alignas(64) static int8_t data[16 * 64];
  _tile_loadconfig(config);
  _tile_loadd(4, data, 64);
  _tile_loadd(6, data, 64);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  long iterations = kPeakIterations / 8;
  auto start = Clock::now();
  for (long it = 0; it < iterations; ++it) {
    _tile_dpbusd(0, 4, 6);
    _tile_dpbusd(1, 4, 6);
    _tile_dpbusd(2, 4, 6);
    _tile_dpbusd(3, 4, 6);
  }
  double t = seconds(Clock::now() - start);
  _tile_release();
  return 4.0 * iterations * 16 * 16 * 64 * 2 / t;
}

__attribute__((target("avx2,fma"))) double peakFma256() {
  __m256 acc[10], b = _mm256_set1_ps(1.0f);
  for (int i = 0; i < 10; ++i)
    acc[i] = _mm256_set1_ps((float)i);
  auto start = Clock::now();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 10; ++i) {
      acc[i] = _mm256_fmadd_ps(acc[i], b, b);
      __asm__ volatile("" : "+x"(acc[i]));
    }
  double t = seconds(Clock::now() - start);
  return 10.0 * kPeakIterations * 8 * 2 / t;
}

__attribute__((target("avx512f"))) double peakFma512() {
  __m512 acc[12], b = _mm512_set1_ps(1.0f);
  for (int i = 0; i < 12; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  auto start = Clock::now();
  for (long it = 0; it < kPeakIterations; ++it)
    for (int i = 0; i < 12; ++i) {
      acc[i] = _mm512_fmadd_ps(acc[i], b, b);
      __asm__ volatile("" : "+v"(acc[i]));
    }
  double t = seconds(Clock::now() - start);
  return 12.0 * kPeakIterations * 16 * 2 / t;
}

/// The unit each instruction set's int8 kernel runs on, and its peak.
struct Unit {
  const char *name;
  double gops;
};

Unit int8Unit(vitq_isa isa) {
  switch (isa) {
  case VITQ_ISA_AMX:
    return {"tdpbusd", peakTdpbusd() * 1e-9};
  case VITQ_ISA_AVX512VNNI:
    return {"vpdpbusd zmm", peakVpdpbusd512() * 1e-9};
  case VITQ_ISA_AVXVNNI:
    return {"vpdpbusd ymm", peakVpdpbusd256() * 1e-9};
  case VITQ_ISA_AVX512BW:
    return {"vpmaddwd zmm", peakVpmaddwd512() * 1e-9};
  case VITQ_ISA_AVX2:
    return {"vpmaddwd ymm", peakVpmaddwd() * 1e-9};
  default:
    return {"scalar", 0};
  }
}

Unit f32Unit(vitq_isa isa) {
  switch (isa) {
  case VITQ_ISA_AMX:
  case VITQ_ISA_AVX512VNNI:
  case VITQ_ISA_AVX512BW:
    return {"vfmadd zmm", peakFma512() * 1e-9};
  case VITQ_ISA_AVXVNNI:
  case VITQ_ISA_AVX2:
    return {"vfmadd ymm", peakFma256() * 1e-9};
  default:
    return {"scalar", 0};
  }
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

enum class Kind { LinearI8, AttentionI8, LinearF32 };

struct Shape {
  std::string model, layer;
  int batch;
  Kind kind;
  int64_t count; // products per call (attention: batch x heads)
  int64_t m, k, n;
  bool transposed; // attention: Q K^T reads K as [N, K]
};

struct Model {
  const char *name;
  int64_t dim, heads;
};

std::vector<Shape> shapes(const std::vector<Model> &models,
                          const std::vector<int> &batches) {
  std::vector<Shape> out;
  for (const Model &model : models)
    for (int batch : batches) {
      int64_t rows = 197 * batch, d = model.dim;
      for (Kind kind : {Kind::LinearI8, Kind::LinearF32}) {
        out.push_back({model.name, "patch embed", batch, kind, 1, 196 * batch,
                       768, d, false});
        out.push_back(
            {model.name, "qkv", batch, kind, 1, rows, d, 3 * d, false});
        out.push_back({model.name, "proj", batch, kind, 1, rows, d, d, false});
        out.push_back(
            {model.name, "fc1", batch, kind, 1, rows, d, 4 * d, false});
        out.push_back(
            {model.name, "fc2", batch, kind, 1, rows, 4 * d, d, false});
        out.push_back(
            {model.name, "head", batch, kind, 1, batch, d, 1000, false});
      }
      out.push_back({model.name, "Q K^T", batch, Kind::AttentionI8,
                     batch * model.heads, 197, 64, 197, true});
      out.push_back({model.name, "A V", batch, Kind::AttentionI8,
                     batch * model.heads, 197, 197, 64, false});
    }
  return out;
}

std::vector<int8_t> randomBytes(size_t count, std::mt19937 &rng) {
  std::vector<int8_t> v(count);
  std::uniform_int_distribution<int> dist(-128, 127);
  for (int8_t &x : v)
    x = (int8_t)dist(rng);
  return v;
}

std::vector<float> randomFloats(size_t count, std::mt19937 &rng) {
  std::vector<float> v(count);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Aligned storage for packed weights and workspaces.
struct Buffer {
  void *data = nullptr;
  explicit Buffer(size_t bytes) {
    data = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  }
  ~Buffer() { std::free(data); }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
};

/// One shape's operands and its runs: one per kernel and contender.
struct Case {
  Shape shape;
  std::vector<int8_t> x, w;
  std::vector<float> xf, wf;
  std::vector<int32_t> bias, multiplier, shift;
  std::vector<int8_t> out8;
  std::vector<int32_t> out32;
  std::vector<float> outf;
  std::unique_ptr<Buffer> packed, workspace;
};

void prepare(Case &c, std::mt19937 &rng) {
  const Shape &s = c.shape;
  if (s.kind == Kind::LinearF32) {
    c.xf = randomFloats(s.m * s.k, rng);
    c.wf = randomFloats(s.k * s.n, rng);
    c.outf.resize(s.m * s.n);
    c.packed = std::make_unique<Buffer>(vitq_kernel_packed_f32_size(s.k, s.n));
    vitq_kernel_pack_f32(c.wf.data(), s.n, s.k, s.n, 0, c.packed->data);
    return;
  }
  c.x = randomBytes(s.count * s.m * s.k, rng);
  c.w = randomBytes(s.count * s.k * s.n, rng);
  if (s.kind == Kind::AttentionI8) {
    c.out32.resize(s.count * s.m * s.n);
    c.workspace = std::make_unique<Buffer>(
        vitq_kernel_matmul_workspace_size(s.m, s.n, s.k));
    return;
  }
  c.out8.resize(s.m * s.n);
  c.bias.resize(s.n);
  c.multiplier.resize(s.n);
  c.shift.resize(s.n);
  for (int64_t i = 0; i < s.n; ++i) {
    c.bias[i] = (int32_t)(rng() % 20001) - 10000;
    c.multiplier[i] = 1 << 30;
    c.shift[i] = 40;
  }
  c.packed = std::make_unique<Buffer>(vitq_kernel_packed_size(s.k, s.n));
  vitq_kernel_pack(c.w.data(), s.k, s.n, 0, c.packed->data);
}

std::function<void()> vitqRun(Case &c, vitq_isa isa) {
  const Shape &s = c.shape;
  switch (s.kind) {
  case Kind::LinearI8: {
    vitq_linear_i8_fn fn = vitq_kernel_linear_i8_for(isa);
    vitq_linear_i8_args args = {};
    args.m = s.m;
    args.n = s.n;
    args.k = s.k;
    args.input = c.x.data();
    args.input_stride = s.k;
    args.input_zp = 3;
    args.packed = c.packed->data;
    args.bias = c.bias.data();
    args.multiplier = c.multiplier.data();
    args.shift = c.shift.data();
    args.output_zp = -2;
    args.output_bits = 8;
    args.output = c.out8.data();
    args.output_stride = s.n;
    return [fn, args] { fn(&args); };
  }
  case Kind::LinearF32: {
    vitq_linear_f32_fn fn = vitq_kernel_linear_f32_for(isa);
    vitq_linear_f32_args args = {
        s.m, s.n, s.k, c.xf.data(), s.k, c.packed->data, c.outf.data(), s.n, 0};
    return [fn, args] { fn(&args); };
  }
  case Kind::AttentionI8:
    return [&c, isa] {
      const Shape &s = c.shape;
      vitq_kernels_select(isa);
      int64_t rhsRows = s.transposed ? s.n : s.k;
      int64_t rhsCols = s.transposed ? s.k : s.n;
      vitq_kernel_matmul_i8_call(s.count, s.m, s.n, s.k, c.x.data(), s.m * s.k,
                                 s.k, 5, c.w.data(), rhsRows * rhsCols, rhsCols,
                                 s.transposed, -3, 0, 0, 0, 32, c.out32.data(),
                                 s.m * s.n, s.n, c.workspace->data, 0);
    };
  }
  return {};
}

#ifdef VITQ_BENCH_DNNL
/// oneDNN's matmul for the same shape, its constant weights reordered
/// into the layout it picks once, outside the timing.
struct Dnnl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

/// Whether oneDNN's int8 matmul is exact on this CPU: operands near the top
/// of their ranges (u8 200..255 x s8 100..127, K = 768) against the exact
/// int32 sums. Without VNNI its kernels add pairs of u8 x s8 products in
/// saturating int16 (vpmaddubsw), which such operands overflow.
void dnnlExactnessProbe(Dnnl &d) {
  using namespace dnnl;
  using dt = memory::data_type;
  using tag = memory::format_tag;
  const int64_t m = 16, k = 768, n = 64;
  std::vector<uint8_t> x(m * k);
  std::vector<int8_t> w(k * n);
  std::vector<int32_t> y(m * n);
  std::mt19937 rng(7);
  for (auto &v : x)
    v = 200 + rng() % 56;
  for (auto &v : w)
    v = 100 + rng() % 28;
  memory::desc src({m, k}, dt::u8, tag::ab), wei({k, n}, dt::s8, tag::any),
      plainWei({k, n}, dt::s8, tag::ab), dst({m, n}, dt::s32, tag::ab);
  matmul::primitive_desc pd(matmul::desc(src, wei, dst), d.engine);
  memory weights(pd.weights_desc(), d.engine),
      plain(plainWei, d.engine, w.data());
  reorder(plain, weights).execute(d.stream, plain, weights);
  memory srcMem(src, d.engine, x.data()), dstMem(dst, d.engine, y.data());
  matmul(pd).execute(d.stream, {{DNNL_ARG_SRC, srcMem},
                                {DNNL_ARG_WEIGHTS, weights},
                                {DNNL_ARG_DST, dstMem}});
  d.stream.wait();
  int64_t wrong = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t exact = 0;
      for (int64_t l = 0; l < k; ++l)
        exact += int64_t(x[i * k + l]) * w[l * n + j];
      wrong += exact != y[i * n + j];
    }
  if (wrong)
    std::printf("# oneDNN int8 (%s) is not exact on this CPU: %lld of %lld "
                "sums of large operands differ from the exact ones (vitq's "
                "kernels are exact on every ISA)\n",
                pd.impl_info_str(), (long long)wrong, (long long)(m * n));
  else
    std::printf("# oneDNN int8 (%s) is exact on this CPU\n",
                pd.impl_info_str());
}

std::function<void()> dnnlRun(Dnnl &d, Case &c) {
  using namespace dnnl;
  using dt = memory::data_type;
  using tag = memory::format_tag;
  const Shape &s = c.shape;
  if (s.kind == Kind::AttentionI8) {
    memory::desc src({s.count, s.m, s.k}, dt::s8, tag::abc);
    memory::desc wei({s.count, s.k, s.n}, dt::s8,
                     s.transposed ? tag::acb : tag::abc);
    memory::desc dst({s.count, s.m, s.n}, dt::s32, tag::abc);
    primitive_attr attr;
    attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    attr.set_zero_points(DNNL_ARG_WEIGHTS, 0, {DNNL_RUNTIME_S32_VAL});
    auto pd =
        matmul::primitive_desc(matmul::desc(src, wei, dst), attr, d.engine);
    auto prim = std::make_shared<matmul>(pd);
    auto srcMem = std::make_shared<memory>(src, d.engine, c.x.data());
    auto weiMem = std::make_shared<memory>(wei, d.engine, c.w.data());
    auto dstMem = std::make_shared<memory>(dst, d.engine, c.out32.data());
    static int32_t srcZp = 5, weiZp = -3;
    auto srcZpMem = std::make_shared<memory>(memory::desc({1}, dt::s32, tag::x),
                                             d.engine, &srcZp);
    auto weiZpMem = std::make_shared<memory>(memory::desc({1}, dt::s32, tag::x),
                                             d.engine, &weiZp);
    return [&d, prim, srcMem, weiMem, dstMem, srcZpMem, weiZpMem] {
      prim->execute(
          d.stream,
          {{DNNL_ARG_SRC, *srcMem},
           {DNNL_ARG_WEIGHTS, *weiMem},
           {DNNL_ARG_DST, *dstMem},
           {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, *srcZpMem},
           {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_WEIGHTS, *weiZpMem}});
      d.stream.wait();
    };
  }
  bool f32 = s.kind == Kind::LinearF32;
  memory::desc src({s.m, s.k}, f32 ? dt::f32 : dt::u8, tag::ab);
  memory::desc weiAny({s.k, s.n}, f32 ? dt::f32 : dt::s8, tag::any);
  memory::desc weiPlain({s.k, s.n}, f32 ? dt::f32 : dt::s8, tag::ab);
  memory::desc dst({s.m, s.n}, f32 ? dt::f32 : dt::s8, tag::ab);
  primitive_attr attr;
  std::shared_ptr<matmul::primitive_desc> pd;
  if (f32) {
    pd = std::make_shared<matmul::primitive_desc>(
        matmul::desc(src, weiAny, dst), attr, d.engine);
  } else {
    memory::desc bias({1, s.n}, dt::s32, tag::ab);
    // Per-column requantization and a source zero point, as vitq's
    // epilogue (u8 source: vitq's signed input shifted by 128).
    attr.set_output_scales(2, std::vector<float>(s.n, 1.0f / 1024));
    attr.set_zero_points(DNNL_ARG_SRC, 0, {131});
    pd = std::make_shared<matmul::primitive_desc>(
        matmul::desc(src, weiAny, bias, dst), attr, d.engine);
  }
  auto prim = std::make_shared<matmul>(*pd);
  auto weights = std::make_shared<memory>(pd->weights_desc(), d.engine);
  memory plain(weiPlain, d.engine,
               f32 ? (void *)c.wf.data() : (void *)c.w.data());
  reorder(plain, *weights).execute(d.stream, plain, *weights);
  d.stream.wait();
  auto srcMem = std::make_shared<memory>(
      src, d.engine, f32 ? (void *)c.xf.data() : (void *)c.x.data());
  auto dstMem = std::make_shared<memory>(
      dst, d.engine, f32 ? (void *)c.outf.data() : (void *)c.out8.data());
  std::shared_ptr<memory> biasMem;
  if (!f32)
    biasMem = std::make_shared<memory>(memory::desc({1, s.n}, dt::s32, tag::ab),
                                       d.engine, c.bias.data());
  return [&d, prim, srcMem, weights, dstMem, biasMem] {
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, *srcMem},
                                            {DNNL_ARG_WEIGHTS, *weights},
                                            {DNNL_ARG_DST, *dstMem}};
    if (biasMem)
      args.insert({DNNL_ARG_BIAS, *biasMem});
    prim->execute(d.stream, args);
    d.stream.wait();
  };
}
#endif

const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::LinearI8:
    return "int8 linear";
  case Kind::AttentionI8:
    return "int8 attention";
  case Kind::LinearF32:
    return "fp32 linear";
  }
  return "";
}

std::vector<std::string> split(const std::string &text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    if (comma > start)
      out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

int usage(const char *argv0) {
  std::fprintf(stderr,
               "usage: %s [--models deit_tiny,deit_small,deit_base] "
               "[--batches 1,8] [--isas all|isa,...] [--reps N] [--quick]\n",
               argv0);
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  // One thread for oneDNN too (its OpenMP runtime reads this at start).
  if (!std::getenv("OMP_NUM_THREADS")) {
    setenv("OMP_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);
  }
  std::vector<std::string> modelNames = {"deit_tiny", "deit_small",
                                         "deit_base"};
  std::vector<int> batches = {1, 8};
  std::vector<std::string> isaNames;
  int reps = 7;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--models")
      modelNames = split(value());
    else if (arg == "--batches") {
      batches.clear();
      for (const std::string &b : split(value()))
        batches.push_back(std::atoi(b.c_str()));
    } else if (arg == "--isas")
      isaNames = split(value());
    else if (arg == "--reps")
      reps = std::max(1, std::atoi(value().c_str()));
    else if (arg == "--quick") {
      modelNames = {"deit_tiny"};
      batches = {1};
      reps = 3;
    } else
      return usage(argv[0]);
  }
  const std::map<std::string, Model> known = {
      {"deit_tiny", {"deit_tiny", 192, 3}},
      {"deit_small", {"deit_small", 384, 6}},
      {"deit_base", {"deit_base", 768, 12}}};
  std::vector<Model> models;
  for (const std::string &name : modelNames) {
    auto it = known.find(name);
    if (it == known.end())
      return usage(argv[0]);
    models.push_back(it->second);
  }

  // The instruction sets this CPU has kernels for (AMX with permission).
  std::vector<vitq_isa> isas;
  for (int i = 0; i < VITQ_NUM_ISAS; ++i) {
    vitq_isa isa = (vitq_isa)i;
    if (isa == VITQ_ISA_GENERIC || !vitq_kernel_linear_i8_for(isa))
      continue;
    if (!isaNames.empty() && isaNames != std::vector<std::string>{"all"} &&
        std::find(isaNames.begin(), isaNames.end(), vitq_isa_name(isa)) ==
            isaNames.end())
      continue;
    if (vitq_kernels_select(isa) != isa) {
      std::printf("# %s: skipped, this CPU lacks it\n", vitq_isa_name(isa));
      continue;
    }
    isas.push_back(isa);
  }
  if (isas.empty()) {
    std::fprintf(stderr, "no instruction set with kernels to measure\n");
    return 1;
  }
  std::map<vitq_isa, Unit> int8Units, f32Units;
  for (vitq_isa isa : isas) {
    int8Units[isa] = int8Unit(isa);
    f32Units[isa] = f32Unit(isa);
    std::printf("# %s: int8 on %s, peak %.0f GOPS; fp32 on %s, peak %.0f "
                "GFLOPS\n",
                vitq_isa_name(isa), int8Units[isa].name, int8Units[isa].gops,
                f32Units[isa].name, f32Units[isa].gops);
  }
#ifdef VITQ_BENCH_DNNL
  Dnnl dnnl;
  dnnlExactnessProbe(dnnl);
  bool withDnnl = true;
#else
  bool withDnnl = false;
#endif

  std::mt19937 rng(42);
  std::printf("model\tbatch\tkind\tlayer\tcount\tM\tK\tN");
  for (vitq_isa isa : isas)
    std::printf("\t%s ms\t%s GOPS\t%s %%peak", vitq_isa_name(isa),
                vitq_isa_name(isa), vitq_isa_name(isa));
  if (withDnnl)
    std::printf("\toneDNN ms\toneDNN GOPS");
  std::printf("\n");
  // Totals per (model, batch, kind): operations and time per contender.
  struct Total {
    double ops = 0;
    std::map<vitq_isa, double> vitq;
    double dnnl = 0;
  };
  std::map<std::string, Total> totals;
  for (const Shape &shape : shapes(models, batches)) {
    Case c;
    c.shape = shape;
    prepare(c, rng);
    std::vector<std::function<void()>> runs;
    for (vitq_isa isa : isas)
      runs.push_back(vitqRun(c, isa));
#ifdef VITQ_BENCH_DNNL
    runs.push_back(dnnlRun(dnnl, c));
#endif
    // Interleaved: each round times every contender once.
    std::vector<std::vector<double>> times(runs.size());
    for (auto &run : runs)
      run();
    for (int r = 0; r < reps; ++r)
      for (size_t i = 0; i < runs.size(); ++i)
        times[i].push_back(timeIt(runs[i], 1));
    double ops = 2.0 * shape.count * shape.m * shape.k * shape.n;
    std::string key = shape.model + "\t" + std::to_string(shape.batch) + "\t" +
                      kindName(shape.kind);
    Total &total = totals[key];
    total.ops += ops;
    std::printf("%s\t%d\t%s\t%s\t%lld\t%lld\t%lld\t%lld", shape.model.c_str(),
                shape.batch, kindName(shape.kind), shape.layer.c_str(),
                (long long)shape.count, (long long)shape.m, (long long)shape.k,
                (long long)shape.n);
    for (size_t i = 0; i < runs.size(); ++i) {
      std::sort(times[i].begin(), times[i].end());
      double t = times[i][times[i].size() / 2];
      double gops = ops / t * 1e-9;
      if (i < isas.size()) {
        vitq_isa isa = isas[i];
        double peak = shape.kind == Kind::LinearF32 ? f32Units[isa].gops
                                                    : int8Units[isa].gops;
        total.vitq[isa] += t;
        std::printf("\t%.3f\t%.1f\t%.0f%%", t * 1e3, gops,
                    peak > 0 ? 100 * gops / peak : 0.0);
      } else {
        total.dnnl += t;
        std::printf("\t%.3f\t%.1f", t * 1e3, gops);
      }
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf("\n# totals: all shapes of a model, batch and kind\n");
  std::printf("model\tbatch\tkind");
  for (vitq_isa isa : isas)
    std::printf("\t%s GOPS\t%s %%peak", vitq_isa_name(isa), vitq_isa_name(isa));
  if (withDnnl)
    std::printf("\toneDNN GOPS\tbest vitq / oneDNN");
  std::printf("\n");
  for (auto &[key, total] : totals) {
    std::printf("%s", key.c_str());
    double best = 0;
    bool f32 = key.find("fp32") != std::string::npos;
    for (vitq_isa isa : isas) {
      double gops = total.ops / total.vitq[isa] * 1e-9;
      double peak = f32 ? f32Units[isa].gops : int8Units[isa].gops;
      best = std::max(best, gops);
      std::printf("\t%.1f\t%.0f%%", gops, peak > 0 ? 100 * gops / peak : 0.0);
    }
    if (withDnnl) {
      double gops = total.ops / total.dnnl * 1e-9;
      std::printf("\t%.1f\t%.2fx", gops, best / gops);
    }
    std::printf("\n");
  }
  return 0;
}
