//===- IntegerMath.cpp - Scalar integer semantics of the non-linears -----===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Support/IntegerMath.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>

namespace mlir::vitq {

int64_t shiftExp(int64_t t, int64_t x0, int64_t n) {
  // >> of a negative value: arithmetic with every compiler vitq supports
  // (and by definition from C++20).
  int64_t u = t + (t >> 1) - (t >> 4);
  u = std::max(u, n * x0);
  int64_t q = llvm::divideFloorSigned(u, x0);
  int64_t r = u - q * x0;
  return ((r >> 1) - x0) << (n - q);
}

int64_t shiftGeluScaled(int64_t v) {
  return v + (v >> 1) + (v >> 3) + (v >> 4);
}

int64_t shiftGeluSigmoid(int64_t v, int64_t rowMax, int64_t x0, int64_t n) {
  int64_t m = std::max(rowMax, int64_t{0});
  int64_t e1 = shiftExp(shiftGeluScaled(v) - m, x0, n);
  int64_t e2 = shiftExp(-m, x0, n);
  int64_t f = kReciprocalOne / (e1 + e2);
  return (e1 * f) >> 47;
}

} // namespace mlir::vitq
