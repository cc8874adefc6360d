//===- Dyadic.h - Dyadic (integer multiplier + shift) scales ----*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Integer-only requantisation replaces a real rescale factor M by the dyadic
// number multiplier * 2^-shift. This header is the single definition of that
// approximation and of the rounding every vitq lowering must reproduce.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_SUPPORT_DYADIC_H
#define VITQ_SUPPORT_DYADIC_H

#include <cstdint>
#include <optional>

namespace mlir::vitq {

/// A real scale approximated as `multiplier * 2^-shift`.
struct DyadicScale {
  int32_t multiplier = 0;
  int32_t shift = 0;

  /// The real number this dyadic scale stands for.
  double toDouble() const;
};

/// Bounds of the scales `computeDyadicScale` accepts: TOSA's right shift
/// range [2, 62] with a 31-bit mantissa. Below them mantissa bits would be
/// lost; above them (factors over 5e8, which no requantisation needs) the
/// shift would drop under 2.
constexpr double kMinDyadicScale = 0x1p-32;
constexpr double kMaxDyadicScale = 0x1p29;
constexpr int32_t kMaxDyadicShift = 63;

/// Approximates `scale` by `multiplier * 2^-shift` with `multiplier` in
/// [2^30, 2^31) and `shift` in [1, 62], so the relative error is at most
/// 2^-31. Returns std::nullopt for scales that are not finite or lie outside
/// [kMinDyadicScale, kMaxDyadicScale).
std::optional<DyadicScale> computeDyadicScale(double scale);

/// The rounding right shift all of vitq uses: floor((value + 2^(shift-1)) /
/// 2^shift), i.e. round half towards positive infinity. `shift` must be in
/// [0, 63]; a zero shift returns `value` unchanged.
int64_t roundingShiftRight(__int128 value, int32_t shift);

/// `roundingShiftRight(value * multiplier, shift)`, the rescale of one value.
int64_t applyDyadicScale(int64_t value, int32_t multiplier, int32_t shift);

/// Saturates `value` to the range of a signed integer of `bitWidth` bits.
int64_t saturateSigned(int64_t value, unsigned bitWidth);

} // namespace mlir::vitq

#endif // VITQ_SUPPORT_DYADIC_H
