//===- IntegerMath.h - Scalar integer semantics of the non-linears -*- C++
//-*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The shift exponential and ShiftGELU's sigmoid of docs/integer-semantics.md
// on scalars, for what the compiler evaluates ahead of time (the lookup
// tables of 8-bit Shiftmax and ShiftGELU). The IR the lowering builds
// computes the same functions; the NumPy reference in test/reference is the
// independent definition both are tested against.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_SUPPORT_INTEGERMATH_H
#define VITQ_SUPPORT_INTEGERMATH_H

#include <cstdint>

namespace mlir::vitq {

/// The numerator of the per-row reciprocals, 2^62.
constexpr int64_t kReciprocalOne = int64_t{1} << 62;

/// `shiftexp(t)` for t <= 0: about 2^n * |x0| * e^(t / |x0|).
int64_t shiftExp(int64_t t, int64_t x0, int64_t n);

/// ShiftGELU's 1.6875 x as shift-adds.
int64_t shiftGeluScaled(int64_t v);

/// ShiftGELU's sigmoid at scale 2^-15 of an input `v` (zero point removed)
/// in a row whose maximum of `shiftGeluScaled` is `rowMax`.
int64_t shiftGeluSigmoid(int64_t v, int64_t rowMax, int64_t x0, int64_t n);

} // namespace mlir::vitq

#endif // VITQ_SUPPORT_INTEGERMATH_H
