//===- VitqOps.h - vitq attributes and operations ---------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_DIALECT_VITQ_VITQOPS_H
#define VITQ_DIALECT_VITQ_VITQOPS_H

#include "vitq/Dialect/Vitq/VitqDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::vitq {
/// The longest vitq.ilayernorm rows: sum((N * (x - mean))^2) <= N^3 *
/// 2^(2w - 2) must stay within 2^62 for w-bit input.
constexpr int64_t kMaxRowInt8 = 65536;
constexpr int64_t kMaxRowInt16 = 1625;

/// vitq.activation's function `kind` (sigmoid, silu, hard_sigmoid,
/// hard_swish, relu) of the real value `x`; `alpha` and `beta` are
/// hard_sigmoid's.
double evaluateActivation(llvm::StringRef kind, double x, double alpha,
                          double beta);

/// The elements window `o` of an average pool covers along a dimension of
/// `size` elements (kernel `kernel`, stride `stride`, `padBefore` leading
/// padding): the padding counts only when `includePad`.
int64_t poolWindowCount(int64_t size, int64_t kernel, int64_t stride,
                        int64_t padBefore, bool includePad, int64_t o);
} // namespace mlir::vitq

#define GET_ATTRDEF_CLASSES
#include "vitq/Dialect/Vitq/VitqAttrs.h.inc"

#define GET_OP_CLASSES
#include "vitq/Dialect/Vitq/VitqOps.h.inc"

#endif // VITQ_DIALECT_VITQ_VITQOPS_H
