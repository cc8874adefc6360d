//===- OnnxQuant.cpp - Quantized ONNX graphs to integer vitq ops ----------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// QDQ graphs compute in float between DequantizeLinear and QuantizeLinear;
// QOperator graphs name the integer op directly. Both import as the same
// integer vitq ops:
//
// - A value produced by vitq.dequantize is "quantized": converters look
//   through the dequantize to the `!quant.uniform` tensor behind it.
// - MatMul/Gemm/Conv on quantized operands accumulate in int32
//   (vitq.linear/matmul/conv2d without rescale) and yield the dequantized
//   accumulator; a following bias Add folds into the op's bias and a
//   following QuantizeLinear into its rescale, so `DQ -> MatMul -> Add ->
//   Q` becomes one vitq.linear with bias and fused requantisation.
// - Add/Softmax/GELU/LayerNorm whose only user is a QuantizeLinear become
//   vitq.add / the float-semantic ops on quantized types.
// - Data movement (Reshape, Transpose, Gather, Slice, ...) moves the integer
//   storage instead of the dequantized floats.
//
// uint8 tensors are stored as int8 with the zero point lowered by 128 (x ^
// 0x80), which leaves every real value unchanged, so the integer ops only
// ever see signed storage.
//
//===----------------------------------------------------------------------===//

#include "OnnxImporterImpl.h"

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Dialect/Vitq/VitqQuant.h"
#include "vitq/Support/Dyadic.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Matchers.h"

#include <onnx/onnx_pb.h>

#include <cmath>

using namespace mlir;
using namespace mlir::vitq;
using namespace mlir::vitq::onnx_import;

static quant::QuantizedType quantTypeOf(Value v) {
  return v ? dyn_cast<quant::QuantizedType>(getElementTypeOrSelf(v.getType()))
           : nullptr;
}

static bool isPerTensor(quant::QuantizedType type) {
  return isa<quant::UniformQuantizedType>(type);
}

/// The signed storage of an unsigned constant: every value minus
/// 2^(bits-1) (the sign bit flipped; 4-bit values held one a byte are
/// shifted by 8).
ConstTensor onnx_import::toSignedStorage(const ConstTensor &tensor) {
  auto bytes = std::make_shared<std::string>(*tensor.bytes);
  size_t width = tensor.bytesPerElement();
  if (tensor.bits == 4) {
    for (char &c : *bytes)
      c = static_cast<char>(static_cast<uint8_t>(c) - 8);
  } else {
    for (size_t i = width - 1; i < bytes->size(); i += width)
      (*bytes)[i] = static_cast<char>((*bytes)[i] ^ 0x80);
  }
  return ConstTensor{tensor.type, false, bytes, tensor.bits};
}

//===----------------------------------------------------------------------===//
// Quantized types and values
//===----------------------------------------------------------------------===//

FailureOr<Type> Importer::quantizedType(const NodeContext &node,
                                        unsigned scaleInput, unsigned zpInput,
                                        RankedTensorType tensorType,
                                        int64_t defaultAxis, Type expressed,
                                        bool defaultUnsigned,
                                        unsigned defaultWidth) {
  if (node.intAttr("block_size", 0) != 0)
    return node.error() << "blocked quantization (block_size "
                        << node.intAttr("block_size", 0)
                        << ") is not supported",
           failure();
  FailureOr<ConstTensor> scale =
      scaleInput == kUnitScale ? unitScale(node, zpInput)
                               : requireConstant(node, scaleInput, "scale");
  if (failed(scale))
    return failure();
  if (!scale->isFloat())
    return node.error() << "scale must be a float tensor", failure();
  if (!expressed)
    expressed = scale->elementType();
  // Without a zero point ONNX uses 0 of the data's type (uint8 for
  // QuantizeLinear).
  unsigned width = defaultWidth;
  bool isUnsigned = defaultUnsigned;
  std::vector<int64_t> zps(scale->numElements(), 0);
  if (node.hasInput(zpInput)) {
    FailureOr<ConstTensor> zp = requireConstant(node, zpInput, "zero point");
    if (failed(zp))
      return failure();
    width = zp->bitWidth();
    isUnsigned = zp->isUnsigned;
    auto supported = [&] {
      return width == 4 || width == 8 || width == 16 ||
             (width == 32 && !isUnsigned);
    };
    if (!zp->elementType().isInteger() || !supported()) {
      InFlightDiagnostic diag = node.error() << "zero point type ";
      if (zp->elementType().isInteger())
        diag << (isUnsigned ? "u" : "") << "int" << width;
      else
        diag << zp->elementType();
      return diag << " is not supported (int4/uint4, int8/uint8, "
                     "int16/uint16, int32 for biases)",
             failure();
    }
    if (zp->numElements() != scale->numElements())
      return node.error() << "scale and zero point sizes differ";
    zps = zp->ints();
  } else if (width != 4 && width != 8 && width != 16 &&
             !(width == 32 && !isUnsigned)) {
    return node.error() << "quantized data of type " << (isUnsigned ? "u" : "")
                        << "int" << width
                        << " is not supported (int4/uint4, int8/uint8, "
                           "int16/uint16, int32 for biases)",
           failure();
  }
  // Unsigned storage is kept signed, offset by 2^(width-1). 4-bit values
  // live in 8-bit storage with their own range.
  int64_t offset = isUnsigned ? int64_t(1) << (width - 1) : 0;
  for (int64_t &zp : zps)
    zp -= offset;
  Type storage = builder.getIntegerType(std::max(width, 8u));
  int64_t qmin = -(int64_t(1) << (width - 1));
  int64_t qmax = (int64_t(1) << (width - 1)) - 1;
  unsigned flags = quant::QuantizationFlags::Signed;
  std::vector<double> scales = scale->floats();
  for (double s : scales)
    if (!(s > 0) || !std::isfinite(s))
      return node.error() << "scale " << s << " must be positive and finite",
             failure();
  if (scale->type.getRank() == 0 || scales.size() == 1)
    return Type(quant::UniformQuantizedType::get(
        flags, storage, expressed, scales[0], zps[0], qmin, qmax));
  int64_t axis = node.intAttr("axis", defaultAxis);
  int64_t a = axis < 0 ? axis + tensorType.getRank() : axis;
  if (a < 0 || a >= tensorType.getRank() ||
      tensorType.getDimSize(a) != int64_t(scales.size()))
    return node.error() << "per-axis scale has " << scales.size()
                        << " entries, which does not match axis " << axis
                        << " of " << tensorType,
           failure();
  return Type(quant::UniformQuantizedPerAxisType::get(
      flags, storage, expressed, scales, zps, a, qmin, qmax));
}

Value Importer::storageOf(Location loc, Value quantized) {
  if (auto cast = quantized.getDefiningOp<quant::StorageCastOp>())
    if (!quantTypeOf(cast.getInput()))
      return cast.getInput();
  quant::QuantizedType type = quantTypeOf(quantized);
  return quant::StorageCastOp::create(
      builder, loc, typeOf(quantized).clone(getStorageIntegerType(type)),
      quantized);
}

Value Importer::asQuantized(Location loc, Value storage,
                            Type quantizedElement) {
  if (auto cast = storage.getDefiningOp<quant::StorageCastOp>())
    if (getElementTypeOrSelf(cast.getInput()) == quantizedElement)
      return cast.getInput();
  return quant::StorageCastOp::create(
      builder, loc, typeOf(storage).clone(quantizedElement), storage);
}

Value Importer::dequantize(Location loc, Value quantized) {
  Type expressed = quantTypeOf(quantized).getExpressedType();
  return DequantizeOp::create(builder, loc, typeOf(quantized).clone(expressed),
                              quantized);
}

Value Importer::dequantizedSource(Value v) {
  if (auto dq = v.getDefiningOp<DequantizeOp>())
    return dq.getInput();
  return {};
}

Value Importer::flipSignBit(Location loc, Value v) {
  RankedTensorType type = typeOf(v);
  auto element = cast<IntegerType>(type.getElementType());
  Value init = tensor::EmptyOp::create(builder, loc, type.getShape(), element);
  Value mask = arith::ConstantOp::create(
      builder, loc, element,
      builder.getIntegerAttr(element, APInt::getSignMask(element.getWidth())));
  SmallVector<AffineMap> maps(2,
                              builder.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             builder, loc, TypeRange{type}, ValueRange{v}, ValueRange{init},
             maps, iterators,
             [&](OpBuilder &b, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   b, l,
                   arith::XOrIOp::create(b, l, args[0], mask).getResult());
             })
      .getResult(0);
}

FailureOr<ConstTensor> Importer::unitScale(const NodeContext &node,
                                           unsigned zpInput) {
  // As many ones as there are zero points (MatMulInteger's per-column b).
  int64_t count = 1;
  if (const ConstTensor *zp = constant(node, zpInput))
    count = zp->numElements();
  auto type = RankedTensorType::get(count == 1 ? SmallVector<int64_t>{}
                                               : SmallVector<int64_t>{count},
                                    builder.getF32Type());
  return ConstTensor::fromFloats(type, std::vector<double>(count, 1.0));
}

FailureOr<Value> Importer::quantizedInput(const NodeContext &node,
                                          unsigned data, unsigned scaleInput,
                                          unsigned zpInput,
                                          int64_t defaultAxis) {
  const ConstTensor *constData = constant(node, data);
  Value v;
  if (!constData) {
    FailureOr<Value> input = value(node, data);
    if (failed(input))
      return failure();
    v = *input;
  }
  RankedTensorType dataType = constData ? constData->type : typeOf(v);
  // The data's ONNX signedness and width, which a missing zero point takes.
  bool dataUnsigned = constData
                          ? constData->isUnsigned
                          : unsignedValues.contains(node.proto.input(data));
  quant::QuantizedType dataQuant = constData ? nullptr : quantTypeOf(v);
  Type dataElement =
      dataQuant ? dataQuant.getStorageType() : dataType.getElementType();
  unsigned dataWidth = constData ? constData->bitWidth()
                       : dataElement.isInteger()
                           ? dataElement.getIntOrFloatBitWidth()
                           : 8;
  FailureOr<Type> qtype =
      quantizedType(node, scaleInput, zpInput, dataType, defaultAxis,
                    /*expressed=*/{}, dataUnsigned, dataWidth);
  if (failed(qtype))
    return failure();
  auto qt = cast<quant::QuantizedType>(*qtype);
  const ConstTensor *zpConst = constant(node, zpInput);
  bool zpUnsigned = zpConst ? zpConst->isUnsigned : dataUnsigned;
  unsigned width = qt.getStorageTypeIntegralWidth();
  auto mismatch = [&](Type element, bool isUnsigned) {
    std::string name;
    llvm::raw_string_ostream os(name);
    os << element;
    if (isUnsigned && StringRef(name).starts_with("i"))
      name = "u" + name;
    return node.error() << "input " << name
                        << " does not match the zero point type "
                        << (zpUnsigned ? "u" : "") << "i" << width,
           failure();
  };
  if (constData) {
    if (!constData->elementType().isInteger(width) ||
        constData->isUnsigned != zpUnsigned ||
        (zpConst && zpConst->bitWidth() != constData->bitWidth()))
      return mismatch(constData->elementType(), constData->isUnsigned);
    ConstTensor stored = zpUnsigned ? toSignedStorage(*constData) : *constData;
    Value raw = materialize(stored, node.proto.input(data), node.loc);
    return asQuantized(node.loc, raw, qt);
  }
  if (dataQuant) {
    // Already quantized (a QuantizeLinear output): reinterpret its storage.
    if (dataWidth != width || dataUnsigned != zpUnsigned)
      return mismatch(dataElement, dataUnsigned);
    return asQuantized(node.loc, storageOf(node.loc, v), qt);
  }
  if (!dataElement.isInteger(width) || dataUnsigned != zpUnsigned)
    return mismatch(dataElement, dataUnsigned);
  if (dataUnsigned)
    v = flipSignBit(node.loc, v);
  return asQuantized(node.loc, v, qt);
}

std::optional<Importer::QuantizedUse>
Importer::quantizedUse(const NodeContext &node) {
  if (node.proto.output_size() < 1)
    return std::nullopt;
  // The QuantizeLinear may sit behind data movement (Gather, Reshape, ...),
  // which commutes with quantization: QOperator graphs quantize after it.
  std::string value = node.proto.output(0);
  bool direct = true;
  int position;
  while (true) {
    auto it = users.find(value);
    if (it == users.end() || it->second.size() != 1 || it->second[0] < 0)
      return std::nullopt;
    position = it->second[0];
    const onnx::NodeProto &user = *nodes[position];
    bool defaultDomain = user.domain().empty() || user.domain() == "ai.onnx";
    if (defaultDomain && user.op_type() == "QuantizeLinear" &&
        user.input(0) == value)
      break;
    // A Cast to float is the identity on float values (exporters leave
    // them behind).
    bool identityCast =
        user.op_type() == "Cast" &&
        NodeContext{user, nodeLocation(user, nodeIndices[position]), opset}
                .intAttr("to", 0) == onnx::TensorProto::FLOAT;
    if (!defaultDomain ||
        (!identityCast &&
         !llvm::is_contained({"Reshape", "Flatten", "Squeeze", "Unsqueeze",
                              "Transpose", "Gather", "Slice", "Expand",
                              "Identity"},
                             user.op_type())) ||
        user.input_size() < 1 || user.input(0) != value ||
        user.output_size() != 1 || user.output(0).empty())
      return std::nullopt;
    value = user.output(0);
    direct = false;
  }
  const onnx::NodeProto &q = *nodes[position];
  NodeContext qnode{q, nodeLocation(q, nodeIndices[position]), opset};
  const ConstTensor *scale = constant(qnode, 1);
  if (!scale || scale->numElements() != 1 ||
      (qnode.hasInput(2) && !constant(qnode, 2)))
    return std::nullopt;
  FailureOr<Type> type = quantizedType(
      qnode, 1, 2, RankedTensorType::get({}, scale->elementType()));
  if (failed(type) ||
      cast<quant::QuantizedType>(*type).getStorageTypeIntegralWidth() > 16)
    return std::nullopt;
  const ConstTensor *zp = constant(qnode, 2);
  return QuantizedUse{position, cast<quant::QuantizedType>(*type),
                      !zp || zp->isUnsigned, direct, node.proto.output(0)};
}

void Importer::absorb(const QuantizedUse &use, Value quantized) {
  if (!use.direct) {
    // The data movement in between moves the integers; the QuantizeLinear
    // after it then finds its own type.
    values[use.producerOutput] =
        Entry{dequantize(quantized.getLoc(), quantized), std::nullopt};
    return;
  }
  const std::string &output = nodes[use.position]->output(0);
  values[output] = Entry{quantized, std::nullopt};
  if (use.isUnsigned)
    unsignedValues.insert(output);
  absorbed.insert(use.position);
}

void Importer::noteSignedness(const NodeContext &node, unsigned zpInput) {
  // A missing zero point makes the output uint8.
  const ConstTensor *zp = constant(node, zpInput);
  if (!zp || zp->isUnsigned)
    unsignedValues.insert(node.proto.output(0));
}

//===----------------------------------------------------------------------===//
// Integer building blocks
//===----------------------------------------------------------------------===//

static NamedAttribute i32Attr(OpBuilder &b, StringRef name, int64_t v) {
  return b.getNamedAttr(name, b.getI32IntegerAttr(static_cast<int32_t>(v)));
}

FailureOr<Value> Importer::accumulate(const NodeContext &node, Value aQ,
                                      Value bQ, bool transposeB, double alpha) {
  quant::QuantizedType qa = quantTypeOf(aQ), qb = quantTypeOf(bQ);
  if (!qa || !qb || qa.getStorageTypeIntegralWidth() != 8 ||
      qb.getStorageTypeIntegralWidth() != 8 || !isPerTensor(qa))
    return Value();
  std::optional<int64_t> bZp = getUniformZeroPoint(qb);
  RankedTensorType at = typeOf(aQ), bt = typeOf(bQ);
  if (!bZp || at.getRank() < 1 || bt.getRank() < 2)
    return Value();
  int64_t nAxis = transposeB ? bt.getRank() - 2 : bt.getRank() - 1;
  std::optional<int32_t> bAxis = getQuantizedAxis(qb);
  if (bAxis && *bAxis != nAxis)
    return Value();
  Location loc = node.loc;
  Value a = storageOf(loc, aQ), b = storageOf(loc, bQ);
  int64_t aZp = *getUniformZeroPoint(qa);
  double aScale = getScales(qa).front();
  SmallVector<double> scales;
  for (double s : getScales(qb))
    scales.push_back(aScale * s * alpha);
  bool perChannel = scales.size() > 1;
  SmallVector<int64_t> shape(at.getShape().drop_back());
  shape.push_back(bt.getDimSize(nAxis));
  auto resultType = RankedTensorType::get(shape, builder.getI32Type());
  SmallVector<NamedAttribute> attrs = {i32Attr(builder, "input_zp", aZp)};
  if (transposeB)
    attrs.push_back(
        builder.getNamedAttr("transpose_weight", builder.getUnitAttr()));
  Value acc;
  if (bt.getRank() == 2 && *bZp == 0 && matchPattern(b, m_Constant())) {
    // A constant symmetric weight: a linear layer, whose epilogue takes
    // the bias and the requantisation later.
    acc = LinearOp::create(builder, loc, TypeRange{resultType},
                           ValueRange{a, b}, attrs);
  } else {
    if (perChannel || at.getRank() < 2 ||
        (bt.getRank() != 2 &&
         (bt.getRank() != at.getRank() ||
          bt.getShape().drop_back(2) != at.getShape().drop_back(2))))
      return Value();
    SmallVector<NamedAttribute> mmAttrs = {i32Attr(builder, "lhs_zp", aZp),
                                           i32Attr(builder, "rhs_zp", *bZp)};
    if (transposeB)
      mmAttrs.push_back(
          builder.getNamedAttr("transpose_rhs", builder.getUnitAttr()));
    acc = MatmulOp::create(builder, loc, TypeRange{resultType},
                           ValueRange{a, b}, mmAttrs);
  }
  auto expressed = cast<FloatType>(qa.getExpressedType());
  std::optional<int32_t> axis;
  if (perChannel)
    axis = static_cast<int32_t>(shape.size() - 1);
  return asQuantized(loc, acc,
                     getSymmetricType(context, scales, axis, 32, expressed));
}

FailureOr<Value> Importer::convAccumulate(const NodeContext &node, Value xQ,
                                          Value wQ) {
  quant::QuantizedType qx = quantTypeOf(xQ), qw = quantTypeOf(wQ);
  if (!qx || !qw || qx.getStorageTypeIntegralWidth() != 8 ||
      qw.getStorageTypeIntegralWidth() != 8 || !isPerTensor(qx) ||
      getUniformZeroPoint(qw) != int64_t(0) ||
      getQuantizedAxis(qw).value_or(0) != 0)
    return Value();
  FailureOr<ConvParams> params = convParams(node);
  if (failed(params))
    return failure();
  FailureOr<SmallVector<int64_t>> shape =
      convOutputShape(node, typeOf(xQ), typeOf(wQ), *params);
  if (failed(shape))
    return failure();
  Location loc = node.loc;
  auto resultType = RankedTensorType::get(*shape, builder.getI32Type());
  Value acc = Conv2DOp::create(
      builder, loc, TypeRange{resultType},
      ValueRange{storageOf(loc, xQ), storageOf(loc, wQ)},
      {builder.getNamedAttr("strides",
                            builder.getDenseI64ArrayAttr(params->strides)),
       builder.getNamedAttr("pads", builder.getDenseI64ArrayAttr(params->pads)),
       builder.getNamedAttr("dilations",
                            builder.getDenseI64ArrayAttr(params->dilations)),
       builder.getNamedAttr("groups",
                            builder.getI64IntegerAttr(params->groups)),
       i32Attr(builder, "input_zp", *getUniformZeroPoint(qx))});
  double xScale = getScales(qx).front();
  SmallVector<double> scales;
  for (double s : getScales(qw))
    scales.push_back(xScale * s);
  std::optional<int32_t> axis;
  if (scales.size() > 1)
    axis = 1;
  auto expressed = cast<FloatType>(qx.getExpressedType());
  return asQuantized(loc, acc,
                     getSymmetricType(context, scales, axis, 32, expressed));
}

/// The linear or conv2d op computing accumulator `acc`, if its epilogue is
/// still free (no rescale yet; no bias yet when `needBias`).
static Operation *accumulatingOp(Value acc, bool needBias) {
  Operation *op = acc.getDefiningOp();
  if (auto linear = dyn_cast_or_null<LinearOp>(op))
    return !linear.getRescale() && !(needBias && linear.getBias()) ? op
                                                                   : nullptr;
  if (auto conv = dyn_cast_or_null<Conv2DOp>(op))
    return !conv.getRescale() && !(needBias && conv.getBias()) ? op : nullptr;
  return nullptr;
}

FailureOr<Value> Importer::addBias(const NodeContext &node, Value accQ,
                                   unsigned biasInput, double beta,
                                   bool accumulatorUnits, bool channelBias) {
  Location loc = node.loc;
  Value acc = storageOf(loc, accQ);
  Operation *producer = accumulatingOp(acc, /*needBias=*/true);
  const ConstTensor *c = constant(node, biasInput);
  // A bias computed at run time stays a float (or integer) add.
  if (!producer || !c)
    return Value();
  quant::QuantizedType qacc = quantTypeOf(accQ);
  RankedTensorType accType = typeOf(acc);
  int64_t channelDim = isa<Conv2DOp>(producer) ? 1 : accType.getRank() - 1;
  int64_t channels = accType.getDimSize(channelDim);
  SmallVector<double> accScales = getScales(qacc);
  auto accScale = [&](int64_t ch) {
    return accScales.size() == 1 ? accScales[0] : accScales[ch];
  };
  const std::string &name = node.proto.input(biasInput);
  auto unusable = [&]() {
    return node.error() << "bias '" << name << "' cannot join the integer "
                        << "accumulator: ";
  };

  // The bias must broadcast along the channel dimension only (a Conv's own
  // 1-D bias input is indexed by channel).
  RankedTensorType biasType = c->type;
  if (channelBias && biasType.getRank() == 1)
    biasType = RankedTensorType::get({biasType.getDimSize(0), 1, 1},
                                     biasType.getElementType());
  int64_t offset = accType.getRank() - biasType.getRank();
  bool alongChannels = offset >= 0 && biasType.getNumElements() == channels;
  for (auto [i, size] : llvm::enumerate(biasType.getShape()))
    alongChannels &= size == 1 || int64_t(i) + offset == channelDim;
  const QuantizedConstant *q = quantizedConstant(node, biasInput);
  // Any other constant (a position embedding, say) is an ordinary operand
  // of the add; only what is clearly a bias must fold: an int32 constant
  // or one with a value per output channel.
  bool biasLike = biasType.getNumElements() == channels ||
                  (q && q->type.getStorageTypeIntegralWidth() == 32);
  if (!alongChannels && !biasLike)
    return Value();
  if (!alongChannels)
    return unusable() << "its shape " << c->type << " does not run along the "
                      << channels << " output channels of " << accType,
           failure();

  std::vector<int64_t> ints(channels);
  if (q) {
    // A dequantized integer bias (int32 at the accumulator's scale, as
    // quantizers write it): its integers are the accumulator's when the
    // scales agree, else they are rescaled here, once.
    SmallVector<double> scales = getScales(q->type);
    auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(q->type);
    std::vector<int64_t> stored = q->storage.ints();
    double worst = 0;
    bool rescaled = false;
    for (int64_t ch = 0; ch < channels; ++ch) {
      size_t k = scales.size() == 1 ? 0 : ch;
      int64_t zp =
          perAxis ? perAxis.getZeroPoints()[k]
                  : cast<quant::UniformQuantizedType>(q->type).getZeroPoint();
      double ratio = scales[k] * beta / accScale(ch);
      double exact = static_cast<double>(stored[ch] - zp) * ratio;
      double rounded = std::nearbyint(exact);
      if (!(std::fabs(rounded) < 2147483647.0))
        return unusable() << "its value " << exact << " overflows int32 at "
                          << "the accumulator scale " << accScale(ch),
               failure();
      // Quantizers multiply the two scales in float32: equal within that.
      bool same = std::fabs(ratio - 1.0) <= 1e-6;
      ints[ch] = same ? stored[ch] - zp : static_cast<int64_t>(rounded);
      rescaled |= !same;
      if (!same)
        worst = std::max(worst, std::fabs(rounded - exact));
    }
    // An int32 bias at another scale is unusual enough to say so (8- and
    // 16-bit biases are quantized like activations and rescale anyway).
    if (rescaled && q->type.getStorageTypeIntegralWidth() == 32)
      emitRemark(loc) << "bias '" << name << "' is quantized at a scale "
                      << "other than input scale x weight scale; its "
                      << "integers are rescaled to the accumulator at compile "
                      << "time (largest rounding " << worst
                      << " accumulator units)";
  } else {
    // QOperator biases are int32 in accumulator units already; QDQ ones are
    // float.
    if (c->isFloat() == accumulatorUnits)
      return unusable() << "expected "
                        << (accumulatorUnits ? "int32 integers" : "floats")
                        << ", got " << c->elementType(),
             failure();
    std::vector<double> real = c->floats();
    for (int64_t ch = 0; ch < channels; ++ch) {
      if (accumulatorUnits)
        real[ch] *= accScale(ch);
      double v = std::nearbyint(real[ch] * beta / accScale(ch));
      if (!(std::fabs(v) < 2147483647.0))
        return unusable() << "its value " << real[ch] << " overflows int32 "
                          << "at the accumulator scale " << accScale(ch),
               failure();
      ints[ch] = static_cast<int64_t>(v);
    }
  }
  auto type = RankedTensorType::get({channels}, builder.getI32Type());
  Value bias =
      materialize(ConstTensor::fromInts(type, ints), name + "_int32", loc);
  SmallVector<Value> operands(producer->getOperands());
  operands.push_back(bias);
  Operation *withBias =
      builder.create(loc, producer->getName().getIdentifier(), operands,
                     TypeRange{accType}, producer->getAttrs());
  return asQuantized(loc, withBias->getResult(0), qacc);
}

FailureOr<Value> Importer::requantize(const NodeContext &node, Value source,
                                      quant::QuantizedType target) {
  quant::QuantizedType src = quantTypeOf(source);
  if (src == target)
    return source;
  std::optional<int64_t> srcZp = getUniformZeroPoint(src);
  if (!isPerTensor(target) || !srcZp ||
      target.getStorageTypeIntegralWidth() > 16)
    return Value();
  double outScale = getScales(target).front();
  SmallVector<double> factors;
  for (double s : getScales(src))
    factors.push_back(s / outScale);
  FailureOr<RescaleAttr> rescale =
      getRescaleAttr(context, factors, getQuantizedAxis(src));
  if (failed(rescale))
    return node.error() << "the rescale factor " << factors.front()
                        << " (input scale / output scale) is outside the "
                           "range vitq supports",
           failure();
  Location loc = node.loc;
  Value storage = storageOf(loc, source);
  auto outType = typeOf(storage).clone(getStorageIntegerType(target));
  int64_t outZp = *getUniformZeroPoint(target);
  Value result;
  if (Operation *producer = accumulatingOp(storage, /*needBias=*/false)) {
    // Fuse the requantisation into the accumulating op's epilogue.
    SmallVector<NamedAttribute> attrs(producer->getAttrs());
    attrs.push_back(builder.getNamedAttr("rescale", *rescale));
    attrs.push_back(i32Attr(builder, "output_zp", outZp));
    result = builder
                 .create(loc, producer->getName().getIdentifier(),
                         producer->getOperands(), TypeRange{outType}, attrs)
                 ->getResult(0);
  } else {
    result = RequantizeOp::create(builder, loc, TypeRange{outType},
                                  ValueRange{storage},
                                  {builder.getNamedAttr("rescale", *rescale),
                                   i32Attr(builder, "input_zp", *srcZp),
                                   i32Attr(builder, "output_zp", outZp)});
  }
  return asQuantized(loc, result, target);
}

FailureOr<Value> Importer::quantizedAdd(const NodeContext &node, Value aQ,
                                        Value bQ, quant::QuantizedType target,
                                        bool subtract) {
  quant::QuantizedType qa = quantTypeOf(aQ), qb = quantTypeOf(bQ);
  auto activation = [](quant::QuantizedType t) {
    return t && isPerTensor(t) && t.getStorageTypeIntegralWidth() <= 16;
  };
  if (!activation(qa) || !activation(qb) || !activation(target))
    return Value();
  double outScale = getScales(target).front();
  std::optional<AddScales> scales = computeAddScales(
      getScales(qa).front() / outScale, getScales(qb).front() / outScale);
  if (!scales)
    return node.error() << "the operand/output scale ratios are outside the "
                           "range vitq supports",
           failure();
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(typeOf(aQ).getShape(),
                                          typeOf(bQ).getShape(), shape))
    return node.error() << "operand shapes do not broadcast", failure();
  Location loc = node.loc;
  auto resultType = RankedTensorType::get(shape, getStorageIntegerType(target));
  Value sum = AddOp::create(
      builder, loc, TypeRange{resultType},
      ValueRange{storageOf(loc, aQ), storageOf(loc, bQ)},
      {i32Attr(builder, "lhs_multiplier", scales->lhsMultiplier),
       i32Attr(builder, "rhs_multiplier",
               subtract ? -scales->rhsMultiplier : scales->rhsMultiplier),
       i32Attr(builder, "shift", scales->shift),
       i32Attr(builder, "lhs_zp", *getUniformZeroPoint(qa)),
       i32Attr(builder, "rhs_zp", *getUniformZeroPoint(qb)),
       i32Attr(builder, "output_zp", *getUniformZeroPoint(target))});
  return asQuantized(loc, sum, target);
}

FailureOr<Value> Importer::quantizeConstantOperand(const NodeContext &node,
                                                   unsigned input) {
  const ConstTensor *c = constant(node, input);
  if (!c || !c->isFloat())
    return Value();
  // Symmetric int16: fine enough that the constant's rounding error stays
  // far below the int8 activation it is added to.
  std::vector<double> real = c->floats();
  double maxAbs = 0;
  for (double v : real)
    maxAbs = std::max(maxAbs, std::fabs(v));
  double scale = maxAbs > 0 ? maxAbs / 32767.0 : 1.0;
  std::vector<int64_t> ints;
  for (double v : real)
    ints.push_back(toInt64(std::nearbyint(v / scale)));
  auto type =
      RankedTensorType::get(c->type.getShape(), builder.getIntegerType(16));
  Value stored = materialize(ConstTensor::fromInts(type, ints),
                             node.proto.input(input) + "_int16", node.loc);
  return asQuantized(node.loc, stored,
                     getSymmetricType(context, {scale}, std::nullopt, 16,
                                      cast<FloatType>(c->elementType())));
}

//===----------------------------------------------------------------------===//
// QDQ islands
//===----------------------------------------------------------------------===//

FailureOr<bool> Importer::tryQuantizedMatMul(const NodeContext &node) {
  FailureOr<Value> aQ = quantizedSource(node, 0), bQ = quantizedSource(node, 1);
  if (failed(aQ) || failed(bQ))
    return failure();
  if (!*aQ || !*bQ)
    return false;
  FailureOr<Value> acc = accumulate(node, *aQ, *bQ, /*transposeB=*/false);
  if (failed(acc))
    return failure();
  if (!*acc)
    return false;
  return succeeded(finishQuantized(node, *acc));
}

FailureOr<bool> Importer::tryQuantizedGemm(const NodeContext &node) {
  if (node.intAttr("transA", 0))
    return false;
  FailureOr<Value> aQ = quantizedSource(node, 0), bQ = quantizedSource(node, 1);
  if (failed(aQ) || failed(bQ))
    return failure();
  if (!*aQ || !*bQ || typeOf(*aQ).getRank() != 2)
    return false;
  FailureOr<Value> acc = accumulate(node, *aQ, *bQ, node.intAttr("transB", 0),
                                    node.floatAttr("alpha", 1.0f));
  if (failed(acc) || !*acc)
    return failed(acc) ? FailureOr<bool>(failure()) : false;
  if (node.hasInput(2)) {
    acc = addBias(node, *acc, 2, node.floatAttr("beta", 1.0f));
    if (failed(acc) || !*acc)
      return failed(acc) ? FailureOr<bool>(failure()) : false;
  }
  return succeeded(finishQuantized(node, *acc));
}

FailureOr<bool> Importer::tryQuantizedConv(const NodeContext &node) {
  FailureOr<Value> xQ = quantizedSource(node, 0), wQ = quantizedSource(node, 1);
  if (failed(xQ) || failed(wQ))
    return failure();
  if (!*xQ || !*wQ)
    return false;
  FailureOr<Value> acc = convAccumulate(node, *xQ, *wQ);
  if (failed(acc) || !*acc)
    return failed(acc) ? FailureOr<bool>(failure()) : false;
  if (node.hasInput(2)) {
    acc = addBias(node, *acc, 2, 1.0, /*accumulatorUnits=*/false,
                  /*channelBias=*/true);
    if (failed(acc) || !*acc)
      return failed(acc) ? FailureOr<bool>(failure()) : false;
  }
  return succeeded(finishQuantized(node, *acc));
}

LogicalResult Importer::finishQuantized(const NodeContext &node,
                                        Value quantized) {
  if (std::optional<QuantizedUse> use = quantizedUse(node)) {
    FailureOr<Value> q = requantize(node, quantized, use->type);
    if (failed(q))
      return failure();
    if (*q) {
      absorb(*use, *q);
      return success();
    }
  }
  setResult(node, 0, dequantize(node.loc, quantized));
  return success();
}

FailureOr<bool> Importer::tryQuantizedAdd(const NodeContext &node,
                                          bool subtract) {
  if (!node.hasInput(0) || !node.hasInput(1))
    return false;
  Value sources[2];
  for (unsigned i = 0; i < 2; ++i)
    if (!constant(node, i)) {
      FailureOr<Value> v = value(node, i);
      if (failed(v))
        return failure();
      sources[i] = dequantizedSource(*v);
      if (!sources[i])
        return false;
    }
  // A bias added to an int32 accumulator folds into its op.
  for (unsigned i = 0; i < (subtract ? 0u : 2u); ++i) {
    quant::QuantizedType acc = quantTypeOf(sources[i]);
    if (!acc || acc.getStorageTypeIntegralWidth() != 32)
      continue;
    FailureOr<Value> withBias = addBias(node, sources[i], 1 - i);
    if (failed(withBias))
      return failure();
    if (!*withBias)
      return false;
    return succeeded(finishQuantized(node, *withBias));
  }
  // An add of two activations (or of an activation and a constant).
  std::optional<QuantizedUse> use = quantizedUse(node);
  if (!use)
    return false;
  for (unsigned i = 0; i < 2; ++i) {
    if (sources[i])
      continue;
    // A dequantized constant adds its own integers; a float one is
    // quantized here.
    const QuantizedConstant *q = quantizedConstant(node, i);
    if (q && isPerTensor(q->type) &&
        q->type.getStorageTypeIntegralWidth() <= 16) {
      FailureOr<Value> stored = quantizedSource(node, i);
      if (failed(stored))
        return failure();
      sources[i] = *stored;
      continue;
    }
    FailureOr<Value> c = quantizeConstantOperand(node, i);
    if (failed(c) || !*c)
      return failed(c) ? FailureOr<bool>(failure()) : false;
    sources[i] = *c;
  }
  FailureOr<Value> sum =
      quantizedAdd(node, sources[0], sources[1], use->type, subtract);
  if (failed(sum) || !*sum)
    return failed(sum) ? FailureOr<bool>(failure()) : false;
  absorb(*use, *sum);
  return true;
}

/// `type` with every scale multiplied by `factor`.
static quant::QuantizedType scaledType(quant::QuantizedType type,
                                       double factor) {
  if (auto t = dyn_cast<quant::UniformQuantizedType>(type))
    return quant::UniformQuantizedType::get(
        t.getFlags(), t.getStorageType(), t.getExpressedType(),
        t.getScale() * factor, t.getZeroPoint(), t.getStorageTypeMin(),
        t.getStorageTypeMax());
  auto t = cast<quant::UniformQuantizedPerAxisType>(type);
  SmallVector<double> scales;
  for (double s : t.getScales())
    scales.push_back(s * factor);
  return quant::UniformQuantizedPerAxisType::get(
      t.getFlags(), t.getStorageType(), t.getExpressedType(), scales,
      t.getZeroPoints(), t.getQuantizedDimension(), t.getStorageTypeMin(),
      t.getStorageTypeMax());
}

FailureOr<bool> Importer::tryQuantizedMul(const NodeContext &node) {
  // x * c and x / c with c a positive scalar are x with its scale
  // multiplied (divided) by c: the attention scale before or after Q K^T.
  bool divide = node.proto.op_type() == "Div";
  for (unsigned i = 0; i < (divide ? 1u : 2u); ++i) {
    const ConstTensor *c = constant(node, 1 - i);
    if (!c || !c->isFloat() || constant(node, i))
      continue;
    if (c->numElements() != 1) {
      // A per-channel constant (a layer scale): one factor per index of
      // the one dimension it does not broadcast.
      FailureOr<Value> x = value(node, i);
      if (failed(x))
        return failure();
      RankedTensorType xt = typeOf(*x);
      int64_t offset = xt.getRank() - c->type.getRank(), axis = -1;
      if (offset < 0)
        return false;
      for (int64_t d = 0; d < c->type.getRank(); ++d) {
        if (c->type.getDimSize(d) == 1)
          continue;
        if (axis >= 0 || c->type.getDimSize(d) != xt.getDimSize(offset + d))
          return false;
        axis = offset + d;
      }
      if (axis < 0)
        return false;
      std::vector<double> factors = c->floats();
      if (divide)
        for (double &f : factors)
          f = 1.0 / f;
      return tryQuantizedAffine(node, *x, axis, factors,
                                std::vector<double>(factors.size(), 0.0));
    }
    double factor = divide ? 1.0 / c->floatAt(0) : c->floatAt(0);
    FailureOr<Value> x = value(node, i);
    if (failed(x))
      return failure();
    Value xQ = dequantizedSource(*x);
    if (!xQ || !(factor > 0) || !std::isfinite(factor) ||
        typeOf(*x).getRank() < c->type.getRank())
      return false;
    Value scaled = asQuantized(node.loc, storageOf(node.loc, xQ),
                               scaledType(quantTypeOf(xQ), factor));
    setResult(node, 0, dequantize(node.loc, scaled));
    return true;
  }
  return false;
}

FailureOr<bool> Importer::tryQuantizedProduct(const NodeContext &node) {
  bool divide = node.proto.op_type() == "Div";
  if (constant(node, 0) || constant(node, 1))
    return false;
  FailureOr<Value> a = value(node, 0), b = value(node, 1);
  if (failed(a) || failed(b))
    return failure();
  Value qa = dequantizedSource(*a), qb = dequantizedSource(*b);
  if (!qa || !qb || !isPerTensor(quantTypeOf(qa)) ||
      !isPerTensor(quantTypeOf(qb)))
    return false;
  std::optional<QuantizedUse> use = quantizedUse(node);
  if (!use || !isPerTensor(use->type))
    return false;
  auto ta = cast<quant::UniformQuantizedType>(quantTypeOf(qa));
  auto tb = cast<quant::UniformQuantizedType>(quantTypeOf(qb));
  auto out = cast<quant::UniformQuantizedType>(use->type);
  unsigned wa = ta.getStorageTypeIntegralWidth(),
           wb = tb.getStorageTypeIntegralWidth();
  if (wa > 16 || wb > 16 || (!divide && wa + wb > 24))
    return false;
  double factor = divide ? ta.getScale() / (tb.getScale() * out.getScale())
                         : ta.getScale() * tb.getScale() / out.getScale();
  FailureOr<RescaleAttr> rescale =
      getRescaleAttr(builder.getContext(), {factor}, std::nullopt);
  if (failed(rescale))
    return false;
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(typeOf(qa).getShape(),
                                          typeOf(qb).getShape(), shape))
    return false;
  Location loc = node.loc;
  auto resultType = RankedTensorType::get(shape, getStorageIntegerType(out));
  Value la = storageOf(loc, qa), lb = storageOf(loc, qb);
  auto zp = [&](quant::UniformQuantizedType t) {
    return builder.getI32IntegerAttr(t.getZeroPoint());
  };
  Value result = divide ? DivOp::create(builder, loc, resultType, la, lb,
                                        *rescale, zp(ta), zp(tb), zp(out))
                              .getResult()
                        : MulOp::create(builder, loc, resultType, la, lb,
                                        *rescale, zp(ta), zp(tb), zp(out))
                              .getResult();
  absorb(*use, asQuantized(loc, result, out));
  return true;
}

std::optional<Importer::AffineParams>
Importer::affineParams(quant::UniformQuantizedType in,
                       quant::UniformQuantizedType out, int64_t axis,
                       ArrayRef<double> scale, ArrayRef<double> shift) {
  SmallVector<double> factors;
  SmallVector<int32_t> bias;
  for (auto [a, b] : llvm::zip_equal(scale, shift)) {
    factors.push_back(a * in.getScale() / out.getScale());
    double c = std::nearbyint(b / out.getScale()) + out.getZeroPoint();
    bias.push_back(static_cast<int32_t>(
        std::clamp<double>(c, std::numeric_limits<int32_t>::min(),
                           std::numeric_limits<int32_t>::max())));
  }
  FailureOr<RescaleAttr> rescale =
      getSignedRescaleAttr(builder.getContext(), factors, axis);
  if (failed(rescale))
    return std::nullopt;
  if (llvm::all_equal(bias))
    bias.resize(1);
  return AffineParams{*rescale, std::move(bias)};
}

Value Importer::buildAffine(Location loc, Value q,
                            quant::UniformQuantizedType in,
                            quant::UniformQuantizedType out,
                            const AffineParams &params) {
  Value result = AffineOp::create(builder, loc,
                                  typeOf(q).clone(getStorageIntegerType(out)),
                                  storageOf(loc, q), params.rescale,
                                  builder.getDenseI32ArrayAttr(params.bias),
                                  builder.getI32IntegerAttr(in.getZeroPoint()));
  return asQuantized(loc, result, out);
}

FailureOr<bool> Importer::tryQuantizedAffine(const NodeContext &node,
                                             Value input, int64_t axis,
                                             ArrayRef<double> scale,
                                             ArrayRef<double> shift) {
  std::optional<QuantizedUnary> unary = quantizedUnary(node, input);
  if (!unary)
    return false;
  auto [q, in, out, use] = *unary;
  std::optional<AffineParams> params =
      affineParams(in, out, axis, scale, shift);
  if (!params)
    return false;
  absorb(use, buildAffine(node.loc, q, in, out, *params));
  return true;
}

FailureOr<bool>
Importer::tryQuantizedAvgPool(const NodeContext &node, Value input,
                              ArrayRef<int64_t> kernel,
                              ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                              bool includePad, ArrayRef<int64_t> outputShape) {
  std::optional<QuantizedUnary> unary = quantizedUnary(node, input);
  if (!unary)
    return false;
  auto [q, in, out, use] = *unary;
  if (kernel[0] > 64 || kernel[1] > 64 || pads[0] >= kernel[0] ||
      pads[2] >= kernel[0] || pads[1] >= kernel[1] || pads[3] >= kernel[1])
    return false;
  SmallVector<int32_t> multipliers, shifts;
  for (int64_t count = 1; count <= kernel[0] * kernel[1]; ++count) {
    std::optional<DyadicScale> d = computeDyadicScale(
        in.getScale() / (static_cast<double>(count) * out.getScale()));
    if (!d)
      return false;
    multipliers.push_back(d->multiplier);
    shifts.push_back(d->shift);
  }
  Location loc = node.loc;
  Value result = AvgPool2DOp::create(
      builder, loc,
      RankedTensorType::get(outputShape, getStorageIntegerType(out)),
      storageOf(loc, q), builder.getDenseI64ArrayAttr(kernel),
      builder.getDenseI64ArrayAttr(strides), builder.getDenseI64ArrayAttr(pads),
      includePad ? builder.getUnitAttr() : UnitAttr(),
      builder.getDenseI32ArrayAttr(multipliers),
      builder.getDenseI32ArrayAttr(shifts),
      builder.getI32IntegerAttr(in.getZeroPoint()),
      builder.getI32IntegerAttr(out.getZeroPoint()));
  absorb(use, asQuantized(loc, result, out));
  return true;
}

FailureOr<bool> Importer::tryQuantizedReduce(
    const NodeContext &node, Value input, ArrayRef<int64_t> dims, int64_t count,
    bool mean, ArrayRef<int64_t> reducedShape, ArrayRef<int64_t> resultShape) {
  std::optional<QuantizedUnary> unary = quantizedUnary(node, input);
  if (!unary)
    return false;
  auto [q, in, out, use] = *unary;
  unsigned bits = in.getStorageTypeIntegralWidth();
  if (count > (int64_t{1} << (31 - bits)))
    return false;
  double factor = in.getScale() / out.getScale() / (mean ? count : 1);
  FailureOr<RescaleAttr> rescale =
      getRescaleAttr(builder.getContext(), {factor}, std::nullopt);
  if (failed(rescale))
    return false;
  Location loc = node.loc;
  Value sum = ReduceSumOp::create(
      builder, loc, RankedTensorType::get(reducedShape, builder.getI32Type()),
      storageOf(loc, q), builder.getDenseI64ArrayAttr(dims),
      builder.getI32IntegerAttr(in.getZeroPoint()));
  Value result = RequantizeOp::create(
      builder, loc,
      RankedTensorType::get(reducedShape, getStorageIntegerType(out)), sum,
      *rescale, builder.getI32IntegerAttr(0),
      builder.getI32IntegerAttr(out.getZeroPoint()));
  absorb(use, asQuantized(loc, reshape(loc, result, resultShape), out));
  return true;
}

Value Importer::quantizeConstant(const ConstTensor &real,
                                 quant::UniformQuantizedType target,
                                 llvm::StringRef name, Location loc) {
  // QuantizeLinear's rounding (half to even) and saturation.
  std::vector<int64_t> ints;
  for (double v : real.floats()) {
    double q = std::nearbyint(v / target.getScale()) + target.getZeroPoint();
    ints.push_back(toInt64(std::clamp(q, double(target.getStorageTypeMin()),
                                      double(target.getStorageTypeMax()))));
  }
  auto type = RankedTensorType::get(real.type.getShape(),
                                    getStorageIntegerType(target));
  Value storage = materialize(ConstTensor::fromInts(type, ints), name, loc);
  return asQuantized(loc, storage, target);
}

FailureOr<bool> Importer::convertQuantizedMovement(const NodeContext &node,
                                                   Converter converter) {
  // Concat moves every input; the other ops only their data input.
  bool concat = node.proto.op_type() == "Concat";
  unsigned count = concat ? node.proto.input_size() : 1;
  // Each operand: quantized at run time, a dequantized constant, or (for
  // Concat) a float constant that takes the result's parameters.
  SmallVector<Value> sources(count);
  SmallVector<const ConstTensor *> constants(count, nullptr);
  quant::QuantizedType common;
  bool mixed = false, keepQuantized = false;
  for (unsigned i = 0; i < count; ++i) {
    if (!node.hasInput(i) || !values.count(node.proto.input(i)))
      return false;
    constants[i] = constant(node, i);
    quant::QuantizedType type;
    if (constants[i]) {
      if (!concat)
        return false; // folded already when foldable
      if (const QuantizedConstant *q = quantizedConstant(node, i))
        type = q->type;
      else if (!constants[i]->isFloat())
        return false;
    } else {
      FailureOr<Value> q = quantizedSource(node, i);
      if (failed(q))
        return failure();
      if (!*q) {
        // QOperator graphs move the quantized tensors themselves.
        FailureOr<Value> v = value(node, i);
        if (failed(v))
          return failure();
        if (!quantTypeOf(*v))
          return false;
        q = *v;
        keepQuantized = true;
      }
      sources[i] = *q;
      type = quantTypeOf(*q);
    }
    if (!type)
      continue;
    if (!isPerTensor(type))
      return false;
    mixed |= common && type != common;
    common = common ? common : type;
  }
  if (!common)
    return false;
  // The result's type: the one QuantizeLinear after a Concat (each operand
  // is requantized to it in integers), else the operands' common one.
  quant::QuantizedType target = common;
  std::optional<QuantizedUse> use;
  if (concat)
    use = quantizedUse(node);
  if (use && isPerTensor(use->type))
    target = use->type;
  else if (mixed)
    return false;
  else
    use.reset();
  // A float constant takes quantized parameters only where the graph
  // quantizes the result anyway; elsewhere it would lose precision.
  if (!use && llvm::any_of(llvm::seq<unsigned>(0, count), [&](unsigned i) {
        return !sources[i] && !quantizedConstant(node, i);
      }))
    return false;
  auto uniformTarget = cast<quant::UniformQuantizedType>(target);
  SmallVector<Value> storages;
  for (unsigned i = 0; i < count; ++i) {
    Value q = sources[i];
    if (!q) {
      q = quantizeConstant(*constants[i], uniformTarget,
                           node.proto.input(i) + "_q", node.loc);
    } else if (quantTypeOf(q) != target) {
      FailureOr<Value> r = requantize(node, q, target);
      if (failed(r) || !*r)
        return failed(r) ? FailureOr<bool>(failure()) : false;
      q = *r;
    }
    storages.push_back(storageOf(node.loc, q));
  }
  // Convert with the integer storage standing in for the floats (an input
  // named twice, as in Concat(a, a), is swapped and restored once).
  SmallVector<std::pair<std::string, Entry>> saved;
  for (unsigned i = 0; i < count; ++i) {
    const std::string &name = node.proto.input(i);
    if (llvm::any_of(saved, [&](const auto &s) { return s.first == name; }))
      continue;
    Entry &entry = values[name];
    saved.emplace_back(name, entry);
    entry = Entry{storages[i], std::nullopt};
  }
  LogicalResult result = (this->*converter)(node);
  for (auto &[name, entry] : saved)
    values[name] = std::move(entry);
  if (failed(result))
    return failure();
  for (const std::string &output : node.proto.output()) {
    auto it = values.find(output);
    if (output.empty() || it == values.end() || !it->second.value)
      continue;
    Value quantized = asQuantized(node.loc, it->second.value, target);
    if (use) {
      absorb(*use, quantized);
      continue;
    }
    it->second.value =
        keepQuantized ? quantized : dequantize(node.loc, quantized);
  }
  return true;
}

Importer::IslandOperand Importer::islandOperand(const NodeContext &node,
                                                Value input) {
  Value q = dequantizedSource(input);
  if (q && isPerTensor(quantTypeOf(q)))
    if (std::optional<QuantizedUse> use = quantizedUse(node))
      return IslandOperand{q, typeOf(input).clone(use->type), use};
  return IslandOperand{input, typeOf(input), std::nullopt};
}

Importer::IslandOperand Importer::tableIsland(const NodeContext &node,
                                              Value input) {
  IslandOperand island = islandOperand(node, input);
  if (island.use &&
      (quantTypeOf(island.value).getStorageTypeIntegralWidth() != 8 ||
       !isPerTensor(island.use->type)))
    return IslandOperand{input, typeOf(input), std::nullopt};
  return island;
}

std::optional<Importer::QuantizedUnary>
Importer::quantizedUnary(const NodeContext &node, Value input) {
  IslandOperand island = islandOperand(node, input);
  if (!island.use || !isPerTensor(island.use->type))
    return std::nullopt;
  auto in = cast<quant::UniformQuantizedType>(quantTypeOf(island.value));
  if (in.getStorageTypeIntegralWidth() > 16)
    return std::nullopt;
  return QuantizedUnary{island.value, in,
                        cast<quant::UniformQuantizedType>(island.use->type),
                        *island.use};
}

void Importer::finishIsland(const NodeContext &node, const IslandOperand &in,
                            Value result) {
  if (in.use)
    absorb(*in.use, result);
  else
    setResult(node, 0, result);
}

//===----------------------------------------------------------------------===//
// QuantizeLinear / DequantizeLinear
//===----------------------------------------------------------------------===//

LogicalResult Importer::convertQuantizeLinear(const NodeContext &node) {
  if (const ConstTensor *c = constant(node, 0)) {
    // Quantize constants at import time, keeping ONNX's storage type.
    if (!c->isFloat())
      return node.error() << "input must be a float tensor";
    FailureOr<Type> qtype =
        quantizedType(node, 1, 2, c->type, 1, c->elementType());
    if (failed(qtype))
      return failure();
    auto qt = cast<quant::QuantizedType>(*qtype);
    const ConstTensor *zp = constant(node, 2);
    bool isUnsigned = zp ? zp->isUnsigned : true;
    unsigned bits = zp ? zp->bitWidth() : 8;
    int64_t offset = isUnsigned ? int64_t(1) << (bits - 1) : 0;
    SmallVector<double> scales = getScales(qt);
    std::optional<int32_t> axis = getQuantizedAxis(qt);
    auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(qt);
    std::vector<double> real = c->floats();
    std::vector<int64_t> ints;
    int64_t inner = 1;
    if (axis)
      for (int64_t d = *axis + 1; d < c->type.getRank(); ++d)
        inner *= c->type.getDimSize(d);
    for (auto [i, v] : llvm::enumerate(real)) {
      size_t ch = axis ? (i / inner) % scales.size() : 0;
      int64_t z = perAxis
                      ? perAxis.getZeroPoints()[ch]
                      : cast<quant::UniformQuantizedType>(qt).getZeroPoint();
      double q = std::nearbyint(v / scales[ch]) + z;
      q = std::clamp(q, double(qt.getStorageTypeMin()),
                     double(qt.getStorageTypeMax()));
      ints.push_back(toInt64(q) + offset);
    }
    ConstTensor result = ConstTensor::fromInts(
        RankedTensorType::get(
            c->type.getShape(),
            builder.getIntegerType(qt.getStorageTypeIntegralWidth())),
        ints);
    result.isUnsigned = isUnsigned;
    result.bits = bits == 4 ? 4 : 0;
    setConstant(node, 0, std::move(result));
    return success();
  }
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  RankedTensorType type = typeOf(*input);
  FailureOr<Type> qtype =
      quantizedType(node, 1, 2, type, 1, type.getElementType());
  if (failed(qtype))
    return failure();
  if (Value source = dequantizedSource(*input)) {
    // Q(DQ(x)): a requantisation, or nothing when the types agree.
    FailureOr<Value> requantized =
        requantize(node, source, cast<quant::QuantizedType>(*qtype));
    if (failed(requantized))
      return failure();
    if (*requantized) {
      setResult(node, 0, *requantized);
      noteSignedness(node, 2);
      return success();
    }
  }
  setResult(node, 0,
            QuantizeOp::create(builder, node.loc, type.clone(*qtype), *input));
  noteSignedness(node, 2);
  return success();
}

LogicalResult Importer::convertDequantizeLinear(const NodeContext &node) {
  FailureOr<Value> quantized = quantizedInput(node, 0, 1, 2);
  if (failed(quantized))
    return failure();
  setResult(node, 0, dequantize(node.loc, *quantized));
  return success();
}

//===----------------------------------------------------------------------===//
// QOperator ops
//===----------------------------------------------------------------------===//

FailureOr<quant::QuantizedType>
Importer::outputQuantType(const NodeContext &node, unsigned scale,
                          unsigned zp) {
  FailureOr<ConstTensor> s = requireConstant(node, scale, "output scale");
  if (failed(s))
    return failure();
  if (s->numElements() != 1)
    return node.error() << "the output scale must be per-tensor", failure();
  FailureOr<Type> type = quantizedType(
      node, scale, zp, RankedTensorType::get({}, s->elementType()));
  if (failed(type))
    return failure();
  return cast<quant::QuantizedType>(*type);
}

LogicalResult Importer::finishQOperator(const NodeContext &node, Value acc,
                                        unsigned scale, unsigned zp) {
  FailureOr<quant::QuantizedType> out = outputQuantType(node, scale, zp);
  if (failed(out))
    return failure();
  FailureOr<Value> q = requantize(node, acc, *out);
  if (failed(q))
    return failure();
  if (!*q)
    return node.error() << "output type " << *out << " is not supported";
  setResult(node, 0, *q);
  noteSignedness(node, zp);
  return success();
}

FailureOr<Value> Importer::qoperatorProduct(const NodeContext &node,
                                            ArrayRef<unsigned> aInputs,
                                            ArrayRef<unsigned> bInputs,
                                            bool transposeB, double alpha,
                                            llvm::StringRef requirement) {
  FailureOr<Value> a = quantizedInput(node, aInputs[0], aInputs[1], aInputs[2]);
  if (failed(a))
    return failure();
  // Per-column weight scales run along b's N axis.
  const ConstTensor *bConst = constant(node, bInputs[0]);
  int64_t bRank = bConst ? bConst->type.getRank() : 2;
  FailureOr<Value> b = quantizedInput(node, bInputs[0], bInputs[1], bInputs[2],
                                      transposeB ? bRank - 2 : bRank - 1);
  if (failed(b))
    return failure();
  FailureOr<Value> acc = accumulate(node, *a, *b, transposeB, alpha);
  if (succeeded(acc) && !*acc)
    return node.error() << "operands " << typeOf(*a) << " x " << typeOf(*b)
                        << " are not supported" << requirement,
           failure();
  return acc;
}

LogicalResult Importer::convertQLinearMatMul(const NodeContext &node) {
  FailureOr<Value> acc = qoperatorProduct(
      node, {0, 1, 2}, {3, 4, 5}, /*transposeB=*/false, 1.0,
      " (int8 activations, a per-tensor or per-column weight)");
  if (failed(acc))
    return failure();
  return finishQOperator(node, *acc, 6, 7);
}

LogicalResult Importer::convertQLinearConv(const NodeContext &node) {
  FailureOr<Value> x = quantizedInput(node, 0, 1, 2);
  FailureOr<Value> w =
      succeeded(x) ? quantizedInput(node, 3, 4, 5, 0) : FailureOr<Value>();
  if (failed(x) || failed(w))
    return failure();
  FailureOr<Value> acc = convAccumulate(node, *x, *w);
  if (failed(acc))
    return failure();
  if (!*acc)
    return node.error() << "only symmetric int8 weights (per-tensor or per "
                           "output channel) are supported";
  if (node.hasInput(8)) {
    acc = addBias(node, *acc, 8, 1.0, /*accumulatorUnits=*/true,
                  /*channelBias=*/true);
    if (failed(acc))
      return failure();
    if (!*acc)
      return node.error() << "bias must be a 1-D int32 constant with one "
                             "entry per output channel";
  }
  return finishQOperator(node, *acc, 6, 7);
}

LogicalResult Importer::convertQGemm(const NodeContext &node) {
  if (node.intAttr("transA", 0))
    return node.error() << "transA is not supported";
  FailureOr<Value> acc =
      qoperatorProduct(node, {0, 1, 2}, {3, 4, 5}, node.intAttr("transB", 0),
                       node.floatAttr("alpha", 1.0f), "");
  if (failed(acc))
    return failure();
  if (node.hasInput(6)) {
    acc = addBias(node, *acc, 6, 1.0, /*accumulatorUnits=*/true);
    if (failed(acc))
      return failure();
    if (!*acc)
      return node.error() << "C must be an int32 constant with one entry per "
                             "output column";
  }
  if (!node.hasInput(7)) {
    // Without y_scale the result is float.
    setResult(node, 0, dequantize(node.loc, *acc));
    return success();
  }
  return finishQOperator(node, *acc, 7, 8);
}

LogicalResult Importer::convertMatMulInteger(const NodeContext &node) {
  // Unit scales make the accumulator's integers the result.
  FailureOr<Value> acc = qoperatorProduct(
      node, {0, kUnitScale, 2}, {1, kUnitScale, 3}, /*transposeB=*/false, 1.0,
      " (8-bit operands, a per-tensor or per-column weight zero point)");
  if (failed(acc))
    return failure();
  setResult(node, 0, storageOf(node.loc, *acc));
  return success();
}

LogicalResult Importer::convertQLinearAdd(const NodeContext &node) {
  FailureOr<Value> a = quantizedInput(node, 0, 1, 2);
  FailureOr<Value> b =
      succeeded(a) ? quantizedInput(node, 3, 4, 5) : FailureOr<Value>();
  if (failed(a) || failed(b))
    return failure();
  FailureOr<quant::QuantizedType> out = outputQuantType(node, 6, 7);
  if (failed(out))
    return failure();
  FailureOr<Value> sum = quantizedAdd(node, *a, *b, *out);
  if (failed(sum))
    return failure();
  if (!*sum)
    return node.error() << "only per-tensor int8/int16 operands are supported";
  setResult(node, 0, *sum);
  noteSignedness(node, 7);
  return success();
}

LogicalResult Importer::convertQLinearSoftmax(const NodeContext &node) {
  FailureOr<Value> x = quantizedInput(node, 0, 1, 2);
  if (failed(x))
    return failure();
  FailureOr<quant::QuantizedType> out = outputQuantType(node, 3, 4);
  if (failed(out))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  int64_t axis = node.intAttr("axis", -1);
  if (axis < -rank || axis >= rank)
    return node.error() << "axis " << axis << " is out of range";
  if (axis >= 0)
    axis -= rank;
  if (node.intAttr("opset", 13) < 13 && axis != -1)
    return node.error() << "the opset-12 (flattening) form needs axis -1";
  setResult(node, 0,
            SoftmaxOp::create(builder, node.loc, typeOf(*x).clone(*out), *x,
                              builder.getI64IntegerAttr(axis)));
  noteSignedness(node, 4);
  return success();
}
