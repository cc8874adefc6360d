//===- OverflowBounds.h - Ranges of integer intermediates -------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Interval bounds on every intermediate that the integer semantics of a vitq
// op compute in a fixed-width register: the int32 accumulators of matmul,
// linear and conv2d, and the 64-bit products, sums and shifts of the
// rescaling and I-ViT ops. Bounds come from the operands' bit widths (or the
// exact values of constant operands), the reduction lengths and the ops'
// constant attributes, in 128-bit arithmetic so that the bound itself never
// wraps. Where an op's semantics saturate (every narrowing to int8/int16),
// the result's type range is what its users see.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_ANALYSIS_OVERFLOWBOUNDS_H
#define VITQ_ANALYSIS_OVERFLOWBOUNDS_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mlir::vitq {

/// A closed integer interval [lo, hi] in 128 bits, wide enough for sums and
/// products of 64-bit bounds.
struct IntRange {
  __int128 lo = 0, hi = 0;

  /// Whether every value fits a signed integer of `bits` bits.
  bool fitsSigned(unsigned bits) const;
  /// The range of all signed (or unsigned) `bits`-bit integers.
  static IntRange ofWidth(unsigned bits, bool isUnsigned = false);
  /// "[lo, hi]" in decimal.
  std::string str() const;
};

/// One fixed-width intermediate of an op's integer semantics.
struct IntermediateBound {
  /// What it is, e.g. "int32 accumulator".
  std::string what;
  /// Where the bound comes from, e.g. "K = 768 products in [-16256, 16384]".
  std::string why;
  IntRange range;
  /// The width it is computed in.
  unsigned bits = 32;

  bool fits() const { return range.fitsSigned(bits); }
};

/// Bounds on the element values of integer tensors: the exact extremes of
/// constants, the range of a saturating op's result type, the union of the
/// sources of data-movement ops, otherwise the element type's range.
/// Memoised per value.
class ValueRanges {
public:
  IntRange get(Value value);

private:
  /// Chains of data-movement ops deeper than this get the type's range.
  static constexpr unsigned kMaxDepth = 64;
  IntRange get(Value value, unsigned depth);
  llvm::DenseMap<Value, IntRange> cache;
};

/// The fixed-width intermediates of `op` with their bounds; empty for ops
/// without integer arithmetic (or with float semantics).
SmallVector<IntermediateBound> boundIntermediates(Operation *op,
                                                  ValueRanges &ranges);

} // namespace mlir::vitq

#endif // VITQ_ANALYSIS_OVERFLOWBOUNDS_H
