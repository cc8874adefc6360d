//===- FloatIslands.h - Float computation inside quantized regions -*- C++ -*-//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A float island is an op that computes in floating point although it sits
// between a vitq.dequantize and a vitq.quantize: the integer-only pipeline
// has to replace it (or get ranges for it from calibration) before the model
// can run without floats. The importer reports islands; the integer-only
// check rejects them.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_ANALYSIS_FLOATISLANDS_H
#define VITQ_ANALYSIS_FLOATISLANDS_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::vitq {

/// The ops under `root` that take or produce floats, are reached from the
/// result of a vitq.dequantize and reach the operand of a vitq.quantize,
/// in program order. Quantize and dequantize themselves are not islands.
SmallVector<Operation *> findFloatIslands(Operation *root);

/// Emits a remark for each float island under `root` and returns how many
/// there are.
size_t reportFloatIslands(Operation *root);

} // namespace mlir::vitq

#endif // VITQ_ANALYSIS_FLOATISLANDS_H
