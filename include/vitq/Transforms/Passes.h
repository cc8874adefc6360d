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

/// Registers the named pipelines: `vitq-to-integer` (the integer-only
/// legalisation, ending with its check) and `vitq-lower-to-llvm`.
void registerVitqPipelines();

/// What the model pipeline generates kernels for: the int8 instruction set
/// of `vitq-int8-linear` ("avx512vnni", "avx512bw" or "avx2"; empty for
/// portable loops) and the cache sizes its tiles are chosen for.
struct KernelTarget {
  std::string int8Isa;
  int64_t l1Bytes = 32 * 1024;
  int64_t l2Bytes = 1024 * 1024;
};

/// Whether `prefix` can prefix the exported symbols: a C identifier, which
/// programs can declare (and which fits in a textual pipeline option).
bool isValidSymbolPrefix(StringRef prefix);

/// The integer legalisation of `--vitq-to-integer` without its final
/// integer-only check: what vitq-compile (which reports float islands
/// itself) and the fuzz targets run. It ends with vitq-check-overflow.
StringRef getIntegerLegalizationPipeline();

/// The textual pipeline behind `--vitq-model-to-llvm`, exporting the
/// model's symbols as `<symbolPrefix>_run` and `<symbolPrefix>_metadata`;
/// `remarks` reports the memory plan and the kernels' tiles.
std::string getModelToLLVMPipeline(StringRef symbolPrefix, bool remarks,
                                   const KernelTarget &target = {});

} // namespace mlir::vitq

#endif // VITQ_TRANSFORMS_PASSES_H
