//===- Dyadic.cpp - Dyadic (integer multiplier + shift) scales ------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Support/Dyadic.h"

#include "mlir/Dialect/Tosa/Utils/QuantUtils.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::vitq;

double DyadicScale::toDouble() const {
  return std::ldexp(static_cast<double>(multiplier), -shift);
}

std::optional<DyadicScale> vitq::computeDyadicScale(double scale) {
  if (!std::isfinite(scale) || scale < kMinDyadicScale ||
      scale >= kMaxDyadicScale)
    return std::nullopt;
  // TOSA's helper is the upstream definition of the same 31-bit mantissa
  // scheme; inside the bounds above it never has to clamp the shift.
  DyadicScale result;
  if (!tosa::computeMultiplierAndShift(scale, result.multiplier, result.shift,
                                       /*scaleWidth=*/32)) {
    // TOSA keeps shifts >= 2. Inside our bounds it refuses only scales whose
    // 31-bit mantissa rounds up to exactly kMaxDyadicScale.
    DyadicScale top{int32_t(1) << 30, 1};
    if (std::fabs(top.toDouble() - scale) > scale * 0x1p-31)
      return std::nullopt;
    return top;
  }
  if (result.shift < 0 || result.shift > 62 || result.multiplier <= 0)
    return std::nullopt;
  return result;
}

int64_t vitq::roundingShiftRight(__int128 value, int32_t shift) {
  if (shift == 0)
    return static_cast<int64_t>(value);
  __int128 rounded = value + (static_cast<__int128>(1) << (shift - 1));
  // Arithmetic shift of a signed value is floor division by 2^shift.
  return static_cast<int64_t>(rounded >> shift);
}

int64_t vitq::applyDyadicScale(int64_t value, int32_t multiplier,
                               int32_t shift) {
  return roundingShiftRight(static_cast<__int128>(value) * multiplier, shift);
}

int64_t vitq::saturateSigned(int64_t value, unsigned bitWidth) {
  if (bitWidth >= 64)
    return value;
  int64_t hi = (int64_t(1) << (bitWidth - 1)) - 1;
  int64_t lo = -hi - 1;
  return std::clamp(value, lo, hi);
}
