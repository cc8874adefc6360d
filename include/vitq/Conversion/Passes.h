//===- Passes.h - vitq conversion passes ------------------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_CONVERSION_PASSES_H
#define VITQ_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::vitq {

#define GEN_PASS_DECL
#include "vitq/Conversion/Passes.h.inc"

/// Registers the vitq dialect and its external interface models (the
/// bufferisation of vitq.packed_linear): what every tool's registry needs.
void registerVitqDialectAndModels(DialectRegistry &registry);

/// How many contractions in `root` call the kernel library (before or
/// after the lowering to the LLVM dialect).
struct KernelLibraryCalls {
  /// Linear layers and convolutions (constant weights).
  int64_t linear = 0;
  /// Matrix products of two run-time operands.
  int64_t matmul = 0;
  /// The same in FP32.
  int64_t linearF32 = 0, matmulF32 = 0;
};
KernelLibraryCalls countKernelLibraryCalls(Operation *root);

/// Where the int8 kernel calls vitq-lower-kernel-calls emits take their
/// `output_bits` argument (runtime/include/vitq/kernels.h).
constexpr unsigned kLinearI8OutputBitsOperand = 11;
constexpr unsigned kMatmulI8OutputBitsOperand = 16;

#define GEN_PASS_REGISTRATION
#include "vitq/Conversion/Passes.h.inc"

} // namespace mlir::vitq

#endif // VITQ_CONVERSION_PASSES_H
