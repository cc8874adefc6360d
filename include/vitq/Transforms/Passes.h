//===- Passes.h - vitq transformation passes --------------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_TRANSFORMS_PASSES_H
#define VITQ_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::vitq {

#define GEN_PASS_DECL
#include "vitq/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "vitq/Transforms/Passes.h.inc"

/// Registers the named pipelines: `vitq-to-integer` (the integer-only
/// legalisation, ending with its check) and `vitq-lower-to-llvm`.
void registerVitqPipelines();

/// The textual pipeline behind `--vitq-model-to-llvm`, exporting the
/// model's symbols as `<symbolPrefix>_run` and `<symbolPrefix>_metadata`;
/// `remarks` reports the memory plan; `vnni` uses the AVX-512 VNNI kernels
/// for linear layers (the target must have avx512f and avx512vnni).
std::string getModelToLLVMPipeline(StringRef symbolPrefix, bool remarks,
                                   bool vnni = false);

} // namespace mlir::vitq

#endif // VITQ_TRANSFORMS_PASSES_H
