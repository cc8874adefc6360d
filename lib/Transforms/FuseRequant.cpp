//===- FuseRequant.cpp - Fold requantisation into integer epilogues -------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Rewrites that move rescaling work into the int32 epilogues of linear and
// conv2d, so each tensor is rounded once:
//
// - Q(DQ(x)) with different parameters becomes one vitq.requantize.
// - A requantize of an accumulator-only linear/conv2d becomes its fused
//   rescale (exact: the epilogue computes the same expression).
// - A constant-weight linear's input zero point moves into its bias
//   (exact: sum_k (x - z) w = sum_k x w - z sum_k w).
// - A vitq.add of a rescaled linear/conv2d and a constant (a bias added
//   after the requantisation, as QDQ exports write it) folds the constant
//   into the int32 bias and the add's factor into the rescale.
// - A vitq.add of a requantized int8/int16 value takes the requantize's
//   factor into its multiplier for that operand.
//
// The last two remove an intermediate rounding and saturation, so they are
// not bit-identical to the unfused IR; they are closer to the float model.
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Dialect/Vitq/VitqQuant.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQFUSEREQUANT
#include "vitq/Transforms/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

namespace {

/// The real value of each channel's dyadic factor.
SmallVector<double> rescaleFactors(RescaleAttr rescale) {
  SmallVector<double> factors;
  for (auto [m, s] : llvm::zip(rescale.getMultipliers(), rescale.getShifts()))
    factors.push_back(std::ldexp(static_cast<double>(m), -s));
  return factors;
}

/// vitq.quantize(vitq.dequantize(x)) between per-tensor types becomes a
/// requantize of the storage integers.
struct FoldQuantizeChain : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto dq = op.getInput().getDefiningOp<DequantizeOp>();
    if (!dq)
      return failure();
    auto in = dyn_cast<quant::UniformQuantizedType>(
        dq.getInput().getType().getElementType());
    auto out = dyn_cast<quant::UniformQuantizedType>(
        op.getOutput().getType().getElementType());
    // vitq.requantize reads int8/16/32 and writes int8/16 signed storage.
    // Its saturation is to the full storage range, so narrow-range result
    // types keep their quantize.
    if (!in || !out || !in.isSigned() || !out.isSigned() ||
        out.getStorageTypeIntegralWidth() > 16 ||
        out.getStorageTypeMin() !=
            out.getDefaultMinimumForInteger(
                true, out.getStorageTypeIntegralWidth()) ||
        out.getStorageTypeMax() != out.getDefaultMaximumForInteger(
                                       true, out.getStorageTypeIntegralWidth()))
      return failure();
    FailureOr<RescaleAttr> rescale = getRescaleAttr(
        getContext(), {in.getScale() / out.getScale()}, std::nullopt);
    if (failed(rescale))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType type = op.getOutput().getType();
    Value storage = quant::StorageCastOp::create(
        rewriter, loc, dq.getInput().getType().clone(getStorageIntegerType(in)),
        dq.getInput());
    Value result = RequantizeOp::create(
        rewriter, loc, type.clone(getStorageIntegerType(out)), storage,
        *rescale, in.getZeroPoint(), out.getZeroPoint());
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, type, result);
    return success();
  }
};

/// requantize(linear/conv2d without rescale) -> the fused epilogue.
template <typename Op>
struct FuseRequantizeIntoEpilogue : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern<RequantizeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().template getDefiningOp<Op>();
    if (!producer || producer.getRescaleAttr() || op.getInputZp() != 0 ||
        !producer->hasOneUse())
      return failure();
    RescaleAttr rescale = op.getRescale();
    // The epilogue's per-channel axis is fixed: the last dimension for
    // linear, dimension 1 for conv2d.
    int64_t channelAxis = std::is_same_v<Op, LinearOp>
                              ? op.getOutput().getType().getRank() - 1
                              : 1;
    if (!rescale.isPerTensor() && *rescale.getAxis() != channelAxis)
      return failure();
    rewriter.modifyOpInPlace(producer, [&] {
      producer.setRescaleAttr(rescale);
      producer.setOutputZp(op.getOutputZp());
      producer.getOutput().setType(op.getOutput().getType());
    });
    rewriter.replaceOp(op, producer.getOutput());
    return success();
  }
};

/// linear with input zero point z and constant weight: bias -= z * colsum.
struct FoldLinearInputZeroPoint : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    int64_t zp = op.getInputZp();
    if (zp == 0)
      return failure();
    std::optional<SmallVector<int64_t>> weight =
        getConstantInts(op.getWeight());
    RankedTensorType wt = op.getWeight().getType();
    if (!weight || !wt.hasStaticShape())
      return failure();
    bool transposed = op.getTransposeWeight();
    int64_t n = wt.getDimSize(transposed ? 0 : 1);
    int64_t k = wt.getDimSize(transposed ? 1 : 0);
    SmallVector<int64_t> bias(n, 0);
    if (Value b = op.getBias()) {
      std::optional<SmallVector<int64_t>> values = getConstantInts(b);
      if (!values)
        return failure();
      bias = *values;
    }
    SmallVector<int32_t> folded;
    for (int64_t j = 0; j < n; ++j) {
      int64_t sum = 0;
      for (int64_t i = 0; i < k; ++i)
        sum += (*weight)[transposed ? j * k + i : i * n + j];
      int64_t value = bias[j] - zp * sum;
      if (value < INT32_MIN || value > INT32_MAX)
        return failure();
      folded.push_back(static_cast<int32_t>(value));
    }
    auto biasType = RankedTensorType::get({n}, rewriter.getI32Type());
    Value newBias = arith::ConstantOp::create(
        rewriter, op.getLoc(), DenseIntElementsAttr::get(biasType, folded));
    rewriter.modifyOpInPlace(op, [&] {
      op.getBiasMutable().assign(newBias);
      op.setInputZp(0);
    });
    return success();
  }
};

/// add(rescaled linear/conv2d, constant) -> linear/conv2d with the constant
/// in its bias and the add's factor in its rescale.
template <typename Op>
struct FoldConstantAddIntoEpilogue : OpRewritePattern<AddOp> {
  using OpRewritePattern<AddOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    for (bool producerOnLeft : {true, false}) {
      Value producerValue = producerOnLeft ? op.getLhs() : op.getRhs();
      Value constant = producerOnLeft ? op.getRhs() : op.getLhs();
      auto producer = producerValue.template getDefiningOp<Op>();
      if (!producer || !producer.getRescaleAttr() || !producer->hasOneUse() ||
          producer.getOutput().getType().getShape() !=
              op.getOutput().getType().getShape())
        continue;
      if (succeeded(fold(op, producer, constant, producerOnLeft, rewriter)))
        return success();
    }
    return failure();
  }

  LogicalResult fold(AddOp op, Op producer, Value constant, bool onLeft,
                     PatternRewriter &rewriter) const {
    std::optional<SmallVector<int64_t>> values = getConstantInts(constant);
    if (!values)
      return failure();
    RankedTensorType out = op.getOutput().getType();
    auto ct = cast<RankedTensorType>(constant.getType());
    if (!out.hasStaticShape() || !ct.hasStaticShape())
      return failure();
    int64_t rank = out.getRank();
    int64_t channelAxis = std::is_same_v<Op, LinearOp> ? rank - 1 : 1;
    int64_t channels = out.getDimSize(channelAxis);
    // The constant must vary along the channel axis only.
    SmallVector<int64_t> perChannel(channels);
    int64_t offset = rank - ct.getRank();
    for (int64_t d = 0; d < ct.getRank(); ++d)
      if (ct.getDimSize(d) != 1 && d + offset != channelAxis)
        return failure();
    // The constant may have fewer dims than the output (NumPy broadcast);
    // the channel axis is then possibly outside it.
    int64_t constantAxis = channelAxis - offset;
    int64_t stride = 1;
    for (int64_t d = std::max<int64_t>(0, constantAxis + 1); d < ct.getRank();
         ++d)
      stride *= ct.getDimSize(d);
    bool channelInConstant =
        constantAxis >= 0 && ct.getDimSize(constantAxis) != 1;
    for (int64_t c = 0; c < channels; ++c)
      perChannel[c] = (*values)[channelInConstant ? c * stride : 0];

    // The add: y = round(((p - zp_p) * m_p + (c - zp_c) * m_c) / 2^s) + zp.
    double unit = std::ldexp(1.0, -op.getShift());
    double producerFactor =
        (onLeft ? op.getLhsMultiplier() : op.getRhsMultiplier()) * unit;
    double constantFactor =
        (onLeft ? op.getRhsMultiplier() : op.getLhsMultiplier()) * unit;
    int64_t producerZp = onLeft ? op.getLhsZp() : op.getRhsZp();
    int64_t constantZp = onLeft ? op.getRhsZp() : op.getLhsZp();
    if (producerZp != producer.getOutputZp() || producerFactor <= 0)
      return failure();
    // p - zp_p = r_c(acc), so y ~= r_c * m_p * (acc + (c - zp_c) m_c /
    // (m_p r_c)) + zp.
    RescaleAttr rescale = *producer.getRescale();
    SmallVector<double> factors = rescaleFactors(rescale);
    SmallVector<double> newFactors;
    SmallVector<int64_t> bias(channels, 0);
    if (Value b = producer.getBias()) {
      std::optional<SmallVector<int64_t>> existing = getConstantInts(b);
      if (!existing)
        return failure();
      bias = *existing;
    }
    SmallVector<int32_t> newBias;
    for (int64_t c = 0; c < channels; ++c) {
      double r = factors[rescale.isPerTensor() ? 0 : c];
      if (r <= 0)
        return failure();
      double shift =
          (perChannel[c] - constantZp) * constantFactor / (producerFactor * r);
      double value = std::round(bias[c] + shift);
      if (value < INT32_MIN || value > INT32_MAX)
        return failure();
      newBias.push_back(static_cast<int32_t>(value));
      newFactors.push_back(r * producerFactor);
    }
    bool uniform = llvm::all_equal(newFactors);
    FailureOr<RescaleAttr> newRescale =
        getRescaleAttr(getContext(),
                       uniform ? ArrayRef<double>(newFactors).take_front()
                               : ArrayRef<double>(newFactors),
                       channelAxis);
    if (failed(newRescale))
      return failure();
    auto biasType = RankedTensorType::get({channels}, rewriter.getI32Type());
    Value biasValue =
        arith::ConstantOp::create(rewriter, producer.getLoc(),
                                  DenseIntElementsAttr::get(biasType, newBias));
    rewriter.modifyOpInPlace(producer, [&] {
      producer.getBiasMutable().assign(biasValue);
      producer.setRescaleAttr(*newRescale);
      producer.setOutputZp(op.getOutputZp());
      producer.getOutput().setType(out);
    });
    rewriter.replaceOp(op, producer.getOutput());
    return success();
  }
};

/// add(requantize(x), y) with an int8/int16 x: the requantize's factor
/// joins the add's multiplier for that operand, so the residual stream is
/// rounded once (both factors of a residual add live in the add).
struct FoldRequantizeIntoAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    for (bool onLeft : {true, false}) {
      Value operand = onLeft ? op.getLhs() : op.getRhs();
      auto requant = operand.getDefiningOp<RequantizeOp>();
      if (!requant || !requant->hasOneUse() ||
          !requant.getRescale().isPerTensor() ||
          requant.getInput().getType().getElementType().isInteger(32) ||
          requant.getInput().getType().getShape() !=
              requant.getOutput().getType().getShape())
        continue;
      // The add uses (q - zp_q) with q = r (x - zp_x) + zp_q: its factor
      // becomes m_q * r on (x - zp_x), if the zero points match.
      int64_t zp = onLeft ? op.getLhsZp() : op.getRhsZp();
      if (zp != requant.getOutputZp())
        continue;
      double unit = std::ldexp(1.0, -op.getShift());
      double r = rescaleFactors(requant.getRescale())[0];
      double lhs = op.getLhsMultiplier() * unit * (onLeft ? r : 1.0);
      double rhs = op.getRhsMultiplier() * unit * (onLeft ? 1.0 : r);
      std::optional<AddScales> scales = computeAddScales(lhs, rhs);
      if (!scales)
        continue;
      rewriter.modifyOpInPlace(op, [&] {
        (onLeft ? op.getLhsMutable() : op.getRhsMutable())
            .assign(requant.getInput());
        op.setLhsMultiplier(scales->lhsMultiplier);
        op.setRhsMultiplier(scales->rhsMultiplier);
        op.setShift(scales->shift);
        if (onLeft)
          op.setLhsZp(requant.getInputZp());
        else
          op.setRhsZp(requant.getInputZp());
      });
      rewriter.eraseOp(requant);
      return success();
    }
    return failure();
  }
};

struct FuseRequantPass : vitq::impl::VitqFuseRequantBase<FuseRequantPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldQuantizeChain, FuseRequantizeIntoEpilogue<LinearOp>,
                 FuseRequantizeIntoEpilogue<Conv2DOp>, FoldLinearInputZeroPoint,
                 FoldConstantAddIntoEpilogue<LinearOp>,
                 FoldConstantAddIntoEpilogue<Conv2DOp>, FoldRequantizeIntoAdd>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
