//===- OnnxVision.cpp - Ops of convolutional and hybrid vision models -----===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The ONNX ops that Swin, LeViT, EfficientViT, MobileViT and EfficientFormer
// exports add to a plain ViT's: padding, average pooling, batch and
// instance normalisation, and resizing. Float computation becomes linalg,
// tensor and arith ops; what depends only on the model (normalisation
// factors, pooling divisors, interpolation weights) is computed here.
//
//===----------------------------------------------------------------------===//

#include "OnnxImporterImpl.h"

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Dialect/Vitq/VitqQuant.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::vitq;
using namespace mlir::vitq::onnx_import;

namespace {

/// The scale of integer InstanceNormalization's normalised int16
/// intermediate (see tryQuantizedInstanceNorm).
constexpr double kInstanceNormScale = 0x1p-10;

/// A constant of `shape` holding `values` in `element`'s float type.
ConstTensor floatTensor(Type element, ArrayRef<int64_t> shape,
                        ArrayRef<double> values) {
  return ConstTensor::fromFloats(RankedTensorType::get(shape, element), values);
}

/// `shape` of a per-channel vector of C values that broadcasts over the
/// dimensions after the channel of a rank-`rank` NC... tensor.
SmallVector<int64_t> channelShape(int64_t channels, int64_t rank) {
  SmallVector<int64_t> shape{channels};
  shape.append(std::max<int64_t>(rank - 2, 0), 1);
  return shape;
}

Value floatConstant(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, t, b.getFloatAttr(t, v));
}

} // namespace

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

LogicalResult Importer::convertPad(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  RankedTensorType type = typeOf(*input);
  int64_t rank = type.getRank();
  std::string mode = node.stringAttr("mode", "constant");
  if (mode != "constant")
    return node.error() << "mode '" << mode
                        << "' is not supported (constant is)";
  FailureOr<ConstTensor> padsTensor = requireConstant(node, 1, "pads");
  if (failed(padsTensor))
    return failure();
  std::vector<int64_t> given = padsTensor->ints();
  // Opset 18's axes name the padded dimensions; all of them otherwise.
  SmallVector<int64_t> axes;
  if (node.hasInput(3)) {
    FailureOr<ConstTensor> axesTensor = requireConstant(node, 3, "axes");
    if (failed(axesTensor))
      return failure();
    for (int64_t a : axesTensor->ints()) {
      int64_t d = a < 0 ? a + rank : a;
      if (d < 0 || d >= rank || llvm::is_contained(axes, d))
        return node.error() << "axis " << a << " is out of range or repeated";
      axes.push_back(d);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  if (given.size() != 2 * axes.size())
    return node.error() << "pads has " << given.size() << " values for "
                        << axes.size() << " padded dimensions";
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  for (auto [i, d] : llvm::enumerate(axes)) {
    low[d] = given[i];
    high[d] = given[i + axes.size()];
  }
  Type element = type.getElementType();
  double fill = 0.0;
  if (node.hasInput(2)) {
    FailureOr<ConstTensor> c = requireConstant(node, 2, "constant_value");
    if (failed(c))
      return failure();
    if (c->numElements() != 1)
      return node.error() << "constant_value must be one value";
    fill = c->isFloat() ? c->floatAt(0) : static_cast<double>(c->intAt(0));
  }
  Location loc = node.loc;
  Value result = *input;
  // A dequantized input pads its integers with the pad value's quantized
  // form (the zero point for 0): data movement. When a QuantizeLinear
  // takes the result, the integers move in its parameters (requantized
  // first if they differ), so a pad value beyond the input's range
  // (EfficientViT pads with 1) saturates only as that QuantizeLinear would;
  // without one, the pad value must be exact in the input's parameters.
  quant::UniformQuantizedType quantized;
  std::optional<QuantizedUse> use;
  if (Value q = dequantizedSource(*input)) {
    auto in = dyn_cast<quant::UniformQuantizedType>(
        getElementTypeOrSelf(q.getType()));
    use = in ? quantizedUse(node) : std::nullopt;
    if (use && !isa<quant::UniformQuantizedType>(use->type))
      use.reset();
    quantized = use ? cast<quant::UniformQuantizedType>(use->type) : in;
    if (quantized && quantized != in) {
      FailureOr<Value> moved = requantize(node, q, quantized);
      if (failed(moved))
        return failure();
      q = *moved;
      if (!q)
        quantized = {};
    }
    double level = quantized ? std::nearbyint(fill / quantized.getScale()) +
                                   quantized.getZeroPoint()
                             : 0.0;
    bool exact =
        quantized && level >= double(quantized.getStorageTypeMin()) &&
        level <= double(quantized.getStorageTypeMax()) &&
        (level - quantized.getZeroPoint()) * quantized.getScale() == fill;
    if (quantized && (use || exact)) {
      result = storageOf(loc, q);
      type = typeOf(result);
      element = type.getElementType();
      fill = std::clamp(level, double(quantized.getStorageTypeMin()),
                        double(quantized.getStorageTypeMax()));
    } else {
      quantized = {};
      use.reset();
    }
  }
  // Negative pads crop.
  if (llvm::any_of(low, [](int64_t p) { return p < 0; }) ||
      llvm::any_of(high, [](int64_t p) { return p < 0; })) {
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t start = std::max<int64_t>(-low[d], 0);
      int64_t size =
          type.getDimSize(d) - start - std::max<int64_t>(-high[d], 0);
      if (size < 0)
        return node.error() << "pads crop more than dimension " << d << " has";
      offsets.push_back(builder.getIndexAttr(start));
      sizes.push_back(builder.getIndexAttr(size));
      strides.push_back(builder.getIndexAttr(1));
      low[d] = std::max<int64_t>(low[d], 0);
      high[d] = std::max<int64_t>(high[d], 0);
    }
    result = tensor::ExtractSliceOp::create(builder, loc, result, offsets,
                                            sizes, strides);
  }
  if (llvm::any_of(low, [](int64_t p) { return p > 0; }) ||
      llvm::any_of(high, [](int64_t p) { return p > 0; })) {
    SmallVector<int64_t> shape(typeOf(result).getShape());
    SmallVector<OpFoldResult> lowAttr, highAttr;
    for (int64_t d = 0; d < rank; ++d) {
      shape[d] += low[d] + high[d];
      lowAttr.push_back(builder.getIndexAttr(low[d]));
      highAttr.push_back(builder.getIndexAttr(high[d]));
    }
    Value pad;
    if (isa<FloatType>(element))
      pad = floatConstant(builder, loc, element, fill);
    else
      pad = arith::ConstantOp::create(
          builder, loc, element,
          builder.getIntegerAttr(element, static_cast<int64_t>(fill)));
    result = tensor::PadOp::create(builder, loc, type.clone(shape), result,
                                   lowAttr, highAttr, pad);
  }
  if (use) {
    absorb(*use, asQuantized(loc, result, quantized));
    return success();
  }
  if (quantized)
    result = dequantize(loc, asQuantized(loc, result, quantized));
  setResult(node, 0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// AveragePool
//===----------------------------------------------------------------------===//

LogicalResult Importer::convertAveragePool(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  RankedTensorType type = typeOf(*input);
  Type element = type.getElementType();
  if (type.getRank() != 4 || !isa<FloatType>(element))
    return node.error() << "only 2-D float pooling (rank-4 NCHW) is "
                           "supported";
  std::optional<SmallVector<int64_t>> kernel = node.intsAttr("kernel_shape");
  if (!kernel || kernel->size() != 2)
    return node.error() << "needs a 2-D kernel_shape";
  if (llvm::any_of(*kernel, [](int64_t k) { return k < 1 || k >= (1 << 30); }))
    return node.error() << "malformed kernel_shape";
  // auto_pad, strides, pads and dilations as Conv reads them (bounded).
  FailureOr<ConvParams> params = convParams(node);
  if (failed(params))
    return failure();
  const SmallVector<int64_t> &strides = params->strides, &pads = params->pads,
                             &dilations = params->dilations;
  if (dilations != SmallVector<int64_t>{1, 1})
    return node.error() << "dilations are not supported";
  bool ceil = node.intAttr("ceil_mode", 0) != 0;
  bool includePad = node.intAttr("count_include_pad", 0) != 0;
  ArrayRef<int64_t> shape = type.getShape();
  // Per spatial dimension: the output size and the padding the pooling op
  // reads (ceil_mode's last window may hang past the padded input: zeros
  // that add nothing).
  SmallVector<int64_t> outSize(2), extra(2);
  for (int i = 0; i < 2; ++i) {
    int64_t in = shape[2 + i], k = (*kernel)[i], s = strides[i];
    int64_t padded = in + pads[i] + pads[i + 2];
    if (padded < k)
      return node.error() << "kernel larger than the padded input";
    int64_t span = padded - k;
    int64_t out = (ceil ? (span + s - 1) / s : span / s) + 1;
    // ONNX (and PyTorch): a window must start inside the input or its
    // leading padding.
    if (ceil && (out - 1) * s >= in + pads[i])
      --out;
    outSize[i] = out;
    extra[i] = std::max<int64_t>((out - 1) * s + k - padded, 0);
  }
  FailureOr<bool> quantized =
      tryQuantizedAvgPool(node, *input, *kernel, strides, pads, includePad,
                          {shape[0], shape[1], outSize[0], outSize[1]});
  if (failed(quantized) || *quantized)
    return success(succeeded(quantized));
  Location loc = node.loc;
  Value padded = padSpatial(loc, *input, {pads[0], pads[1]},
                            {pads[2] + extra[0], pads[3] + extra[1]});
  Value window =
      tensor::EmptyOp::create(builder, loc, *kernel, builder.getF32Type());
  SmallVector<NamedAttribute> attrs = windowAttrs(strides, dilations);
  Value init =
      zeros(loc, {shape[0], shape[1], outSize[0], outSize[1]}, element);
  Value sum = linalg::PoolingNchwSumOp::create(
                  builder, loc, TypeRange{init.getType()},
                  ValueRange{padded, window}, ValueRange{init}, attrs)
                  .getResult(0);
  // Each output's divisor. With count_include_pad onnxruntime divides every
  // window by the kernel's size, a ceil_mode window that hangs past the
  // padding too.
  auto count = [&](int i, int64_t o) {
    return std::max<int64_t>(poolWindowCount(shape[2 + i], (*kernel)[i],
                                             strides[i], pads[i], includePad,
                                             o),
                             1);
  };
  std::vector<double> reciprocals;
  for (int64_t y = 0; y < outSize[0]; ++y)
    for (int64_t x = 0; x < outSize[1]; ++x)
      reciprocals.push_back(1.0 /
                            static_cast<double>(count(0, y) * count(1, x)));
  Value scale =
      materialize(floatTensor(element, {outSize[0], outSize[1]}, reciprocals),
                  node.proto.output(0) + "_divisors", loc);
  FailureOr<Value> mean =
      elementwise(node, {sum, scale}, element,
                  [](OpBuilder &b, Location l, ValueRange v, Type) -> Value {
                    return arith::MulFOp::create(b, l, v[0], v[1]);
                  });
  if (failed(mean))
    return failure();
  setResult(node, 0, *mean);
  return success();
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

LogicalResult Importer::convertBatchNorm(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  if (node.intAttr("training_mode", 0))
    return node.error() << "training_mode is not supported";
  for (int i = 1; i < node.proto.output_size(); ++i)
    if (!node.proto.output(i).empty())
      return node.error() << "the running mean and variance outputs are not "
                             "supported";
  RankedTensorType type = typeOf(*input);
  Type element = type.getElementType();
  if (type.getRank() < 2 || !isa<FloatType>(element))
    return node.error() << "needs a float N x C x ... input";
  int64_t channels = type.getDimSize(1);
  SmallVector<std::vector<double>> params;
  for (auto [i, what] :
       llvm::enumerate(ArrayRef<StringRef>{"scale", "B", "mean", "var"})) {
    FailureOr<ConstTensor> c = requireConstant(node, i + 1, what);
    if (failed(c))
      return failure();
    if (c->numElements() != channels)
      return node.error() << what << " has " << c->numElements()
                          << " values for " << channels << " channels";
    params.push_back(c->floats());
  }
  // y = (x - mean) / sqrt(var + epsilon) * scale + B = x * a + b.
  double epsilon = node.floatAttr("epsilon", 1e-5f);
  std::vector<double> a(channels), b(channels);
  for (int64_t c = 0; c < channels; ++c) {
    a[c] = params[0][c] / std::sqrt(params[3][c] + epsilon);
    b[c] = params[1][c] - params[2][c] * a[c];
  }
  FailureOr<bool> quantized = tryQuantizedAffine(node, *input, 1, a, b);
  if (failed(quantized) || *quantized)
    return success(succeeded(quantized));
  SmallVector<int64_t> shape = channelShape(channels, type.getRank());
  Value av = materialize(floatTensor(element, shape, a),
                         node.proto.output(0) + "_scale", node.loc);
  Value bv = materialize(floatTensor(element, shape, b),
                         node.proto.output(0) + "_shift", node.loc);
  FailureOr<Value> result = elementwise(
      node, {*input, av, bv}, element,
      [](OpBuilder &builder, Location l, ValueRange v, Type) -> Value {
        return arith::AddFOp::create(
            builder, l, arith::MulFOp::create(builder, l, v[0], v[1]), v[2]);
      });
  if (failed(result))
    return failure();
  setResult(node, 0, *result);
  return success();
}

LogicalResult Importer::convertInstanceNorm(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0), scale = value(node, 1),
                   bias = value(node, 2);
  if (failed(input) || failed(scale) || failed(bias))
    return failure();
  RankedTensorType type = typeOf(*input);
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  if (rank < 3 || !isa<FloatType>(element))
    return node.error() << "needs a float N x C x D1 ... input";
  int64_t channels = type.getDimSize(1);
  for (Value v : {*scale, *bias})
    if (typeOf(v).getNumElements() != channels)
      return node.error() << "scale and B need " << channels << " values";
  int64_t count = 1;
  for (int64_t d = 2; d < rank; ++d)
    count *= type.getDimSize(d);
  FailureOr<bool> quantized = tryQuantizedInstanceNorm(node, *input, count);
  if (failed(quantized) || *quantized)
    return success(succeeded(quantized));
  // Normalised over each (image, channel)'s elements, then scale and B per
  // channel.
  Location loc = node.loc;
  Value z = normalizeInstances(node, *input, count, element);
  SmallVector<int64_t> shape = channelShape(channels, rank);
  FailureOr<Value> result = elementwise(
      node, {z, reshape(loc, *scale, shape), reshape(loc, *bias, shape)},
      element, [](OpBuilder &b, Location l, ValueRange v, Type) -> Value {
        return arith::AddFOp::create(
            b, l, arith::MulFOp::create(b, l, v[0], v[1]), v[2]);
      });
  if (failed(result))
    return failure();
  setResult(node, 0, *result);
  return success();
}

Value Importer::normalizeInstances(const NodeContext &node, Value x,
                                   int64_t count, Type resultElement) {
  // One vitq.layernorm row (unit gamma, zero beta) per (image, channel).
  Location loc = node.loc;
  RankedTensorType type = typeOf(x);
  SmallVector<int64_t> rows{type.getDimSize(0), type.getDimSize(1), count};
  auto paramType = RankedTensorType::get({count}, builder.getF32Type());
  auto splat = [&](double v) -> Value {
    return arith::ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(paramType, builder.getF32FloatAttr(v)));
  };
  Value z = LayerNormOp::create(
      builder, loc, RankedTensorType::get(rows, resultElement),
      reshape(loc, x, rows), splat(1.0), splat(0.0),
      builder.getI64IntegerAttr(-1),
      builder.getF32FloatAttr(node.floatAttr("epsilon", 1e-5f)));
  return reshape(loc, z, type.getShape());
}

FailureOr<bool> Importer::tryQuantizedInstanceNorm(const NodeContext &node,
                                                   Value input, int64_t count) {
  std::optional<QuantizedUnary> unary = quantizedUnary(node, input);
  const ConstTensor *scale = constant(node, 1), *bias = constant(node, 2);
  if (!unary || !scale || !bias ||
      count > (unary->in.getStorageTypeIntegralWidth() == 8 ? kMaxRowInt8
                                                            : kMaxRowInt16))
    return false;
  // Normalised (I-LayerNorm once legalised) into int16 of scale 2^-10: |z|
  // up to 32 standard deviations, 1/1024 of one apart. The per-channel
  // scale and B then make one vitq.affine.
  Type f32 = builder.getF32Type();
  auto normalized = quant::UniformQuantizedType::get(
      quant::QuantizationFlags::Signed, builder.getI16Type(), f32,
      kInstanceNormScale, 0, std::numeric_limits<int16_t>::min(),
      std::numeric_limits<int16_t>::max());
  std::optional<AffineParams> params =
      affineParams(normalized, unary->out, 1, scale->floats(), bias->floats());
  if (!params)
    return false;
  Value z = normalizeInstances(node, unary->input, count, normalized);
  absorb(unary->use, buildAffine(node.loc, z, normalized, unary->out, *params));
  return true;
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

namespace {

/// Interpolation weights (rows of `cols` entries, each summing to 1) in
/// fixed point with `fraction` bits, each row summing to exactly
/// 2^fraction: the rounding residue goes to the row's largest weight.
SmallVector<int32_t> fixedPointWeights(ArrayRef<double> weights, int64_t cols,
                                       unsigned fraction) {
  SmallVector<int32_t> result;
  for (size_t r = 0; r < weights.size(); r += cols) {
    ArrayRef<double> row = weights.slice(r, cols);
    size_t first = result.size();
    int64_t sum = 0;
    for (double w : row) {
      result.push_back(
          static_cast<int32_t>(std::nearbyint(std::ldexp(w, fraction))));
      sum += result.back();
    }
    auto largest = std::max_element(result.begin() + first, result.end());
    *largest += static_cast<int32_t>((int64_t{1} << fraction) - sum);
  }
  return result;
}

/// The weights of each output position's input taps along one dimension:
/// weights[o * in + i].
FailureOr<std::vector<double>> resizeWeights(const NodeContext &node,
                                             int64_t in, int64_t out,
                                             double scale, bool linear,
                                             llvm::StringRef transform,
                                             llvm::StringRef nearestMode) {
  std::vector<double> weights(out * in, 0.0);
  for (int64_t o = 0; o < out; ++o) {
    double x;
    if (transform == "half_pixel")
      x = (o + 0.5) / scale - 0.5;
    else if (transform == "pytorch_half_pixel")
      x = out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
    else if (transform == "align_corners")
      x = out > 1 ? o * double(in - 1) / double(out - 1) : 0.0;
    else if (transform == "asymmetric")
      x = o / scale;
    else
      return node.error() << "coordinate_transformation_mode '" << transform
                          << "' is not supported",
             failure();
    if (linear) {
      x = std::clamp(x, 0.0, double(in - 1));
      int64_t lo = static_cast<int64_t>(std::floor(x));
      int64_t hi = std::min(lo + 1, in - 1);
      double t = x - lo;
      weights[o * in + lo] += 1.0 - t;
      weights[o * in + hi] += t;
      continue;
    }
    double r;
    if (nearestMode == "round_prefer_floor")
      r = x - std::floor(x) == 0.5 ? std::floor(x) : std::round(x);
    else if (nearestMode == "round_prefer_ceil")
      r = std::round(x);
    else if (nearestMode == "floor")
      r = std::floor(x);
    else if (nearestMode == "ceil")
      r = std::ceil(x);
    else
      return node.error() << "nearest_mode '" << nearestMode
                          << "' is not supported",
             failure();
    int64_t i = std::clamp<int64_t>(static_cast<int64_t>(r), 0, in - 1);
    weights[o * in + i] = 1.0;
  }
  return weights;
}

} // namespace

FailureOr<bool> Importer::tryQuantizedResize(const NodeContext &node,
                                             Value input, ArrayRef<double> rows,
                                             ArrayRef<double> columns,
                                             ArrayRef<int64_t> outputShape) {
  std::optional<QuantizedUnary> unary = quantizedUnary(node, input);
  if (!unary)
    return false;
  auto [q, in, out, use] = *unary;
  // Weights at 2^-F with F as large as int32 allows: each row and column
  // sums to 2^F, so |sum| <= 2^(2F + bits) <= 2^30.
  unsigned bits = in.getStorageTypeIntegralWidth();
  unsigned fraction = (30 - bits) / 2;
  FailureOr<RescaleAttr> rescale = getRescaleAttr(
      builder.getContext(),
      {std::ldexp(in.getScale() / out.getScale(), -2 * int(fraction))},
      std::nullopt);
  if (failed(rescale))
    return false;
  RankedTensorType type = typeOf(q);
  Location loc = node.loc;
  Value sums = ResizeOp::create(
      builder, loc, RankedTensorType::get(outputShape, builder.getI32Type()),
      storageOf(loc, q),
      builder.getDenseI32ArrayAttr(
          fixedPointWeights(rows, type.getDimSize(2), fraction)),
      builder.getDenseI32ArrayAttr(
          fixedPointWeights(columns, type.getDimSize(3), fraction)),
      builder.getI32IntegerAttr(in.getZeroPoint()));
  Value result = RequantizeOp::create(
      builder, loc,
      RankedTensorType::get(outputShape, getStorageIntegerType(out)), sums,
      *rescale, builder.getI32IntegerAttr(0),
      builder.getI32IntegerAttr(out.getZeroPoint()));
  absorb(use, asQuantized(loc, result, out));
  return true;
}

LogicalResult Importer::convertResize(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  RankedTensorType type = typeOf(*input);
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  if (rank != 4 || !isa<FloatType>(element))
    return node.error() << "only float NCHW (rank 4) inputs are supported";
  std::string mode = node.stringAttr("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    return node.error() << "mode '" << mode
                        << "' is not supported (nearest and linear are)";
  if (node.intAttr("antialias", 0))
    return node.error() << "antialias is not supported";
  std::string transform =
      node.stringAttr("coordinate_transformation_mode", "half_pixel");
  std::string nearestMode =
      node.stringAttr("nearest_mode", "round_prefer_floor");
  // Output sizes from `sizes` (input 3) or `scales` (input 2).
  SmallVector<int64_t> outShape(type.getShape());
  SmallVector<double> scales(rank, 1.0);
  if (node.hasInput(3)) {
    FailureOr<ConstTensor> sizes = requireConstant(node, 3, "sizes");
    if (failed(sizes))
      return failure();
    if (sizes->numElements() != rank)
      return node.error() << "sizes needs " << rank << " values";
    for (int64_t d = 0; d < rank; ++d) {
      outShape[d] = sizes->intAt(d);
      scales[d] = double(outShape[d]) / double(type.getDimSize(d));
    }
  } else {
    FailureOr<ConstTensor> s = requireConstant(node, 2, "scales");
    if (failed(s))
      return failure();
    if (s->numElements() != rank)
      return node.error() << "scales needs " << rank << " values";
    for (int64_t d = 0; d < rank; ++d) {
      scales[d] = s->floatAt(d);
      outShape[d] = static_cast<int64_t>(
          std::floor(double(type.getDimSize(d)) * scales[d]));
    }
  }
  if (outShape[0] != type.getDimSize(0) || outShape[1] != type.getDimSize(1))
    return node.error() << "only the spatial dimensions may be resized";
  if (outShape[2] < 1 || outShape[3] < 1)
    return node.error() << "the resized spatial dimensions are empty";
  // out = Wh . x . Ww^T per image and channel, Wh and Ww the (constant)
  // interpolation weights of the rows and the columns.
  Location loc = node.loc;
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3), oh = outShape[2],
          ow = outShape[3];
  FailureOr<std::vector<double>> wh = resizeWeights(
      node, h, oh, scales[2], mode == "linear", transform, nearestMode);
  FailureOr<std::vector<double>> ww = resizeWeights(
      node, w, ow, scales[3], mode == "linear", transform, nearestMode);
  if (failed(wh) || failed(ww))
    return failure();
  FailureOr<bool> quantized =
      tryQuantizedResize(node, *input, *wh, *ww, {n, c, oh, ow});
  if (failed(quantized) || *quantized)
    return success(succeeded(quantized));
  Value rows = materialize(floatTensor(element, {oh, h}, *wh),
                           node.proto.output(0) + "_rows", loc);
  Value cols = materialize(floatTensor(element, {ow, w}, *ww),
                           node.proto.output(0) + "_columns", loc);
  MLIRContext *ctx = builder.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  using utils::IteratorType;
  auto contract = [&](Value x, Value weights, ArrayRef<int64_t> resultShape,
                      bool alongRows) -> Value {
    // Loops (n, c, i, j, k): result[n, c, i, j] = sum_k of x[n, c, k, j] *
    // weights[i, k] along the rows, x[n, c, i, k] * weights[j, k] along the
    // columns.
    AffineMap xMap = alongRows
                         ? AffineMap::get(5, 0, {d(0), d(1), d(4), d(3)}, ctx)
                         : AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx);
    AffineMap wMap = alongRows ? AffineMap::get(5, 0, {d(2), d(4)}, ctx)
                               : AffineMap::get(5, 0, {d(3), d(4)}, ctx);
    AffineMap outMap = AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx);
    Value init = zeros(loc, resultShape, element);
    return linalg::GenericOp::create(
               builder, loc, TypeRange{init.getType()}, ValueRange{x, weights},
               ValueRange{init}, ArrayRef<AffineMap>{xMap, wMap, outMap},
               ArrayRef<IteratorType>{
                   IteratorType::parallel, IteratorType::parallel,
                   IteratorType::parallel, IteratorType::parallel,
                   IteratorType::reduction},
               [](OpBuilder &b, Location l, ValueRange args) {
                 Value p = arith::MulFOp::create(b, l, args[0], args[1]);
                 linalg::YieldOp::create(
                     b, l, ValueRange{arith::AddFOp::create(b, l, args[2], p)});
               })
        .getResult(0);
  };
  Value tall = contract(*input, rows, {n, c, oh, w}, /*alongRows=*/true);
  setResult(node, 0, contract(tall, cols, {n, c, oh, ow}, /*alongRows=*/false));
  return success();
}
