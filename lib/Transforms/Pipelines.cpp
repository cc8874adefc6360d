//===- Pipelines.cpp - Named vitq pass pipelines --------------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "vitq/Conversion/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace {

/// The integer-only legalisation, ending with its check.
constexpr const char *kLegalize =
    "vitq-legalize-nonlinear,vitq-fuse-requant,canonicalize,"
    "vitq-check-overflow";

/// Expansion to upstream ops, bufferisation and lowering to the LLVM
/// dialect with scalar loops: the reference code generation that the JIT
/// tests run (the tiled, vectorised pipeline builds on it).
constexpr const char *kLowerToLLVM =
    "convert-vitq-to-linalg,canonicalize,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,convert-linalg-to-loops,arith-expand,"
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "convert-math-to-llvm,convert-math-to-libm,convert-to-llvm,"
    "reconcile-unrealized-casts";

/// A whole model to the LLVM dialect behind the runtime's entry point
/// (docs/runtime.md): the model function is inlined into the entry, so
/// bufferisation writes outputs into the caller's buffers. No CSE before
/// bufferisation: merging the identical zero-filled accumulators of two
/// reductions makes the second one a copy.
constexpr const char *kModelToLLVM =
    "vitq-use-kernels,convert-vitq-to-linalg,vitq-contraction-loop-order,"
    "inline,symbol-dce,"
    "canonicalize,eliminate-empty-tensors,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,vitq-copies-to-linalg,"
    "convert-linalg-to-loops,vitq-outline-loop-nests,arith-expand,"
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "convert-math-to-llvm,convert-math-to-libm,convert-vector-to-llvm,"
    "convert-to-llvm,reconcile-unrealized-casts,canonicalize";

/// `--vitq-model-to-llvm`'s options: what vitq-compile derives from the
/// target, spelled out.
struct ModelPipelineOptions : PassPipelineOptions<ModelPipelineOptions> {
  Option<std::string> prefix{*this, "prefix",
                             llvm::cl::desc("Prefix of the exported symbols"),
                             llvm::cl::init("vitq_model")};
  Option<std::string> int8Isa{
      *this, "int8-isa",
      llvm::cl::desc("int8 linear kernels: avx512vnni, avx512bw, avx2 or "
                     "empty for the module's llvm.target (none: loops)"),
      llvm::cl::init("")};
  Option<int64_t> l1Bytes{*this, "l1-bytes",
                          llvm::cl::desc("L1 data cache size in bytes"),
                          llvm::cl::init(32 * 1024)};
  Option<int64_t> l2Bytes{*this, "l2-bytes",
                          llvm::cl::desc("L2 cache size in bytes"),
                          llvm::cl::init(1024 * 1024)};
};

void addPipeline(OpPassManager &pm, StringRef pipeline) {
  if (failed(parsePassPipeline(pipeline, pm)))
    llvm::report_fatal_error("vitq: malformed built-in pipeline");
}

} // namespace

void vitq::registerVitqPipelines() {
  PassPipelineRegistration<>(
      "vitq-to-integer",
      "Integer-only legalisation: I-ViT non-linears, requantisation fused "
      "into epilogues, canonicalisation, the proof that no integer "
      "intermediate overflows, and the check that no float is left between "
      "quantize and dequantize",
      [](OpPassManager &pm) {
        addPipeline(pm, kLegalize);
        addPipeline(pm, "vitq-verify-integer-only");
      });
  PassPipelineRegistration<>(
      "vitq-lower-to-llvm",
      "Expand vitq ops to linalg, bufferise and lower to the LLVM dialect "
      "(scalar loops)",
      [](OpPassManager &pm) { addPipeline(pm, kLowerToLLVM); });
  // Registered by hand to report bad options instead of aborting: the
  // options end up inside a textual pipeline.
  registerPassPipeline(
      "vitq-model-to-llvm",
      "Compile a model function (integer-only or float) to the LLVM dialect "
      "behind the runtime's entry point and metadata",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        ModelPipelineOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        StringRef prefix = options.prefix;
        if (prefix.empty() || llvm::isDigit(prefix.front()) ||
            !llvm::all_of(prefix,
                          [](char c) { return llvm::isAlnum(c) || c == '_'; }))
          return errorHandler("vitq-model-to-llvm: prefix '" + prefix +
                              "' is not a C identifier");
        if (!options.int8Isa.empty() &&
            !llvm::is_contained(getInt8KernelIsas(),
                                StringRef(options.int8Isa)))
          return errorHandler(
              "vitq-model-to-llvm: unknown int8-isa '" + options.int8Isa +
              "' (" + llvm::join(getInt8KernelIsas(), ", ") + " or empty)");
        if (options.l1Bytes <= 0 || options.l2Bytes <= 0)
          return errorHandler("vitq-model-to-llvm: cache sizes must be "
                              "positive");
        vitq::KernelTarget target{options.int8Isa, options.l1Bytes,
                                  options.l2Bytes};
        return parsePassPipeline(
            vitq::getModelToLLVMPipeline(prefix, /*remarks=*/true, target), pm);
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(ModelPipelineOptions());
      });
}

StringRef vitq::getIntegerLegalizationPipeline() { return kLegalize; }

bool vitq::isValidSymbolPrefix(StringRef prefix) {
  return !prefix.empty() && !llvm::isDigit(prefix.front()) &&
         llvm::all_of(prefix,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

std::string vitq::getModelToLLVMPipeline(StringRef symbolPrefix, bool remarks,
                                         const KernelTarget &target) {
  std::string pipeline = kModelToLLVM;
  std::string remark = remarks ? "true" : "false";
  // Without explicit kernels the pass reads the target in the IR (none:
  // no kernels).
  std::string kernels =
      "vitq-lower-kernel-calls," +
      (target.int8Isa.empty()
           ? ("vitq-int8-linear{remark=" + remark + "},")
           : ("vitq-int8-linear{isa=" + target.int8Isa +
              " l1-bytes=" + Twine(target.l1Bytes) +
              " l2-bytes=" + Twine(target.l2Bytes) + " remark=" + remark + "},")
                 .str());
  // The kernels and the memory plan work on buffers, after the
  // deallocations are placed and before the loops.
  std::string anchor = "vitq-copies-to-linalg,";
  pipeline.insert(pipeline.find(anchor) + anchor.size(),
                  kernels + "vitq-plan-memory{prefix=" + symbolPrefix.str() +
                      " remark=" + remark + "},");
  return ("vitq-emit-model-interface{prefix=" + symbolPrefix + "}," + pipeline)
      .str();
}
