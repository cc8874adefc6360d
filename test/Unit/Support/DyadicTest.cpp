//===- DyadicTest.cpp - Tests of the dyadic scale computation -------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Support/Dyadic.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using namespace mlir::vitq;

namespace {

constexpr double kMaxRelativeError = 0x1p-30;

/// Checks the representation invariants and the accuracy of one scale.
void expectAccurate(double scale) {
  std::optional<DyadicScale> dyadic = computeDyadicScale(scale);
  ASSERT_TRUE(dyadic.has_value()) << "scale " << scale;
  EXPECT_GE(dyadic->multiplier, int32_t(1) << 30) << "scale " << scale;
  EXPECT_GE(dyadic->shift, 0) << "scale " << scale;
  EXPECT_LE(dyadic->shift, 62) << "scale " << scale;
  double relative = std::fabs(dyadic->toDouble() - scale) / scale;
  EXPECT_LE(relative, kMaxRelativeError) << "scale " << scale;
}

TEST(DyadicScale, RandomScalesAreAccurate) {
  std::mt19937_64 rng(20261123);
  // Log-uniform over the whole supported range, so every shift is hit.
  std::uniform_real_distribution<double> exponent(std::log2(kMinDyadicScale),
                                                  std::log2(kMaxDyadicScale));
  for (int i = 0; i < 10000; ++i)
    expectAccurate(std::exp2(exponent(rng)));
}

TEST(DyadicScale, RealisticRequantScalesAreAccurate) {
  // s_x * s_w / s_out for typical int8 ViT layers lies in [1e-6, 1e2].
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-20.0, 7.0);
  for (int i = 0; i < 10000; ++i)
    expectAccurate(std::exp2(exponent(rng)));
}

TEST(DyadicScale, PowersOfTwoAreExact) {
  for (int e = -32; e < 29; ++e) {
    std::optional<DyadicScale> dyadic = computeDyadicScale(std::ldexp(1.0, e));
    ASSERT_TRUE(dyadic.has_value()) << "2^" << e;
    EXPECT_EQ(dyadic->multiplier, int32_t(1) << 30) << "2^" << e;
    EXPECT_EQ(dyadic->shift, 30 - e) << "2^" << e;
  }
}

TEST(DyadicScale, OneIsHalfTimesTwo) {
  std::optional<DyadicScale> one = computeDyadicScale(1.0);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->multiplier, 1 << 30);
  EXPECT_EQ(one->shift, 30);
}

TEST(DyadicScale, MantissaRoundingCarriesIntoTheExponent) {
  // Just below a power of two the 31-bit mantissa rounds up to 2^31, which
  // must renormalise to 2^30 with one less shift.
  double scale = std::nextafter(0.5, 0.0);
  std::optional<DyadicScale> dyadic = computeDyadicScale(scale);
  ASSERT_TRUE(dyadic.has_value());
  EXPECT_EQ(dyadic->multiplier, 1 << 30);
  EXPECT_EQ(dyadic->shift, 31);
}

TEST(DyadicScale, RangeEdges) {
  expectAccurate(kMinDyadicScale);
  expectAccurate(std::nextafter(kMaxDyadicScale, 0.0) * (1 - 0x1p-20));
  // The mantissa rounds up to exactly kMaxDyadicScale.
  expectAccurate(std::nextafter(kMaxDyadicScale, 0.0));
  EXPECT_EQ(computeDyadicScale(std::nextafter(kMaxDyadicScale, 0.0))->shift, 1);
  expectAccurate(std::nextafter(kMinDyadicScale, 1.0));
  EXPECT_EQ(computeDyadicScale(kMinDyadicScale)->shift, 62);
}

TEST(DyadicScale, RejectsUnrepresentableScales) {
  for (double scale :
       {0.0, -1.0, -0x1p-10, std::nextafter(kMinDyadicScale, 0.0),
        kMaxDyadicScale, 1e300, std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN(),
        std::numeric_limits<double>::denorm_min()})
    EXPECT_FALSE(computeDyadicScale(scale).has_value()) << "scale " << scale;
}

TEST(RoundingShiftRight, RoundsHalfTowardsPositiveInfinity) {
  EXPECT_EQ(roundingShiftRight(5, 1), 3);   // 2.5 -> 3
  EXPECT_EQ(roundingShiftRight(-5, 1), -2); // -2.5 -> -2
  EXPECT_EQ(roundingShiftRight(-6, 2), -1); // -1.5 -> -1
  EXPECT_EQ(roundingShiftRight(-7, 2), -2); // -1.75 -> -2
  EXPECT_EQ(roundingShiftRight(7, 0), 7);
  EXPECT_EQ(roundingShiftRight(std::numeric_limits<int64_t>::max(), 63), 1);
  EXPECT_EQ(roundingShiftRight(std::numeric_limits<int64_t>::min(), 63), -1);
}

TEST(ApplyDyadicScale, MatchesRealScaleOnExtremes) {
  // int32 accumulator extremes times the largest multiplier cannot overflow.
  std::optional<DyadicScale> dyadic = computeDyadicScale(0.0123);
  ASSERT_TRUE(dyadic.has_value());
  for (int64_t x : {int64_t(std::numeric_limits<int32_t>::min()),
                    int64_t(std::numeric_limits<int32_t>::max()), int64_t(0),
                    int64_t(-1), int64_t(1)}) {
    int64_t got = applyDyadicScale(x, dyadic->multiplier, dyadic->shift);
    EXPECT_LE(std::fabs(got - x * 0.0123), 1.0) << "x " << x;
  }
  EXPECT_EQ(applyDyadicScale(std::numeric_limits<int32_t>::min(),
                             std::numeric_limits<int32_t>::max(), 0),
            int64_t(std::numeric_limits<int32_t>::min()) *
                std::numeric_limits<int32_t>::max());
}

TEST(SaturateSigned, ClampsToTheTypeRange) {
  EXPECT_EQ(saturateSigned(200, 8), 127);
  EXPECT_EQ(saturateSigned(-200, 8), -128);
  EXPECT_EQ(saturateSigned(-5, 8), -5);
  EXPECT_EQ(saturateSigned(40000, 16), 32767);
  EXPECT_EQ(saturateSigned(-40000, 16), -32768);
  EXPECT_EQ(saturateSigned(int64_t(1) << 40, 32),
            std::numeric_limits<int32_t>::max());
}

} // namespace
