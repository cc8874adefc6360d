//===- VitqFolds.cpp - vitq folders and canonicalisation patterns ---------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Only rewrites that are exact are here: canonicalisation must never change
// the integer results that the reference semantics defines.
//
//===----------------------------------------------------------------------===//

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Support/Dyadic.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::vitq;

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // quantize(dequantize(q)) is q when both use the same parameters: every
  // dequantized value is exactly on the quantization grid.
  if (auto dequantize = getInput().getDefiningOp<DequantizeOp>())
    if (dequantize.getInput().getType() == getType())
      return dequantize.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// RequantizeOp
//===----------------------------------------------------------------------===//

/// The requantization of a single value, exactly as the op defines it.
static int64_t requantizeValue(int64_t x, RequantizeOp op, size_t channel,
                               unsigned outWidth) {
  int64_t scaled = op.getRescale().apply(x - op.getInputZp(), channel);
  return saturateSigned(scaled + op.getOutputZp(), outWidth);
}

/// Evaluates a requantize of a constant tensor.
static Attribute foldConstant(RequantizeOp op, DenseIntElementsAttr input) {
  RankedTensorType outType = op.getOutput().getType();
  unsigned outWidth = outType.getElementTypeBitWidth();
  RescaleAttr rescale = op.getRescale();
  if (rescale.isPerTensor() && input.isSplat()) {
    int64_t y = requantizeValue(input.getSplatValue<APInt>().getSExtValue(), op,
                                0, outWidth);
    return DenseElementsAttr::get(outType, APInt(outWidth, y, true));
  }
  // Channel of the flat index i along the rescale axis (row-major).
  int64_t stride = 1, channels = 1;
  if (!rescale.isPerTensor()) {
    ArrayRef<int64_t> shape = outType.getShape();
    int64_t axis = *rescale.getAxis();
    channels = shape[axis];
    for (int64_t d = axis + 1, e = shape.size(); d < e; ++d)
      stride *= shape[d];
  }
  SmallVector<APInt> values;
  values.reserve(input.getNumElements());
  int64_t i = 0;
  for (const APInt &x : input.getValues<APInt>()) {
    size_t channel = (i++ / stride) % channels;
    values.push_back(
        APInt(outWidth,
              requantizeValue(x.getSExtValue(), op, channel, outWidth), true));
  }
  return DenseElementsAttr::get(outType, values);
}

OpFoldResult RequantizeOp::fold(FoldAdaptor adaptor) {
  // Rescaling by exactly 1 between equal types and zero points is a no-op:
  // nothing rounds and nothing can saturate.
  if (getInput().getType() == getType() && getRescale().isIdentity() &&
      getInputZp() == getOutputZp())
    return getInput();
  if (auto constant =
          dyn_cast_if_present<DenseIntElementsAttr>(adaptor.getInput());
      constant && getType().hasStaticShape())
    return foldConstant(*this, constant);
  return {};
}

namespace {
/// requantize(requantize(x)) -> requantize(x) when the inner requantize is an
/// exact integer up-scaling: its factor is an integer k and no value of x's
/// type can saturate. Then the outer op sees exactly (x - zp) * k, so scaling
/// its multipliers by k gives bit-identical results. Inner rescales that
/// round or saturate are left alone: merging them would change results.
struct FoldExactRequantizeChain : public OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RequantizeOp outer,
                                PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<RequantizeOp>();
    if (!inner || !inner.getRescale().isPerTensor() ||
        inner.getOutputZp() != outer.getInputZp())
      return rewriter.notifyMatchFailure(outer, "no exact inner requantize");
    int32_t m = inner.getRescale().getMultipliers()[0];
    int32_t s = inner.getRescale().getShifts()[0];
    if (m <= 0 || s >= 31 || m % (int64_t(1) << s) != 0)
      return rewriter.notifyMatchFailure(outer, "inner factor not integral");
    int64_t k = m >> s;

    // The inner result for the extremes of x's type must not saturate.
    unsigned inWidth = inner.getInput().getType().getElementTypeBitWidth();
    unsigned midWidth = inner.getType().getElementTypeBitWidth();
    int64_t lo = -(int64_t(1) << (inWidth - 1)), hi = -lo - 1;
    for (int64_t x : {lo, hi}) {
      int64_t y = (x - inner.getInputZp()) * k + inner.getOutputZp();
      if (saturateSigned(y, midWidth) != y)
        return rewriter.notifyMatchFailure(outer, "inner may saturate");
    }

    RescaleAttr rescale = outer.getRescale();
    SmallVector<int32_t> multipliers;
    SmallVector<int32_t> shifts;
    for (auto [om, os] :
         llvm::zip(rescale.getMultipliers(), rescale.getShifts())) {
      // Normalised multipliers are >= 2^30, so m * k usually overflows; halve
      // even products into the shift, which leaves every result unchanged:
      // floor((2a + 2^(s-1)) / 2^s) == floor((a + 2^(s-2)) / 2^(s-1)).
      int64_t product = static_cast<int64_t>(om) * k;
      int32_t shift = os;
      auto fits = [](int64_t v) {
        return v <= std::numeric_limits<int32_t>::max() &&
               v > std::numeric_limits<int32_t>::min();
      };
      while (!fits(product) && shift > 0 && product % 2 == 0) {
        product /= 2;
        --shift;
      }
      if (!fits(product))
        return rewriter.notifyMatchFailure(outer, "multiplier overflows");
      multipliers.push_back(static_cast<int32_t>(product));
      shifts.push_back(shift);
    }
    auto merged =
        RescaleAttr::get(getContext(), multipliers, shifts, rescale.getAxis());
    rewriter.replaceOpWithNewOp<RequantizeOp>(
        outer, outer.getType(), inner.getInput(), merged,
        inner.getInputZpAttr(), outer.getOutputZpAttr());
    return success();
  }
};
} // namespace

void RequantizeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *context) {
  results.add<FoldExactRequantizeChain>(context);
}
