//===- Passes.h - vitq transformation passes --------------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_TRANSFORMS_PASSES_H
#define VITQ_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

#include <string>

namespace mlir::vitq {

#define GEN_PASS_DECL
#include "vitq/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "vitq/Transforms/Passes.h.inc"

/// Registers the named pipelines: `vitq-to-integer`, `vitq-lower-to-llvm`
/// and `vitq-model-to-llvm`.
void registerVitqPipelines();

/// Whether `prefix` can prefix the exported symbols: a C identifier, which
/// programs can declare.
bool isValidSymbolPrefix(StringRef prefix);

/// The integer legalisation of `--vitq-to-integer` without its final
/// integer-only check: what vitq-compile (which reports float islands
/// itself) and the fuzz targets run. It ends with vitq-check-overflow.
void buildIntegerLegalizationPipeline(OpPassManager &pm);

/// `--vitq-lower-to-llvm`: the reference code generation (vitq ops
/// expanded to linalg, scalar loops) that the JIT tests run.
void buildLowerToLLVMPipeline(OpPassManager &pm);

/// `--vitq-model-to-llvm`: a model function to the LLVM dialect behind the
/// runtime's entry points `<symbolPrefix>_run` and `<symbolPrefix>_metadata`,
/// contractions on the kernel library where the module's target has it;
/// `remarks` reports the memory plan.
void buildModelToLLVMPipeline(OpPassManager &pm, StringRef symbolPrefix,
                              bool remarks);

} // namespace mlir::vitq

#endif // VITQ_TRANSFORMS_PASSES_H
