//===- RescaleAttrTest.cpp - Tests of #vitq.rescale -----------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The textual syntax cannot express every malformed rescale (it always pairs
// multipliers with shifts), so the checks only reachable from C++ builders
// are tested here.
//
//===----------------------------------------------------------------------===//

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Support/Dyadic.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::vitq;

namespace {

class RescaleAttrTest : public ::testing::Test {
protected:
  RescaleAttrTest() { context.loadDialect<VitqDialect>(); }

  /// Builds a rescale through the checked builder and returns the diagnostic
  /// it reported, or "" when it was valid.
  std::string check(ArrayRef<int32_t> multipliers, ArrayRef<int32_t> shifts,
                    std::optional<int64_t> axis) {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      message = diag.str();
      return success();
    });
    RescaleAttr::getChecked(
        [&] { return emitError(UnknownLoc::get(&context)); }, &context,
        multipliers, shifts, axis);
    return message;
  }

  MLIRContext context;
};

TEST_F(RescaleAttrTest, AcceptsWellFormed) {
  EXPECT_EQ(check({1 << 30}, {30}, std::nullopt), "");
  EXPECT_EQ(check({1, 2, 3}, {0, 1, 63}, 2), "");
}

TEST_F(RescaleAttrTest, RejectsLengthMismatch) {
  EXPECT_EQ(check({1, 2}, {3}, 0), "rescale has 2 multipliers but 1 shifts");
}

TEST_F(RescaleAttrTest, RejectsPerTensorWithSeveralFactors) {
  EXPECT_EQ(check({1, 2}, {3, 4}, std::nullopt),
            "a per-tensor rescale has exactly one multiplier; give an axis "
            "for per-channel factors");
}

TEST_F(RescaleAttrTest, IdentityAndApply) {
  auto one = RescaleAttr::get(&context, 1 << 30, 30);
  EXPECT_TRUE(one.isIdentity());
  EXPECT_EQ(one.apply(-7, 0), -7);
  std::optional<DyadicScale> third = computeDyadicScale(1.0 / 3.0);
  ASSERT_TRUE(third.has_value());
  auto perChannel =
      RescaleAttr::get(&context, ArrayRef<int32_t>{1 << 30, third->multiplier},
                       ArrayRef<int32_t>{30, third->shift}, int64_t(1));
  EXPECT_FALSE(perChannel.isIdentity());
  EXPECT_EQ(perChannel.apply(9, 0), 9);
  EXPECT_EQ(perChannel.apply(9, 1), 3);
  EXPECT_EQ(perChannel.apply(-3, 1), -1);
}

} // namespace
