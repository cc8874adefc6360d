//===- LegalizeNonlinear.cpp - softmax/GELU/LayerNorm to I-ViT forms ------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The float-semantic non-linear ops on quantized tensors become their
// integer-only I-ViT counterparts. Every constant comes from the
// quantisation parameters of the op's input and result types, as
// docs/integer-semantics.md derives them.
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Dialect/Vitq/VitqQuant.h"
#include "vitq/Support/Diagnostics.h"
#include "vitq/Support/Dyadic.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQLEGALIZENONLINEAR
#include "vitq/Transforms/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

namespace {

constexpr int64_t kInt31Max = (int64_t{1} << 31) - 1;
/// I-LayerNorm's reciprocal with 30 more bits than I-ViT's 31: full
/// precision for every row length (the verifier's maximum).
constexpr int32_t kILayerNormReciprocalShift = 30;
/// The exp_shift range: the verifier's upper bound, and the least that keeps
/// e^-8 (about 2^-11.5) above the exponent clamp.
constexpr int64_t kMaxExpShift = 30;
constexpr int64_t kMinExpShift = 12;
/// The scale of the 16-bit shiftmax result and of the 8-bit sigmoid.
constexpr double kShiftmax16Scale = 0x1p-15;
constexpr double kShiftmax8Scale = 0x1p-7;
constexpr double kSigmoidScale = 0x1p-15;

quant::UniformQuantizedType uniformType(Value v) {
  return dyn_cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(v.getType()).getElementType());
}

/// The storage integers of a quantized tensor value.
Value toStorage(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  auto q = cast<quant::QuantizedType>(type.getElementType());
  return quant::StorageCastOp::create(b, loc,
                                      type.clone(getStorageIntegerType(q)), v);
}

/// The shift-exponential constants for input `scale`: x0 = -round(1 / scale)
/// (at least 1 in magnitude), and the largest exp_shift <= 30 with
/// |x0| * 2^exp_shift inside 31 bits, so the smallest exponential kept is as
/// small as the 31-bit values allow.
struct ExpConstants {
  int32_t x0;
  int32_t expShift;
};
FailureOr<ExpConstants> chooseExpConstants(Operation *op, double scale) {
  double one = std::max(1.0, std::round(1.0 / scale));
  if (!(one <= static_cast<double>(kInt31Max >> kMinExpShift)))
    return emitNodeOpError(op)
           << "input scale " << scale
           << " is too fine for the shift exponential (1.0 is " << one
           << " input units); requantize the input first";
  auto magnitude = static_cast<int64_t>(one);
  int64_t n = kMaxExpShift;
  while ((magnitude << n) > kInt31Max)
    --n;
  return ExpConstants{static_cast<int32_t>(-magnitude),
                      static_cast<int32_t>(n)};
}

/// Whether an op is to be legalised: true when its operand and result are
/// per-tensor quantized, false when both are float (left alone), an error
/// otherwise.
FailureOr<bool> isQuantizedOp(Operation *op, Value input, Value output) {
  auto isQuantized = [](Value v) {
    return isa<quant::QuantizedType>(
        cast<RankedTensorType>(v.getType()).getElementType());
  };
  if (!isQuantized(input) && !isQuantized(output))
    return false;
  auto in = uniformType(input), out = uniformType(output);
  if (!in || !out)
    return emitNodeOpError(op) << "needs per-tensor quantized input and result "
                                  "types to be legalised";
  // The integer forms write int8/int16 activations; which inputs they read
  // is checked per op.
  for (quant::UniformQuantizedType t : {in, out})
    if (!t.isSigned())
      return emitNodeOpError(op)
             << "integer form needs signed quantized types, got " << t;
  if (out.getStorageTypeIntegralWidth() > 16)
    return emitNodeOpError(op)
           << "integer form writes int8 or int16, not " << out;
  if (!cast<ShapedType>(input.getType()).hasStaticShape())
    return emitNodeOpError(op) << "integer form needs a static shape";
  return true;
}

LogicalResult requireLastAxis(Operation *op, int64_t axis, int64_t rank) {
  if ((axis < 0 ? axis + rank : axis) == rank - 1)
    return success();
  return emitNodeOpError(op)
         << "integer form normalises the last dimension only, "
            "got axis "
         << axis;
}

/// Rescales a shiftmax/shiftgelu-style result of `sourceScale` (zero point
/// 0) into `target`'s type and casts it back to that quantized type.
Value requantizeInto(OpBuilder &b, Location loc, Value source,
                     double sourceScale, RescaleAttr rescale,
                     RankedTensorType target) {
  auto q = cast<quant::UniformQuantizedType>(target.getElementType());
  auto storage = target.clone(getStorageIntegerType(q));
  Value result = source;
  if (source.getType() != storage || q.getZeroPoint() != 0 ||
      q.getScale() != sourceScale)
    result = RequantizeOp::create(b, loc, storage, source, rescale,
                                  /*input_zp=*/0, q.getZeroPoint());
  return quant::StorageCastOp::create(b, loc, target, result);
}

LogicalResult legalizeSoftmax(SoftmaxOp op) {
  FailureOr<bool> quantized = isQuantizedOp(op, op.getInput(), op.getOutput());
  if (failed(quantized) || !*quantized)
    return success(succeeded(quantized));
  RankedTensorType type = op.getOutput().getType();
  if (failed(requireLastAxis(op, op.getAxis(), type.getRank())))
    return failure();
  auto in = uniformType(op.getInput()), out = uniformType(op.getOutput());
  OpBuilder b(op);
  Location loc = op.getLoc();
  // The 8-bit form when the declared type is exactly its result, else the
  // 16-bit form and one rounding rescale (docs/integer-semantics.md).
  bool direct8 = out.getStorageTypeIntegralWidth() == 8 &&
                 out.getZeroPoint() == 0 && out.getScale() == kShiftmax8Scale;
  Type element = direct8 ? b.getI8Type() : b.getI16Type();
  double scale = direct8 ? kShiftmax8Scale : kShiftmax16Scale;
  // An int8 input's x - max(x) takes 256 values: their exponentials are a
  // table of correctly rounded 2^30 e^(-d s_in) (vitq.tablemax), exact
  // where Shiftmax's shift-add exponential is off by up to 15%.
  Value shiftmax;
  if (in.getStorageTypeIntegralWidth() == 8) {
    SmallVector<int32_t> table(256);
    for (auto [d, e] : llvm::enumerate(table))
      e = static_cast<int32_t>(
          std::nearbyint(std::ldexp(std::exp(-double(d) * in.getScale()), 30)));
    shiftmax = TablemaxOp::create(b, loc, type.clone(element),
                                  toStorage(b, loc, op.getInput()),
                                  b.getDenseI32ArrayAttr(table));
  } else {
    FailureOr<ExpConstants> exp = chooseExpConstants(op, in.getScale());
    if (failed(exp))
      return failure();
    shiftmax = ShiftmaxOp::create(b, loc, type.clone(element),
                                  toStorage(b, loc, op.getInput()), exp->x0,
                                  exp->expShift);
  }
  FailureOr<RescaleAttr> rescale =
      getRescaleAttr(op.getContext(), {scale / out.getScale()}, std::nullopt);
  if (failed(rescale))
    return emitNodeOpError(op) << "result scale " << out.getScale()
                               << " is out of range for a dyadic rescale";
  op.getOutput().replaceAllUsesWith(
      requantizeInto(b, loc, shiftmax, scale, *rescale, type));
  op.erase();
  return success();
}

LogicalResult legalizeGelu(GeluOp op) {
  FailureOr<bool> quantized = isQuantizedOp(op, op.getInput(), op.getOutput());
  if (failed(quantized) || !*quantized)
    return success(succeeded(quantized));
  auto in = uniformType(op.getInput()), out = uniformType(op.getOutput());
  if (in.getStorageTypeIntegralWidth() > 16)
    return emitNodeOpError(op)
           << "integer GELU takes int8 or int16 input, not " << in;
  FailureOr<ExpConstants> exp = chooseExpConstants(op, in.getScale());
  if (failed(exp))
    return failure();
  FailureOr<RescaleAttr> rescale = getRescaleAttr(
      op.getContext(), {in.getScale() * kSigmoidScale / out.getScale()},
      std::nullopt);
  if (failed(rescale))
    return emitNodeOpError(op)
           << "input/result scales " << in.getScale() << " / " << out.getScale()
           << " are out of range for a dyadic rescale";
  OpBuilder b(op);
  Location loc = op.getLoc();
  RankedTensorType type = op.getOutput().getType();
  Value gelu = ShiftGeluOp::create(
      b, loc, type.clone(getStorageIntegerType(out)),
      toStorage(b, loc, op.getInput()), exp->x0, exp->expShift, *rescale,
      in.getZeroPoint(), out.getZeroPoint());
  op.getOutput().replaceAllUsesWith(
      quant::StorageCastOp::create(b, loc, type, gelu).getResult());
  op.erase();
  return success();
}

/// An activation of an 8-bit input as a table of its 256 results: entry v
/// is the activation of the dequantized v, quantized with the result's
/// parameters (ties to even, as QuantizeLinear rounds; saturated).
LogicalResult legalizeActivation(ActivationOp op) {
  FailureOr<bool> quantized = isQuantizedOp(op, op.getInput(), op.getOutput());
  if (failed(quantized) || !*quantized)
    return success(succeeded(quantized));
  auto in = uniformType(op.getInput()), out = uniformType(op.getOutput());
  if (in.getStorageTypeIntegralWidth() != 8)
    return emitNodeOpError(op)
           << "integer " << op.getKind() << " takes an 8-bit input, not " << in;
  IntegerType storage = getStorageIntegerType(out);
  unsigned width = storage.getWidth();
  // Saturated to the type's range, which may be narrower than its storage.
  double lo = static_cast<double>(out.getStorageTypeMin()),
         hi = static_cast<double>(out.getStorageTypeMax());
  SmallVector<APInt> table;
  for (int64_t v = -128; v <= 127; ++v) {
    double real = static_cast<double>(v - in.getZeroPoint()) * in.getScale();
    double q = std::clamp(std::nearbyint(op.evaluate(real) / out.getScale()) +
                              static_cast<double>(out.getZeroPoint()),
                          lo, hi);
    table.push_back(APInt(width, static_cast<uint64_t>(static_cast<int64_t>(q)),
                          /*isSigned=*/true));
  }
  OpBuilder b(op);
  Location loc = op.getLoc();
  RankedTensorType type = op.getOutput().getType();
  auto tableType = RankedTensorType::get({256}, storage);
  Value lookup = LookupOp::create(b, loc, type.clone(storage),
                                  toStorage(b, loc, op.getInput()),
                                  DenseIntElementsAttr::get(tableType, table));
  op.getOutput().replaceAllUsesWith(
      quant::StorageCastOp::create(b, loc, type, lookup).getResult());
  op.erase();
  return success();
}

/// The float values of a constant gamma/beta.
FailureOr<SmallVector<double>> constantFloats(Operation *op, Value v,
                                              StringRef what) {
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return emitNodeOpError(op) << what
                               << " must be a constant to be folded "
                                  "into the integer form";
  auto values = attr.tryGetValues<APFloat>();
  if (!values) {
    // Resource blobs hold raw f32 data, of a size the parser leaves
    // unchecked against the type.
    if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr))
      if (std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef())
        if (static_cast<int64_t>(data->size()) == attr.getNumElements())
          return SmallVector<double>(data->begin(), data->end());
    return emitNodeOpError(op) << what << " has unreadable constant data";
  }
  SmallVector<double> result;
  for (const APFloat &f : *values)
    result.push_back(f.convertToDouble());
  return result;
}

LogicalResult legalizeLayerNorm(LayerNormOp op) {
  FailureOr<bool> quantized = isQuantizedOp(op, op.getInput(), op.getOutput());
  if (failed(quantized) || !*quantized)
    return success(succeeded(quantized));
  RankedTensorType type = op.getOutput().getType();
  int64_t rank = type.getRank(), count = type.getDimSize(rank - 1);
  if (failed(requireLastAxis(op, op.getAxis(), rank)))
    return failure();
  auto inStorage = getStorageIntegerType(uniformType(op.getInput()));
  if (inStorage.getWidth() > 16)
    return emitNodeOpError(op) << "integer LayerNorm takes int8 or int16 input";
  // The exact centring N * x - sum(x) bounds the row length (the same
  // limit the vitq.ilayernorm verifier enforces).
  int64_t maxCount = inStorage.getWidth() == 8 ? kMaxRowInt8 : kMaxRowInt16;
  if (count > maxCount)
    return emitNodeOpError(op)
           << "integer LayerNorm over " << count << " elements exceeds the "
           << maxCount << "-element row limit of " << inStorage << " input";
  FailureOr<SmallVector<double>> gamma =
      constantFloats(op, op.getGamma(), "gamma");
  FailureOr<SmallVector<double>> beta =
      constantFloats(op, op.getBeta(), "beta");
  if (failed(gamma) || failed(beta))
    return failure();
  if (static_cast<int64_t>(gamma->size()) != count ||
      static_cast<int64_t>(beta->size()) != count)
    return emitNodeOpError(op)
           << "gamma and beta must have one value per element of "
              "the normalised dimension ("
           << count << ")";
  auto out = uniformType(op.getOutput());
  // z has scale sqrt(N) / 2^30; gamma and the output scale fold into one
  // per-channel factor, beta and the zero point into the bias.
  double zScale = std::sqrt(static_cast<double>(count)) * 0x1p-30;
  SmallVector<double> factors;
  SmallVector<int32_t> bias;
  for (int64_t c = 0; c < count; ++c) {
    factors.push_back((*gamma)[c] * zScale / out.getScale());
    double b = std::round((*beta)[c] / out.getScale()) + out.getZeroPoint();
    bias.push_back(
        static_cast<int32_t>(std::clamp<double>(b, INT32_MIN, INT32_MAX)));
  }
  FailureOr<RescaleAttr> rescale =
      getSignedRescaleAttr(op.getContext(), factors, rank - 1);
  if (failed(rescale))
    return emitNodeOpError(op) << "gamma / result scale is out of range for a "
                                  "dyadic rescale";
  if (llvm::all_equal(bias))
    bias.resize(1);
  OpBuilder b(op);
  Location loc = op.getLoc();
  // epsilon in units of sum(y * y), y = N * (x - mean): N^3 eps / s_in^2.
  double inScale = uniformType(op.getInput()).getScale();
  double n = static_cast<double>(count);
  double offset = std::round(n * n * n * op.getEpsilon().convertToDouble() /
                             (inScale * inScale));
  Value norm = ILayerNormOp::create(
      b, loc, type.clone(getStorageIntegerType(out)),
      toStorage(b, loc, op.getInput()), *rescale, b.getDenseI32ArrayAttr(bias),
      /*sqrt_iterations=*/10,
      static_cast<int64_t>(std::clamp(offset, 0.0, 0x1p48)),
      /*reciprocal_shift=*/kILayerNormReciprocalShift);
  op.getOutput().replaceAllUsesWith(
      quant::StorageCastOp::create(b, loc, type, norm).getResult());
  op.erase();
  return success();
}

struct LegalizeNonlinearPass
    : vitq::impl::VitqLegalizeNonlinearBase<LegalizeNonlinearPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<SoftmaxOp, GeluOp, LayerNormOp, ActivationOp>(op))
        ops.push_back(op);
    });
    bool failedAny = false;
    for (Operation *op : ops) {
      LogicalResult result =
          TypeSwitch<Operation *, LogicalResult>(op)
              .Case([](SoftmaxOp o) { return legalizeSoftmax(o); })
              .Case([](GeluOp o) { return legalizeGelu(o); })
              .Case([](LayerNormOp o) { return legalizeLayerNorm(o); })
              .Case([](ActivationOp o) { return legalizeActivation(o); });
      failedAny |= failed(result);
    }
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
