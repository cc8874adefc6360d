//===- Pipelines.cpp - Named vitq pass pipelines --------------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The pipelines vitq-compile, vitq-opt and the fuzz targets run, built pass
// by pass (the textual names in the comments are what vitq-opt spells).
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "vitq/Conversion/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::vitq;

namespace {

/// `--vitq-model-to-llvm`'s options.
struct ModelPipelineOptions : PassPipelineOptions<ModelPipelineOptions> {
  Option<std::string> prefix{*this, "prefix",
                             llvm::cl::desc("Prefix of the exported symbols"),
                             llvm::cl::init("vitq_model")};
  Option<bool> remarks{*this, "remarks",
                       llvm::cl::desc("Report the memory plan as remarks"),
                       llvm::cl::init(true)};
};

/// one-shot-bufferize{bufferize-function-boundaries
///   function-boundary-type-conversion=identity-layout-map}
std::unique_ptr<Pass> createBufferizePass() {
  bufferization::OneShotBufferizePassOptions options;
  options.bufferizeFunctionBoundaries = true;
  options.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  return bufferization::createOneShotBufferizePass(options);
}

/// Loops to the LLVM dialect: the tail every pipeline shares.
void addLoopsToLLVM(OpPassManager &pm, bool vectors) {
  pm.addPass(arith::createArithExpandOpsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  if (vectors)
    pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

} // namespace

void vitq::buildIntegerLegalizationPipeline(OpPassManager &pm) {
  pm.addPass(createVitqLegalizeNonlinear());
  pm.addPass(createVitqFuseRequant());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createVitqCheckOverflow());
}

void vitq::buildLowerToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createConvertVitqToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createBufferizePass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertLinalgToLoopsPass());
  addLoopsToLLVM(pm, /*vectors=*/false);
}

void vitq::buildModelToLLVMPipeline(OpPassManager &pm, StringRef symbolPrefix,
                                    bool remarks) {
  VitqEmitModelInterfaceOptions interface;
  interface.prefix = symbolPrefix.str();
  pm.addPass(createVitqEmitModelInterface(interface));
  // Contractions onto the kernel library (where the target has it), the
  // rest to linalg with the remaining contractions' loops ordered for
  // LLVM's vectoriser.
  pm.addPass(createVitqUseKernels());
  pm.addPass(createConvertVitqToLinalg());
  pm.addPass(createVitqContractionLoopOrder());
  // The model function inlined into the entry, so that bufferisation
  // writes outputs into the caller's buffers. No CSE before bufferisation:
  // merging the identical zero-filled accumulators of two reductions makes
  // the second one a copy.
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(createBufferizePass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createVitqCopiesToLinalg());
  // Kernel calls and the memory plan work on buffers, after the
  // deallocations are placed and before the loops.
  pm.addPass(createVitqLowerKernelCalls());
  VitqPlanMemoryOptions plan;
  plan.prefix = symbolPrefix.str();
  plan.remark = remarks;
  pm.addPass(createVitqPlanMemory(plan));
  // Parallel dimensions stay scf.parallel: large nests then run in pieces
  // on the kernel library's threads.
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  {
    arith::ArithIntRangeNarrowingOptions narrow;
    narrow.bitwidthsSupported = {32};
    pm.addPass(arith::createArithIntRangeNarrowing(narrow));
  }
  pm.addPass(createVitqOutlineLoopNests());
  pm.addPass(createVitqSplitLoopNests());
  VitqProfileLayersOptions profile;
  profile.prefix = symbolPrefix.str();
  pm.addPass(createVitqProfileLayers(profile));
  pm.addPass(createVitqApproximateMath());
  addLoopsToLLVM(pm, /*vectors=*/true);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createVitqDispatchLoopNests());
}

bool vitq::isValidSymbolPrefix(StringRef prefix) {
  return !prefix.empty() && !llvm::isDigit(prefix.front()) &&
         llvm::all_of(prefix,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

void vitq::registerVitqPipelines() {
  PassPipelineRegistration<>(
      "vitq-to-integer",
      "Integer-only legalisation: I-ViT non-linears, requantisation fused "
      "into epilogues, canonicalisation, the proof that no integer "
      "intermediate overflows, and the check that no float is left between "
      "quantize and dequantize",
      [](OpPassManager &pm) {
        buildIntegerLegalizationPipeline(pm);
        pm.addPass(createVitqVerifyIntegerOnly());
      });
  PassPipelineRegistration<>(
      "vitq-lower-to-llvm",
      "Expand vitq ops to linalg, bufferise and lower to the LLVM dialect "
      "(scalar loops)",
      buildLowerToLLVMPipeline);
  // Registered by hand to report a bad prefix instead of aborting.
  registerPassPipeline(
      "vitq-model-to-llvm",
      "Compile a model function (integer-only or float) to the LLVM dialect "
      "behind the runtime's entry point and metadata, contractions on the "
      "kernel library where the module's target has it",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        ModelPipelineOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        if (!isValidSymbolPrefix(options.prefix))
          return errorHandler("vitq-model-to-llvm: prefix '" + options.prefix +
                              "' is not a C identifier");
        buildModelToLLVMPipeline(pm, options.prefix, options.remarks);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(ModelPipelineOptions());
      });
}
