//===- OnnxOps.cpp - Conversion of ONNX ops -------------------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// One converter per ONNX op. Float computation becomes linalg (named ops and
// broadcasting linalg.generic), tensor, arith and math ops; the non-linear
// ops ViTs need become vitq's float-semantic ops; Q/DQ become vitq.quantize
// and vitq.dequantize on !quant.uniform tensors.
//
//===----------------------------------------------------------------------===//

#include "OnnxImporterImpl.h"

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Dialect/Vitq/VitqQuant.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Traits.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <onnx/onnx_pb.h>

#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::vitq;
using namespace mlir::vitq::onnx_import;

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

/// Normalises a possibly negative axis; returns -1 when out of range.
static int64_t normalizeAxis(int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : -1;
}

Value Importer::zeros(Location loc, ArrayRef<int64_t> shape, Type element) {
  Value empty = tensor::EmptyOp::create(builder, loc, shape, element);
  Value zero = arith::ConstantOp::create(builder, loc, element,
                                         builder.getZeroAttr(element));
  return linalg::FillOp::create(builder, loc, ValueRange{zero},
                                ValueRange{empty})
      .getResult(0);
}

Value Importer::reshape(Location loc, Value input, ArrayRef<int64_t> shape) {
  RankedTensorType type = typeOf(input);
  if (type.getShape() == shape)
    return input;
  auto shapeType = RankedTensorType::get({static_cast<int64_t>(shape.size())},
                                         builder.getI64Type());
  Value shapeValue = arith::ConstantOp::create(
      builder, loc, shapeType,
      DenseIntElementsAttr::get(shapeType, ArrayRef<int64_t>(shape)));
  return tensor::ReshapeOp::create(builder, loc, type.clone(shape), input,
                                   shapeValue);
}

FailureOr<Value> Importer::elementwise(const NodeContext &node,
                                       ArrayRef<Value> inputs,
                                       Type resultElement, const BodyFn &body) {
  SmallVector<int64_t> shape;
  for (Value input : inputs) {
    SmallVector<int64_t> next;
    if (!OpTrait::util::getBroadcastedShape(shape, typeOf(input).getShape(),
                                            next)) {
      node.error() << "operand shapes do not broadcast";
      return failure();
    }
    shape = next;
  }
  int64_t rank = shape.size();
  SmallVector<AffineMap> maps;
  for (Value input : inputs) {
    ArrayRef<int64_t> inShape = typeOf(input).getShape();
    int64_t offset = rank - inShape.size();
    SmallVector<AffineExpr> exprs;
    for (auto [i, size] : llvm::enumerate(inShape)) {
      int64_t d = offset + i;
      exprs.push_back(size == 1 && shape[d] != 1
                          ? builder.getAffineConstantExpr(0)
                          : builder.getAffineDimExpr(d));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, context));
  }
  maps.push_back(builder.getMultiDimIdentityMap(rank));
  Value init = tensor::EmptyOp::create(builder, node.loc, shape, resultElement);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      builder, node.loc, TypeRange{init.getType()}, inputs, ValueRange{init},
      maps, iterators, [&](OpBuilder &b, Location loc, ValueRange args) {
        Value result = body(b, loc, args.drop_back(), resultElement);
        linalg::YieldOp::create(b, loc, result);
      });
  return generic.getResult(0);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

std::optional<llvm::StringRef>
onnx_import::activationKind(llvm::StringRef opType) {
  return llvm::StringSwitch<std::optional<llvm::StringRef>>(opType)
      .Case("Sigmoid", llvm::StringRef("sigmoid"))
      .Case("HardSigmoid", llvm::StringRef("hard_sigmoid"))
      .Case("HardSwish", llvm::StringRef("hard_swish"))
      .Case("Swish", llvm::StringRef("silu"))
      .Default(std::nullopt);
}

/// Builds the float or the integer form of a binary arith op.
template <typename FloatOp, typename IntOp>
static Value binaryOp(OpBuilder &b, Location loc, bool isFloat, Value lhs,
                      Value rhs) {
  if (isFloat)
    return FloatOp::create(b, loc, lhs, rhs);
  return IntOp::create(b, loc, lhs, rhs);
}

LogicalResult Importer::convertElementwise(const NodeContext &node) {
  llvm::StringRef op = node.proto.op_type();
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    bool sum = op == "Add" || op == "Sub";
    FailureOr<bool> quantized =
        sum ? tryQuantizedAdd(node, op == "Sub") : tryQuantizedMul(node);
    if (succeeded(quantized) && !*quantized && !sum)
      quantized = tryQuantizedProduct(node);
    if (failed(quantized) || *quantized)
      return success(succeeded(quantized));
  }
  bool binary =
      llvm::is_contained({"Add", "Sub", "Mul", "Div", "Pow", "Mod"}, op);
  SmallVector<Value> inputs;
  for (unsigned i = 0, e = binary ? 2 : 1; i < e; ++i) {
    FailureOr<Value> v = value(node, i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  Type element = typeOf(inputs[0]).getElementType();
  bool isFloat = isa<FloatType>(element);
  if (!isFloat && !llvm::is_contained({"Add", "Sub", "Mul", "Div", "Mod"}, op))
    return node.error() << "only float operands are supported, got " << element;
  // Activations are one op, float or quantized (which the integer
  // legalisation turns into a table of an 8-bit input's 256 results);
  // Relu too when quantized. Other quantized inputs stay a float island.
  std::optional<StringRef> kind = activationKind(op);
  if (kind || op == "Relu") {
    IslandOperand in = tableIsland(node, inputs[0]);
    if (!kind && in.use)
      kind = "relu";
    if (kind) {
      Value result = ActivationOp::create(
          builder, node.loc, in.resultType, in.value,
          builder.getStringAttr(*kind),
          builder.getF32FloatAttr(node.floatAttr("alpha", 0.2f)),
          builder.getF32FloatAttr(node.floatAttr("beta", 0.5f)));
      finishIsland(node, in, result);
      return success();
    }
  }
  bool fmod = node.intAttr("fmod", 0) != 0;
  if (op == "Mod" && isFloat && !fmod)
    return node.error() << "a float Mod needs fmod = 1";
  if (binary && typeOf(inputs[1]).getElementType() != element)
    return node.error() << "operand element types differ";

  // x ^ 2 (the decomposed LayerNorm's variance) is a multiply.
  const ConstTensor *exponent = op == "Pow" ? constant(node, 1) : nullptr;
  bool square =
      exponent && exponent->numElements() == 1 && exponent->floatAt(0) == 2.0;

  BodyFn body = [&](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
    if (op == "Add")
      return binaryOp<arith::AddFOp, arith::AddIOp>(b, loc, isFloat, a[0],
                                                    a[1]);
    if (op == "Sub")
      return binaryOp<arith::SubFOp, arith::SubIOp>(b, loc, isFloat, a[0],
                                                    a[1]);
    if (op == "Mul")
      return binaryOp<arith::MulFOp, arith::MulIOp>(b, loc, isFloat, a[0],
                                                    a[1]);
    if (op == "Div")
      return binaryOp<arith::DivFOp, arith::DivSIOp>(b, loc, isFloat, a[0],
                                                     a[1]);
    if (op == "Pow")
      return square ? arith::MulFOp::create(b, loc, a[0], a[0]).getResult()
                    : math::PowFOp::create(b, loc, a[0], a[1]).getResult();
    if (op == "Sqrt")
      return math::SqrtOp::create(b, loc, a[0]);
    if (op == "Erf")
      return math::ErfOp::create(b, loc, a[0]);
    if (op == "Tanh")
      return math::TanhOp::create(b, loc, a[0]);
    if (op == "Exp")
      return math::ExpOp::create(b, loc, a[0]);
    if (op == "Neg")
      return arith::NegFOp::create(b, loc, a[0]);
    Type t = a[0].getType();
    if (op == "Mod") {
      if (isFloat)
        return arith::RemFOp::create(b, loc, a[0], a[1]);
      // The divisor's sign: a remainder of the other sign moves by b.
      Value r = arith::RemSIOp::create(b, loc, a[0], a[1]);
      if (fmod)
        return r;
      Value zero = arith::ConstantOp::create(b, loc, t, b.getZeroAttr(t));
      Value differ = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero),
          arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ne,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a[1],
                                    zero)));
      return arith::SelectOp::create(b, loc, differ,
                                     arith::AddIOp::create(b, loc, r, a[1]), r);
    }
    if (op == "Reciprocal") {
      Value one = arith::ConstantOp::create(
          b, loc, a[0].getType(), b.getFloatAttr(a[0].getType(), 1.0));
      return arith::DivFOp::create(b, loc, one, a[0]);
    }
    // Relu
    Value zero = arith::ConstantOp::create(b, loc, a[0].getType(),
                                           b.getZeroAttr(a[0].getType()));
    return arith::MaximumFOp::create(b, loc, a[0], zero);
  };
  if (square)
    inputs.pop_back();
  FailureOr<Value> result = elementwise(node, inputs, element, body);
  if (failed(result))
    return failure();
  setResult(node, 0, *result);
  return success();
}

LogicalResult Importer::convertCast(const NodeContext &node) {
  bool isUnsigned;
  Type target = convertElementType(context, node.intAttr("to", 0), isUnsigned);
  if (!target)
    return node.error() << "unsupported target type " << node.intAttr("to", 0);
  if (const ConstTensor *c = constant(node, 0)) {
    auto type = RankedTensorType::get(c->type.getShape(), target);
    setConstant(node, 0,
                isa<FloatType>(target)
                    ? ConstTensor::fromFloats(type, c->floats())
                    : ConstTensor::fromInts(type, c->ints()));
    return success();
  }
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  Type source = typeOf(*input).getElementType();
  if (source == target) {
    setResult(node, 0, *input);
    return success();
  }
  auto body = [&](OpBuilder &b, Location loc, ValueRange a, Type t) -> Value {
    bool srcFloat = isa<FloatType>(source), dstFloat = isa<FloatType>(t);
    unsigned srcWidth = source.getIntOrFloatBitWidth();
    unsigned dstWidth = t.getIntOrFloatBitWidth();
    if (srcFloat && dstFloat)
      return srcWidth < dstWidth
                 ? arith::ExtFOp::create(b, loc, t, a[0]).getResult()
                 : arith::TruncFOp::create(b, loc, t, a[0]).getResult();
    if (srcFloat)
      return arith::FPToSIOp::create(b, loc, t, a[0]);
    if (dstFloat)
      return arith::SIToFPOp::create(b, loc, t, a[0]);
    return srcWidth < dstWidth
               ? arith::ExtSIOp::create(b, loc, t, a[0]).getResult()
               : arith::TruncIOp::create(b, loc, t, a[0]).getResult();
  };
  FailureOr<Value> result = elementwise(node, {*input}, target, body);
  if (failed(result))
    return failure();
  setResult(node, 0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Constants and shapes
//===----------------------------------------------------------------------===//

LogicalResult Importer::convertConstant(const NodeContext &node) {
  const onnx::AttributeProto *attribute = node.attr("value");
  if (!attribute || !attribute->has_t())
    return node.error() << "only the 'value' form of Constant is supported";
  ConstTensor tensor;
  std::string error = readTensor(attribute->t(), context, "", tensor);
  if (!error.empty())
    return node.error() << error;
  setConstant(node, 0, std::move(tensor));
  return success();
}

/// Constants computed at import time (ConstantOfShape) stay below this many
/// elements; a model asking for more is malformed or hostile.
constexpr int64_t kConstantFoldLimit = int64_t(1) << 24;

LogicalResult Importer::convertConstantOfShape(const NodeContext &node) {
  FailureOr<ConstTensor> shape = requireConstant(node, 0, "shape");
  if (failed(shape))
    return failure();
  double fill = 0;
  Type element = builder.getF32Type();
  if (const onnx::AttributeProto *attribute = node.attr("value")) {
    ConstTensor v;
    std::string error = readTensor(attribute->t(), context, "", v);
    if (!error.empty())
      return node.error() << error;
    if (v.numElements() != 1)
      return node.error() << "value must hold one element, not "
                          << v.numElements();
    fill = v.floatAt(0);
    element = v.elementType();
  }
  std::vector<int64_t> dims = shape->ints();
  if (std::string why = checkShape(dims); !why.empty())
    return node.error() << why;
  auto type = RankedTensorType::get(dims, element);
  if (type.getNumElements() > kConstantFoldLimit)
    return node.error() << "a constant of " << type.getNumElements()
                        << " elements is too large to build at import time";
  std::vector<double> data(type.getNumElements(), fill);
  setConstant(node, 0, ConstTensor::fromFloats(type, data));
  return success();
}

LogicalResult Importer::convertShape(const NodeContext &node) {
  RankedTensorType type;
  if (const ConstTensor *c = constant(node, 0)) {
    type = c->type;
  } else {
    FailureOr<Value> input = value(node, 0);
    if (failed(input))
      return failure();
    type = typeOf(*input);
  }
  int64_t rank = type.getRank();
  int64_t start = node.intAttr("start", 0), end = node.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  SmallVector<int64_t> dims(type.getShape().begin() + start,
                            type.getShape().begin() + std::max(start, end));
  auto resultType = RankedTensorType::get({static_cast<int64_t>(dims.size())},
                                          builder.getI64Type());
  setConstant(node, 0, ConstTensor::fromInts(resultType, dims));
  return success();
}

//===----------------------------------------------------------------------===//
// Compile-time shape arithmetic
//===----------------------------------------------------------------------===//

/// Integer tensors up to this size are folded when all inputs are known:
/// shape subgraphs of dynamic-batch exports compute on a handful of dims.
constexpr int64_t kShapeFoldLimit = 1024;

/// The element of `t` that broadcasts to position `index` of `shape`.
static int64_t broadcastIndex(const ConstTensor &t, ArrayRef<int64_t> shape,
                              int64_t index) {
  ArrayRef<int64_t> dims = t.type.getShape();
  int64_t result = 0, stride = 1;
  for (int64_t d = shape.size() - 1, td = dims.size() - 1; td >= 0; --d, --td) {
    int64_t coord = index % shape[d];
    index /= shape[d];
    if (dims[td] != 1)
      result += coord * stride;
    stride *= dims[td];
  }
  return result;
}

/// Evaluates one integer elementwise op on two elements; nullopt when the
/// result does not fit 64 bits.
static std::optional<int64_t> evaluateIntOp(llvm::StringRef op, int64_t a,
                                            int64_t b, bool fmod) {
  int64_t result;
  if (op == "Equal")
    return a == b;
  if (op == "Mod") {
    if (b == -1)
      return 0;
    // ONNX Mod: the sign of the divisor, unless fmod (the dividend's).
    int64_t r = a % b;
    if (!fmod && r != 0 && (r < 0) != (b < 0))
      r += b;
    return r;
  }
  if (op == "Div") {
    // ONNX integer division truncates towards zero, as C++ does.
    if (a == std::numeric_limits<int64_t>::min() && b == -1)
      return std::nullopt;
    return a / b;
  }
  bool overflow = op == "Add"   ? llvm::AddOverflow(a, b, result)
                  : op == "Sub" ? llvm::SubOverflow(a, b, result)
                                : llvm::MulOverflow(a, b, result);
  if (overflow)
    return std::nullopt;
  return result;
}

FailureOr<bool> Importer::foldShapeArithmetic(const NodeContext &node) {
  llvm::StringRef op = node.proto.op_type();
  bool where = op == "Where", slice = op == "Slice";
  if (!where && !slice &&
      !llvm::is_contained({"Add", "Sub", "Mul", "Div", "Equal", "Mod"}, op))
    return false;
  // Positional: an omitted (optional) input is null.
  SmallVector<const ConstTensor *> in;
  for (int i = 0, e = node.proto.input_size(); i < e; ++i) {
    if (!node.hasInput(i)) {
      in.push_back(nullptr);
      continue;
    }
    const ConstTensor *c = constant(node, i);
    if (!c || c->isFloat() || c->numElements() > kShapeFoldLimit)
      return false;
    in.push_back(c);
  }
  if (slice)
    return foldSlice(node, in);
  // The converters report a missing operand.
  if (in.size() != (where ? 3u : 2u) || llvm::is_contained(in, nullptr))
    return false;
  SmallVector<int64_t> shape;
  for (const ConstTensor *c : in) {
    SmallVector<int64_t> next;
    if (!OpTrait::util::getBroadcastedShape(shape, c->type.getShape(), next))
      return node.error() << "operand shapes do not broadcast", failure();
    shape = std::move(next);
  }
  // Shape arithmetic is small; a large broadcast is left to the converters.
  int64_t count = 1;
  for (int64_t d : shape)
    if (llvm::MulOverflow(count, d, count) || count > kShapeFoldLimit)
      return false;
  const ConstTensor &lhs = *in[where ? 1 : 0], &rhs = *in[where ? 2 : 1];
  Type element = op == "Equal" ? builder.getI1Type() : lhs.elementType();
  auto type = RankedTensorType::get(shape, element);
  std::vector<int64_t> data(type.getNumElements());
  for (int64_t i = 0, e = data.size(); i < e; ++i) {
    int64_t a = lhs.intAt(broadcastIndex(lhs, shape, i));
    int64_t b = rhs.intAt(broadcastIndex(rhs, shape, i));
    if (where) {
      data[i] = in[0]->intAt(broadcastIndex(*in[0], shape, i)) ? a : b;
      continue;
    }
    if ((op == "Div" || op == "Mod") && b == 0)
      return node.error() << "integer division by zero", failure();
    std::optional<int64_t> v = evaluateIntOp(op, a, b, node.intAttr("fmod", 0));
    if (!v)
      return node.error() << "integer overflow in " << a << " " << op << " "
                          << b,
             failure();
    data[i] = *v;
  }
  setConstant(node, 0, ConstTensor::fromInts(type, data));
  return true;
}

FailureOr<bool> Importer::foldSlice(const NodeContext &node,
                                    ArrayRef<const ConstTensor *> in) {
  if (in.size() < 3 || !in[0] || !in[1] || !in[2] || in[0]->type.getRank() != 1)
    return false;
  const ConstTensor &data = *in[0];
  for (const ConstTensor *c : in.drop_front())
    if (c && c->numElements() != 1)
      return node.error() << "a 1-D slice takes one start, end, axis and "
                             "step, not "
                          << c->numElements(),
             failure();
  int64_t size = data.numElements();
  int64_t start = in[1]->intAt(0), end = in[2]->intAt(0);
  int64_t step = in.size() > 4 && in[4] ? in[4]->intAt(0) : 1;
  if (in.size() > 3 && in[3] && normalizeAxis(in[3]->intAt(0), 1) != 0)
    return node.error() << "axis is out of range", failure();
  if (step <= 0)
    return false;
  start = std::clamp<int64_t>(start < 0 ? start + size : start, 0, size);
  end = std::clamp<int64_t>(end < 0 ? end + size : end, 0, size);
  std::vector<int64_t> values;
  int64_t count = end > start ? (end - start - 1) / step + 1 : 0;
  for (int64_t i = 0; i < count; ++i)
    values.push_back(data.intAt(start + i * step));
  auto type = data.type.clone({static_cast<int64_t>(values.size())});
  ConstTensor result = ConstTensor::fromInts(type, values);
  result.isUnsigned = data.isUnsigned;
  setConstant(node, 0, std::move(result));
  return true;
}

/// The result shape of Reshape/Flatten/Squeeze/Unsqueeze, or failure.
static FailureOr<SmallVector<int64_t>>
reshapeTarget(const NodeContext &node, ArrayRef<int64_t> in,
              const ConstTensor *second) {
  llvm::StringRef op = node.proto.op_type();
  int64_t rank = in.size();
  int64_t count = std::accumulate(in.begin(), in.end(), int64_t(1),
                                  std::multiplies<int64_t>());
  SmallVector<int64_t> out;
  if (op == "Flatten") {
    int64_t axis = node.intAttr("axis", 1);
    axis = axis < 0 ? axis + rank : axis;
    if (axis < 0 || axis > rank)
      return node.error() << "axis " << node.intAttr("axis", 1)
                          << " is out of range",
             failure();
    int64_t outer = std::accumulate(in.begin(), in.begin() + axis, int64_t(1),
                                    std::multiplies<int64_t>());
    return SmallVector<int64_t>{outer, outer ? count / outer : 0};
  }
  // Axes come from an attribute before opset 13, from an input after.
  std::vector<int64_t> axes;
  if (second)
    axes = second->ints();
  else if (auto attr = node.intsAttr("axes"))
    axes.assign(attr->begin(), attr->end());
  if (op == "Reshape") {
    if (!second)
      return node.error() << "the target shape must be a constant or "
                             "computable at import time",
             failure();
    bool allowZero = node.intAttr("allowzero", 0) != 0;
    int64_t inferred = -1, known = 1;
    for (auto [i, d] : llvm::enumerate(second->ints())) {
      if (d == 0 && !allowZero)
        d = static_cast<int64_t>(i) < rank ? in[i] : 0;
      if (d < -1)
        return node.error() << "target dimension " << d << " is negative",
               failure();
      if (d == -1) {
        if (inferred >= 0)
          return node.error() << "the target shape has more than one -1",
                 failure();
        inferred = i;
        out.push_back(1);
        continue;
      }
      out.push_back(d);
      if (llvm::MulOverflow(known, d, known))
        return node.error() << "the target shape overflows", failure();
    }
    if (inferred >= 0) {
      if (known == 0 || count % known != 0)
        return node.error() << "cannot infer the -1 dimension: " << count
                            << " elements are not a multiple of " << known,
               failure();
      out[inferred] = count / known;
    }
  } else if (op == "Squeeze") {
    for (int64_t a : axes)
      if (normalizeAxis(a, rank) < 0)
        return node.error()
                   << "axis " << a << " is out of range for rank " << rank,
               failure();
    for (int64_t d = 0; d < rank; ++d) {
      bool listed = llvm::any_of(
          axes, [&](int64_t a) { return normalizeAxis(a, rank) == d; });
      if ((axes.empty() && in[d] == 1) || (listed && in[d] == 1))
        continue;
      if (listed)
        return node.error()
                   << "cannot squeeze dimension " << d << " of size " << in[d],
               failure();
      out.push_back(in[d]);
    }
  } else { // Unsqueeze
    int64_t outRank = rank + axes.size();
    SmallVector<bool> inserted(outRank, false);
    for (int64_t a : axes) {
      int64_t n = normalizeAxis(a, outRank);
      if (n < 0)
        return node.error() << "axis " << a << " is out of range", failure();
      if (inserted[n])
        return node.error() << "axis " << a << " is listed twice", failure();
      inserted[n] = true;
    }
    for (int64_t d = 0, i = 0; d < outRank; ++d)
      out.push_back(inserted[d] ? 1 : in[i++]);
  }
  int64_t outCount = std::accumulate(out.begin(), out.end(), int64_t(1),
                                     std::multiplies<int64_t>());
  if (outCount != count)
    return node.error() << "cannot reshape " << count << " elements into "
                        << outCount,
           failure();
  return out;
}

LogicalResult Importer::convertReshapeLike(const NodeContext &node) {
  const ConstTensor *second = constant(node, 1);
  if (node.hasInput(1) && !second)
    return node.error() << "input #1 must be a constant or computable at "
                           "import time";
  auto it = node.hasInput(0) ? values.find(node.proto.input(0)) : values.end();
  if (it != values.end() && !it->second.value &&
      (it->second.constant || it->second.quantized)) {
    // A compile-time tensor: a dequantized constant keeps its integers
    // while its quantized dimension (if any) survives the reshape, and its
    // float values stay uncomputed until asked for.
    const Entry &data = it->second;
    RankedTensorType type =
        data.constant ? data.constant->type : data.quantized->storage.type;
    FailureOr<SmallVector<int64_t>> shape =
        reshapeTarget(node, type.getShape(), second);
    if (failed(shape))
      return failure();
    Entry entry;
    if (data.quantized) {
      quant::QuantizedType qtype = data.quantized->type;
      std::optional<int32_t> axis = getQuantizedAxis(qtype);
      int64_t mapped = axis ? reshapedAxis(type.getShape(), *shape, *axis) : 0;
      if (mapped >= 0) {
        ConstTensor storage = data.quantized->storage;
        storage.type = storage.type.clone(*shape);
        entry.quantized = QuantizedConstant{
            storage, axis ? withQuantizedAxis(qtype, mapped) : qtype};
      }
    }
    if (data.constant || !entry.quantized) {
      entry.constant = *floatsOf(it->second);
      entry.constant->type = entry.constant->type.clone(*shape);
    }
    values[node.proto.output(0)] = std::move(entry);
    return success();
  }
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  FailureOr<SmallVector<int64_t>> shape =
      reshapeTarget(node, typeOf(*input).getShape(), second);
  if (failed(shape))
    return failure();
  setResult(node, 0, reshape(node.loc, *input, *shape));
  return success();
}

LogicalResult Importer::convertTranspose(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  RankedTensorType type = typeOf(*input);
  SmallVector<int64_t> perm;
  if (auto attr = node.intsAttr("perm"))
    perm = *attr;
  else
    for (int64_t d = type.getRank() - 1; d >= 0; --d)
      perm.push_back(d);
  if (static_cast<int64_t>(perm.size()) != type.getRank())
    return node.error() << "perm has " << perm.size() << " entries for rank "
                        << type.getRank();
  SmallVector<int64_t> shape;
  llvm::SmallDenseSet<int64_t> seen;
  for (int64_t p : perm) {
    if (p < 0 || p >= type.getRank())
      return node.error() << "perm entry " << p << " is out of range";
    if (!seen.insert(p).second)
      return node.error() << "perm entry " << p << " is listed twice";
    shape.push_back(type.getDimSize(p));
  }
  Value init =
      tensor::EmptyOp::create(builder, node.loc, shape, type.getElementType());
  setResult(node, 0,
            linalg::TransposeOp::create(builder, node.loc, *input, init, perm)
                .getResult()[0]);
  return success();
}

LogicalResult Importer::convertConcat(const NodeContext &node) {
  int64_t axis = node.intAttr("axis", 0);
  if (node.proto.input_size() == 0)
    return node.error() << "needs at least one input";
  // Shape subgraphs concatenate small 1-D constants; anything else is
  // concatenated at run time (where operand types and ranks are checked).
  bool allConstant = true;
  int64_t total = 0;
  for (int i = 0; i < node.proto.input_size(); ++i) {
    const ConstTensor *c = constant(node, i);
    allConstant &= c && c->type.getRank() == 1;
    if (c)
      total += c->numElements();
  }
  if (allConstant && total <= kShapeFoldLimit) {
    // Constants keep MLIR's storage layout, so concatenation is a byte copy.
    const ConstTensor *first = constant(node, 0);
    auto bytes = std::make_shared<std::string>();
    for (int i = 0; i < node.proto.input_size(); ++i) {
      const ConstTensor *c = constant(node, i);
      if (c->type.getElementType() != first->type.getElementType())
        return node.error() << "operand element types differ";
      bytes->append(*c->bytes);
    }
    int64_t count = bytes->size() / first->bytesPerElement();
    setConstant(
        node, 0,
        ConstTensor{first->type.clone({count}), first->isUnsigned, bytes});
    return success();
  }
  SmallVector<Value> inputs;
  for (int i = 0; i < node.proto.input_size(); ++i) {
    FailureOr<Value> v = value(node, i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  RankedTensorType first = typeOf(inputs[0]);
  for (Value v : inputs) {
    if (typeOf(v).getElementType() != first.getElementType())
      return node.error() << "operand element types differ ("
                          << first.getElementType() << " and "
                          << typeOf(v).getElementType() << ")";
    if (typeOf(v).getRank() != first.getRank())
      return node.error() << "operand ranks differ (" << first.getRank()
                          << " and " << typeOf(v).getRank() << ")";
  }
  int64_t rank = typeOf(inputs[0]).getRank();
  int64_t a = normalizeAxis(axis, rank);
  if (a < 0)
    return node.error() << "axis " << axis << " is out of range for rank "
                        << rank;
  setResult(node, 0, tensor::ConcatOp::create(builder, node.loc, a, inputs));
  return success();
}

LogicalResult Importer::convertGather(const NodeContext &node) {
  FailureOr<ConstTensor> indices = requireConstant(node, 1, "indices");
  if (failed(indices))
    return failure();
  if (indices->isFloat())
    return node.error() << "indices must be integers";
  int64_t axis = node.intAttr("axis", 0);
  const ConstTensor *data = constant(node, 0);
  RankedTensorType type;
  FailureOr<Value> input = Value();
  if (data) {
    type = data->type;
  } else {
    input = value(node, 0);
    if (failed(input))
      return failure();
    type = typeOf(*input);
  }
  int64_t a = normalizeAxis(axis, type.getRank());
  if (a < 0)
    return node.error() << "axis " << axis << " is out of range";
  if (indices->type.getRank() > 1)
    return node.error() << "only scalar or 1-D indices are supported";
  int64_t size = type.getDimSize(a);
  std::vector<int64_t> idx = indices->ints();
  for (int64_t &i : idx) {
    if (i < -size || i >= size)
      return node.error() << "index " << i << " is out of range for size "
                          << size;
    i = i < 0 ? i + size : i;
  }
  bool scalar = indices->type.getRank() == 0;
  SmallVector<int64_t> outShape(type.getShape());
  if (scalar)
    outShape.erase(outShape.begin() + a);
  else
    outShape[a] = idx.size();
  if (data && type.getRank() == 1) {
    // Shape arithmetic: pick entries of a 1-D constant.
    size_t width = data->bytesPerElement();
    auto bytes = std::make_shared<std::string>();
    for (int64_t i : idx)
      bytes->append(*data->bytes, i * width, width);
    setConstant(node, 0,
                ConstTensor{type.clone(outShape), data->isUnsigned, bytes});
    return success();
  }
  if (data)
    input = value(node, 0);
  // One slice per index, concatenated; a scalar index drops the axis.
  SmallVector<Value> slices;
  for (int64_t i : idx) {
    SmallVector<OpFoldResult> offsets(type.getRank(), builder.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes,
        strides(type.getRank(), builder.getIndexAttr(1));
    for (int64_t d : type.getShape())
      sizes.push_back(builder.getIndexAttr(d));
    offsets[a] = builder.getIndexAttr(i);
    sizes[a] = builder.getIndexAttr(1);
    SmallVector<int64_t> sliceShape(type.getShape());
    if (scalar)
      sliceShape.erase(sliceShape.begin() + a);
    else
      sliceShape[a] = 1;
    slices.push_back(tensor::ExtractSliceOp::create(
        builder, node.loc, type.clone(sliceShape), *input, offsets, sizes,
        strides));
  }
  setResult(
      node, 0,
      slices.size() == 1
          ? slices[0]
          : tensor::ConcatOp::create(builder, node.loc, a, slices).getResult());
  return success();
}

FailureOr<SliceRanges> Importer::sliceRanges(const NodeContext &node,
                                             ArrayRef<int64_t> shape,
                                             bool report) {
  auto fail = [&](const llvm::Twine &why) -> FailureOr<SliceRanges> {
    if (report)
      node.error() << why;
    return failure();
  };
  const ConstTensor *starts = constant(node, 1), *ends = constant(node, 2);
  static const char *const names[] = {"", "starts", "ends", "axes", "steps"};
  for (unsigned i : {1u, 2u, 3u, 4u})
    if ((i < 3 || node.hasInput(i)) && !constant(node, i))
      return fail(llvm::Twine(names[i]) + " (input #" + llvm::Twine(i) +
                  ") must be a constant or computable at import time");
  std::vector<int64_t> s = starts->ints(), e = ends->ints();
  std::vector<int64_t> axes(s.size()), steps(s.size(), 1);
  std::iota(axes.begin(), axes.end(), 0);
  if (const ConstTensor *c = constant(node, 3))
    axes = c->ints();
  if (const ConstTensor *c = constant(node, 4))
    steps = c->ints();
  if (e.size() != s.size() || axes.size() != s.size() ||
      steps.size() != s.size())
    return fail("starts, ends, axes and steps have different lengths (" +
                llvm::Twine(s.size()) + ", " + llvm::Twine(e.size()) + ", " +
                llvm::Twine(axes.size()) + ", " + llvm::Twine(steps.size()) +
                ")");
  int64_t rank = shape.size();
  SliceRanges ranges{SmallVector<int64_t>(rank, 0), SmallVector<int64_t>(shape),
                     SmallVector<int64_t>(rank, 1)};
  for (size_t i = 0; i < s.size(); ++i) {
    int64_t a = normalizeAxis(axes[i], rank), step = steps[i];
    if (a < 0)
      return fail("axis " + llvm::Twine(axes[i]) +
                  " is out of range for rank " + llvm::Twine(rank));
    if (step == 0 || step == std::numeric_limits<int64_t>::min())
      return fail("step " + llvm::Twine(step) + " is not supported");
    int64_t dim = shape[a];
    // ONNX clamps per direction: starts to [0, dim] (forward) or
    // [0, dim - 1] (backward), ends to [0, dim] or [-1, dim - 1].
    auto wrap = [&](int64_t v) {
      return v < 0 ? (v < -dim ? -dim - 1 : v + dim) : v;
    };
    int64_t begin = wrap(s[i]), end = wrap(e[i]);
    if (step > 0) {
      begin = std::clamp<int64_t>(begin, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      begin = std::clamp<int64_t>(begin, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    int64_t count = step > 0
                        ? (end > begin ? (end - begin - 1) / step + 1 : 0)
                        : (begin > end ? (begin - end - 1) / -step + 1 : 0);
    // An empty slice may begin at the end, which is out of bounds.
    ranges.offsets[a] = count ? begin : 0;
    ranges.sizes[a] = count;
    ranges.steps[a] = step;
  }
  return ranges;
}

LogicalResult Importer::convertSlice(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  RankedTensorType type = typeOf(*input);
  FailureOr<SliceRanges> ranges =
      sliceRanges(node, type.getShape(), /*report=*/true);
  if (failed(ranges))
    return failure();
  if (llvm::any_of(ranges->steps, [](int64_t step) { return step < 0; }))
    return node.error() << "negative steps are only supported on constants";
  auto attrs = [&](ArrayRef<int64_t> v) {
    return llvm::map_to_vector(
        v, [&](int64_t x) -> OpFoldResult { return builder.getIndexAttr(x); });
  };
  setResult(node, 0,
            tensor::ExtractSliceOp::create(
                builder, node.loc, type.clone(ranges->sizes), *input,
                attrs(ranges->offsets), attrs(ranges->sizes),
                attrs(ranges->steps)));
  return success();
}

LogicalResult Importer::convertSplit(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  RankedTensorType type = typeOf(*input);
  int64_t a = normalizeAxis(node.intAttr("axis", 0), type.getRank());
  if (a < 0)
    return node.error() << "axis " << node.intAttr("axis", 0)
                        << " is out of range for rank " << type.getRank();
  int64_t outputs = node.proto.output_size();
  if (outputs == 0)
    return node.error() << "has no outputs";
  std::vector<int64_t> sizes;
  if (node.hasInput(1) && !constant(node, 1))
    return node.error() << "split (input #1) must be a constant or computable "
                           "at import time";
  if (const ConstTensor *c = constant(node, 1))
    sizes = c->ints();
  else if (auto attr = node.intsAttr("split"))
    sizes.assign(attr->begin(), attr->end());
  else
    sizes.assign(outputs, (type.getDimSize(a) + outputs - 1) / outputs);
  int64_t dim = type.getDimSize(a);
  if (static_cast<int64_t>(sizes.size()) != outputs)
    return node.error() << "split has " << sizes.size() << " sizes for "
                        << outputs << " outputs";
  if (llvm::any_of(sizes, [](int64_t v) { return v < 0; }))
    return node.error() << "split sizes must not be negative";
  // Explicit sizes must cover the axis exactly (the default ones may end
  // short on the last piece).
  int64_t total = 0;
  for (int64_t size : sizes)
    if (llvm::AddOverflow(total, size, total))
      return node.error() << "split sizes overflow";
  if ((constant(node, 1) || node.intsAttr("split")) && total != dim)
    return node.error() << "split sizes add up to " << total
                        << ", not the axis size " << dim;
  int64_t offset = 0;
  for (int64_t i = 0; i < outputs; ++i) {
    int64_t size = std::min(sizes[i], dim - offset);
    SmallVector<OpFoldResult> offsets(type.getRank(), builder.getIndexAttr(0)),
        extents, strides(type.getRank(), builder.getIndexAttr(1));
    SmallVector<int64_t> shape(type.getShape());
    shape[a] = size;
    for (int64_t d : shape)
      extents.push_back(builder.getIndexAttr(d));
    // An empty piece at the end would start out of bounds.
    offsets[a] = builder.getIndexAttr(size ? offset : 0);
    setResult(node, i,
              tensor::ExtractSliceOp::create(builder, node.loc,
                                             type.clone(shape), *input, offsets,
                                             extents, strides));
    offset += size;
  }
  return success();
}

LogicalResult Importer::convertExpand(const NodeContext &node) {
  FailureOr<ConstTensor> shape = requireConstant(node, 1, "shape");
  FailureOr<Value> input = value(node, 0);
  if (failed(shape) || failed(input))
    return failure();
  RankedTensorType type = typeOf(*input);
  SmallVector<int64_t> result;
  if (!OpTrait::util::getBroadcastedShape(type.getShape(), shape->ints(),
                                          result))
    return node.error() << "operand shapes do not broadcast";
  // The input without the dimensions it is broadcast along (its leading
  // missing ones included), then one linalg.broadcast.
  int64_t offset = result.size() - type.getRank();
  SmallVector<int64_t> kept, dims;
  for (int64_t d = 0; d < static_cast<int64_t>(result.size()); ++d) {
    int64_t in = d < offset ? 1 : type.getDimSize(d - offset);
    if (in == result[d] && d >= offset)
      kept.push_back(in);
    else
      dims.push_back(d);
  }
  if (dims.empty()) {
    setResult(node, 0, *input);
    return success();
  }
  Location loc = node.loc;
  Value init =
      tensor::EmptyOp::create(builder, loc, result, type.getElementType());
  setResult(node, 0,
            linalg::BroadcastOp::create(builder, loc,
                                        reshape(loc, *input, kept), init, dims)
                .getResult()[0]);
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

FailureOr<Value> Importer::matmul(const NodeContext &node, Value a, Value b) {
  RankedTensorType at = typeOf(a), bt = typeOf(b);
  if (at.getRank() < 2 || bt.getRank() < 2)
    return node.error() << "1-D MatMul operands are not supported", failure();
  int64_t m = at.getDimSize(at.getRank() - 2),
          k = at.getDimSize(at.getRank() - 1);
  int64_t n = bt.getDimSize(bt.getRank() - 1);
  if (bt.getDimSize(bt.getRank() - 2) != k)
    return node.error() << "inner dimensions differ: " << k << " vs "
                        << bt.getDimSize(bt.getRank() - 2),
           failure();
  Type element = at.getElementType();
  Location loc = node.loc;
  if (bt.getRank() == 2) {
    // Fold every leading dimension of A into M.
    SmallVector<int64_t> outShape(at.getShape().drop_back());
    outShape.push_back(n);
    int64_t rows = at.getNumElements() / k;
    Value a2 = reshape(loc, a, {rows, k});
    Value init = zeros(loc, {rows, n}, element);
    Value mm = linalg::MatmulOp::create(builder, loc, TypeRange{init.getType()},
                                        ValueRange{a2, b}, ValueRange{init})
                   .getResult(0);
    return reshape(loc, mm, outShape);
  }
  if (at.getRank() != bt.getRank() ||
      at.getShape().drop_back(2) != bt.getShape().drop_back(2))
    return node.error() << "batched MatMul needs equal batch dimensions",
           failure();
  int64_t batch = at.getNumElements() / (m * k);
  SmallVector<int64_t> outShape(at.getShape().drop_back());
  outShape.push_back(n);
  Value a3 = reshape(loc, a, {batch, m, k});
  Value b3 = reshape(loc, b, {batch, k, n});
  Value init = zeros(loc, {batch, m, n}, element);
  Value mm =
      linalg::BatchMatmulOp::create(builder, loc, TypeRange{init.getType()},
                                    ValueRange{a3, b3}, ValueRange{init})
          .getResult(0);
  return reshape(loc, mm, outShape);
}

LogicalResult Importer::convertMatMul(const NodeContext &node) {
  FailureOr<bool> quantized = tryQuantizedMatMul(node);
  if (failed(quantized) || *quantized)
    return success(succeeded(quantized));
  FailureOr<Value> a = value(node, 0), b = value(node, 1);
  if (failed(a) || failed(b))
    return failure();
  if (!isa<FloatType>(typeOf(*a).getElementType()))
    return node.error() << "integer MatMul is not supported; quantize with "
                           "QDQ or MatMulInteger";
  FailureOr<Value> result = matmul(node, *a, *b);
  if (failed(result))
    return failure();
  setResult(node, 0, *result);
  return success();
}

LogicalResult Importer::convertGemm(const NodeContext &node) {
  FailureOr<bool> quantized = tryQuantizedGemm(node);
  if (failed(quantized) || *quantized)
    return success(succeeded(quantized));
  FailureOr<Value> a = value(node, 0), b = value(node, 1);
  if (failed(a) || failed(b))
    return failure();
  if (typeOf(*a).getRank() != 2 || typeOf(*b).getRank() != 2)
    return node.error() << "A and B must be matrices (rank 2), got ranks "
                        << typeOf(*a).getRank() << " and "
                        << typeOf(*b).getRank();
  auto transposed = [&](Value v) {
    RankedTensorType t = typeOf(v);
    Value init = tensor::EmptyOp::create(builder, node.loc,
                                         {t.getDimSize(1), t.getDimSize(0)},
                                         t.getElementType());
    return linalg::TransposeOp::create(builder, node.loc, v, init,
                                       ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  };
  Value lhs = node.intAttr("transA", 0) ? transposed(*a) : *a;
  Value rhs = node.intAttr("transB", 0) ? transposed(*b) : *b;
  FailureOr<Value> product = matmul(node, lhs, rhs);
  if (failed(product))
    return failure();
  Value result = *product;
  float alpha = node.floatAttr("alpha", 1.0f),
        beta = node.floatAttr("beta", 1.0f);
  auto scaled = [&](float factor) {
    return [factor](OpBuilder &b, Location loc, ValueRange v, Type t) -> Value {
      Value f = arith::ConstantOp::create(b, loc, t, b.getFloatAttr(t, factor));
      return arith::MulFOp::create(b, loc, v[0], f);
    };
  };
  Type element = typeOf(result).getElementType();
  if (alpha != 1.0f) {
    FailureOr<Value> r = elementwise(node, {result}, element, scaled(alpha));
    if (failed(r))
      return failure();
    result = *r;
  }
  if (node.hasInput(2)) {
    FailureOr<Value> c = value(node, 2);
    if (failed(c))
      return failure();
    FailureOr<Value> sum = elementwise(
        node, {result, *c}, element,
        [&](OpBuilder &b, Location loc, ValueRange v, Type t) -> Value {
          Value cv = v[1];
          if (beta != 1.0f)
            cv = arith::MulFOp::create(
                b, loc, cv,
                arith::ConstantOp::create(b, loc, t, b.getFloatAttr(t, beta)));
          return arith::AddFOp::create(b, loc, v[0], cv);
        });
    if (failed(sum))
      return failure();
    result = *sum;
  }
  setResult(node, 0, result);
  return success();
}

FailureOr<ConvParams> Importer::convParams(const NodeContext &node) {
  std::string autoPad = node.stringAttr("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID")
    return node.error() << "auto_pad '" << autoPad << "' is not supported "
                        << "(NOTSET and VALID are)",
           failure();
  ConvParams params;
  params.strides =
      node.intsAttr("strides").value_or(SmallVector<int64_t>{1, 1});
  params.dilations =
      node.intsAttr("dilations").value_or(SmallVector<int64_t>{1, 1});
  params.pads =
      node.intsAttr("pads").value_or(SmallVector<int64_t>{0, 0, 0, 0});
  if (autoPad == "VALID")
    params.pads = {0, 0, 0, 0};
  params.groups = node.intAttr("group", 1);
  auto positive = [](ArrayRef<int64_t> v) {
    return llvm::all_of(v, [](int64_t x) { return x > 0; });
  };
  if (params.strides.size() != 2 || params.dilations.size() != 2 ||
      params.pads.size() != 4 || params.groups < 1 ||
      !positive(params.strides) || !positive(params.dilations) ||
      llvm::any_of(params.pads, [](int64_t p) { return p < 0; }))
    return node.error() << "malformed strides, dilations, pads or group",
           failure();
  // Bounded so that the output-size arithmetic cannot overflow.
  constexpr int64_t kMaxParam = int64_t(1) << 31;
  auto bounded = [&](ArrayRef<int64_t> v) {
    return llvm::all_of(v, [&](int64_t x) { return x < kMaxParam; });
  };
  if (!bounded(params.strides) || !bounded(params.dilations) ||
      !bounded(params.pads) || params.groups >= kMaxParam)
    return node.error() << "strides, dilations, pads and group must be "
                           "below 2^31",
           failure();
  return params;
}

Value Importer::padSpatial(Location loc, Value x, ArrayRef<int64_t> before,
                           ArrayRef<int64_t> after) {
  if (llvm::all_of(before, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(after, [](int64_t p) { return p == 0; }))
    return x;
  RankedTensorType type = typeOf(x);
  SmallVector<OpFoldResult> low(2, builder.getIndexAttr(0)),
      high(2, builder.getIndexAttr(0));
  SmallVector<int64_t> shape(type.getShape());
  for (int d = 0; d < 2; ++d) {
    low.push_back(builder.getIndexAttr(before[d]));
    high.push_back(builder.getIndexAttr(after[d]));
    shape[2 + d] += before[d] + after[d];
  }
  Type element = type.getElementType();
  Value zero = arith::ConstantOp::create(builder, loc, element,
                                         builder.getZeroAttr(element));
  return tensor::PadOp::create(builder, loc, type.clone(shape), x, low, high,
                               zero);
}

SmallVector<NamedAttribute> Importer::windowAttrs(ArrayRef<int64_t> strides,
                                                  ArrayRef<int64_t> dilations) {
  auto vec = [&](ArrayRef<int64_t> v) {
    return DenseIntElementsAttr::get(VectorType::get({2}, builder.getI64Type()),
                                     v);
  };
  return {builder.getNamedAttr("strides", vec(strides)),
          builder.getNamedAttr("dilations", vec(dilations))};
}

FailureOr<SmallVector<int64_t>>
Importer::convOutputShape(const NodeContext &node, RankedTensorType inputType,
                          RankedTensorType weightType,
                          const ConvParams &params) {
  if (inputType.getRank() != 4 || weightType.getRank() != 4)
    return node.error() << "only 2-D convolutions (rank-4 NCHW tensors) are "
                           "supported",
           failure();
  ArrayRef<int64_t> input = inputType.getShape(),
                    weight = weightType.getShape();
  int64_t c = input[1], o = weight[0], g = params.groups;
  if (c % g || o % g || weight[1] != c / g)
    return node.error() << "input channels " << c << " and weight shape ["
                        << weight[0] << ", " << weight[1]
                        << ", ...] do not match group " << g,
           failure();
  if (auto kernel = node.intsAttr("kernel_shape");
      kernel && ArrayRef<int64_t>(*kernel) != weight.drop_front(2))
    return node.error() << "kernel_shape does not match the weight's "
                        << weight[2] << "x" << weight[3] << " kernel",
           failure();
  SmallVector<int64_t> shape = {input[0], o};
  for (int i = 0; i < 2; ++i) {
    int64_t padded, span;
    if (llvm::AddOverflow(input[2 + i], params.pads[i] + params.pads[i + 2],
                          padded) ||
        llvm::MulOverflow(params.dilations[i], weight[2 + i] - 1, span) ||
        llvm::AddOverflow(span, int64_t(1), span) || span > padded)
      return node.error() << "kernel larger than the padded input", failure();
    shape.push_back((padded - span) / params.strides[i] + 1);
  }
  return shape;
}

LogicalResult Importer::convertConv(const NodeContext &node) {
  FailureOr<bool> quantized = tryQuantizedConv(node);
  if (failed(quantized) || *quantized)
    return success(succeeded(quantized));
  FailureOr<Value> x = value(node, 0), w = value(node, 1);
  if (failed(x) || failed(w))
    return failure();
  RankedTensorType xt = typeOf(*x), wt = typeOf(*w);
  if (!isa<FloatType>(xt.getElementType()))
    return node.error() << "integer Conv is not supported; quantize with QDQ "
                           "or QLinearConv";
  FailureOr<ConvParams> params = convParams(node);
  if (failed(params))
    return failure();
  FailureOr<SmallVector<int64_t>> outShape =
      convOutputShape(node, xt, wt, *params);
  if (failed(outShape))
    return failure();
  ArrayRef<int64_t> strides = params->strides, dilations = params->dilations,
                    pads = params->pads;
  int64_t groups = params->groups;
  Type element = xt.getElementType();
  Location loc = node.loc;
  Value input = padSpatial(loc, *x, {pads[0], pads[1]}, {pads[2], pads[3]});
  RankedTensorType it = typeOf(input);
  int64_t n = it.getDimSize(0), c = it.getDimSize(1), o = wt.getDimSize(0);
  ArrayRef<int64_t> outHW = ArrayRef<int64_t>(*outShape).drop_front(2);
  SmallVector<NamedAttribute> attrs = windowAttrs(strides, dilations);
  Value result;
  if (groups == 1) {
    Value init = zeros(loc, {n, o, outHW[0], outHW[1]}, element);
    result = linalg::Conv2DNchwFchwOp::create(
                 builder, loc, TypeRange{init.getType()}, ValueRange{input, *w},
                 ValueRange{init}, attrs)
                 .getResult(0);
  } else {
    int64_t g = groups;
    Value in5 =
        reshape(loc, input, {n, g, c / g, it.getDimSize(2), it.getDimSize(3)});
    Value w5 =
        reshape(loc, *w, {g, o / g, c / g, wt.getDimSize(2), wt.getDimSize(3)});
    Value init = zeros(loc, {n, g, o / g, outHW[0], outHW[1]}, element);
    Value conv = linalg::Conv2DNgchwGfchwOp::create(
                     builder, loc, TypeRange{init.getType()},
                     ValueRange{in5, w5}, ValueRange{init}, attrs)
                     .getResult(0);
    result = reshape(loc, conv, {n, o, outHW[0], outHW[1]});
  }
  if (node.hasInput(2)) {
    FailureOr<Value> bias = value(node, 2);
    if (failed(bias))
      return failure();
    Value b3 = reshape(loc, *bias, {o, 1, 1});
    FailureOr<Value> sum =
        elementwise(node, {result, b3}, element,
                    [](OpBuilder &b, Location l, ValueRange v, Type) -> Value {
                      return arith::AddFOp::create(b, l, v[0], v[1]);
                    });
    if (failed(sum))
      return failure();
    result = *sum;
  }
  setResult(node, 0, result);
  return success();
}

/// ReduceMean, ReduceSum and GlobalAveragePool (the mean over every
/// dimension after N and C, kept).
LogicalResult Importer::convertReduceMean(const NodeContext &node) {
  llvm::StringRef op = node.proto.op_type();
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  RankedTensorType type = typeOf(*input);
  int64_t rank = type.getRank();
  if (!isa<FloatType>(type.getElementType()))
    return node.error() << "only float operands are supported, got "
                        << type.getElementType();
  bool global = op == "GlobalAveragePool";
  std::vector<int64_t> axes;
  if (global) {
    if (rank < 3)
      return node.error() << "needs an N x C x ... input, got rank " << rank;
    for (int64_t d = 2; d < rank; ++d)
      axes.push_back(d);
  } else if (const ConstTensor *c = constant(node, 1)) {
    axes = c->ints();
  } else if (node.hasInput(1)) {
    return node.error() << "axes must be a constant";
  } else if (auto attr = node.intsAttr("axes")) {
    axes.assign(attr->begin(), attr->end());
  }
  if (axes.empty() && node.intAttr("noop_with_empty_axes", 0)) {
    setResult(node, 0, *input);
    return success();
  }
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  SmallVector<int64_t> dims;
  for (int64_t a : axes) {
    int64_t d = normalizeAxis(a, rank);
    if (d < 0)
      return node.error() << "axis " << a << " is out of range";
    if (llvm::is_contained(dims, d))
      return node.error() << "axis " << a << " is repeated";
    dims.push_back(d);
  }
  llvm::sort(dims);
  SmallVector<int64_t> reduced, kept(type.getShape());
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(dims, d)) {
      count *= type.getDimSize(d);
      kept[d] = 1;
    } else {
      reduced.push_back(type.getDimSize(d));
    }
  }
  bool keep = global || node.intAttr("keepdims", 1);
  FailureOr<bool> quantized =
      tryQuantizedReduce(node, *input, dims, count, op != "ReduceSum", reduced,
                         keep ? kept : reduced);
  if (failed(quantized) || *quantized)
    return success(succeeded(quantized));
  Type element = type.getElementType();
  Value init = zeros(node.loc, reduced, element);
  Value result =
      linalg::ReduceOp::create(
          builder, node.loc, ValueRange{*input}, ValueRange{init}, dims,
          [](OpBuilder &b, Location loc, ValueRange args) {
            linalg::YieldOp::create(
                b, loc,
                ValueRange{arith::AddFOp::create(b, loc, args[0], args[1])});
          })
          .getResult(0);
  if (op != "ReduceSum") {
    FailureOr<Value> mean = elementwise(
        node, {result}, element,
        [count](OpBuilder &b, Location loc, ValueRange v, Type t) -> Value {
          Value n = arith::ConstantOp::create(b, loc, t,
                                              b.getFloatAttr(t, double(count)));
          return arith::DivFOp::create(b, loc, v[0], n);
        });
    if (failed(mean))
      return failure();
    result = *mean;
  }
  setResult(node, 0, keep ? reshape(node.loc, result, kept) : result);
  return success();
}

//===----------------------------------------------------------------------===//
// Non-linear ops
//===----------------------------------------------------------------------===//

LogicalResult Importer::convertSoftmax(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  int64_t rank = typeOf(*input).getRank();
  int64_t axis = normalizeAxis(node.intAttr("axis", -1), rank);
  if (axis < 0)
    return node.error() << "axis " << node.intAttr("axis", -1)
                        << " is out of range for rank " << rank;
  IslandOperand in = islandOperand(node, *input);
  Value result = SoftmaxOp::create(builder, node.loc, in.resultType, in.value,
                                   builder.getI64IntegerAttr(axis - rank));
  finishIsland(node, in, result);
  return success();
}

LogicalResult Importer::convertGelu(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0);
  if (failed(input))
    return failure();
  std::string approximate = node.stringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return node.error() << "approximate '" << approximate
                        << "' is not supported";
  IslandOperand in = islandOperand(node, *input);
  Value result = GeluOp::create(builder, node.loc, in.resultType, in.value,
                                builder.getStringAttr(approximate));
  finishIsland(node, in, result);
  return success();
}

LogicalResult Importer::convertLayerNorm(const NodeContext &node) {
  FailureOr<Value> input = value(node, 0), gamma = value(node, 1);
  if (failed(input) || failed(gamma))
    return failure();
  for (int i = 1; i < node.proto.output_size(); ++i)
    if (!node.proto.output(i).empty())
      return node.error() << "the Mean and InvStdDev outputs are not "
                             "supported";
  RankedTensorType type = typeOf(*input);
  int64_t axis = normalizeAxis(node.intAttr("axis", -1), type.getRank());
  if (axis < 0)
    return node.error() << "axis " << node.intAttr("axis", -1)
                        << " is out of range for rank " << type.getRank();
  ArrayRef<int64_t> normalized = type.getShape().drop_front(axis);
  Type element = type.getElementType();
  Value beta;
  if (node.hasInput(2)) {
    FailureOr<Value> b = value(node, 2);
    if (failed(b))
      return failure();
    beta = *b;
  } else {
    // A constant zero, which the integer form folds like a given beta.
    auto type = RankedTensorType::get(normalized, element);
    beta = arith::ConstantOp::create(
        builder, node.loc, type,
        DenseElementsAttr::get(type, builder.getZeroAttr(element)));
  }
  auto fit = [&](Value v) -> FailureOr<Value> {
    if (typeOf(v).getShape() == normalized)
      return v;
    if (typeOf(v).getNumElements() !=
        RankedTensorType::get(normalized, element).getNumElements())
      return node.error() << "scale/bias shape " << typeOf(v)
                          << " does not match the normalised shape",
             failure();
    return reshape(node.loc, v, normalized);
  };
  FailureOr<Value> g = fit(*gamma), b = fit(beta);
  if (failed(g) || failed(b))
    return failure();
  IslandOperand in = islandOperand(node, *input);
  Value result = LayerNormOp::create(
      builder, node.loc, in.resultType, in.value, *g, *b,
      builder.getI64IntegerAttr(axis - type.getRank()),
      builder.getF32FloatAttr(node.floatAttr("epsilon", 1e-5f)));
  finishIsland(node, in, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

/// The ops vitq folds at import time but cannot compute at run time.
static bool isFoldOnly(llvm::StringRef op) {
  return op == "Equal" || op == "Where";
}

Importer::Converter Importer::converterFor(const onnx::NodeProto &node) {
  const std::string &domain = node.domain();
  llvm::StringRef op = node.op_type();
  if (domain == "com.microsoft")
    return llvm::StringSwitch<Converter>(op)
        .Case("QGemm", &Importer::convertQGemm)
        .Case("QLinearAdd", &Importer::convertQLinearAdd)
        .Case("QLinearSoftmax", &Importer::convertQLinearSoftmax)
        .Default(nullptr);
  if (!domain.empty() && domain != "ai.onnx")
    return nullptr;
  return llvm::StringSwitch<Converter>(op)
      .Cases({"Add", "Sub", "Mul", "Div", "Pow"}, &Importer::convertElementwise)
      .Cases({"Sqrt", "Erf", "Tanh", "Exp", "Neg", "Reciprocal", "Relu"},
             &Importer::convertElementwise)
      .Cases({"Sigmoid", "HardSigmoid", "HardSwish", "Swish", "Mod"},
             &Importer::convertElementwise)
      .Cases({"ReduceSum", "GlobalAveragePool"}, &Importer::convertReduceMean)
      .Case("AveragePool", &Importer::convertAveragePool)
      .Case("Pad", &Importer::convertPad)
      .Case("BatchNormalization", &Importer::convertBatchNorm)
      .Case("InstanceNormalization", &Importer::convertInstanceNorm)
      .Case("Resize", &Importer::convertResize)
      .Case("Cast", &Importer::convertCast)
      .Case("Constant", &Importer::convertConstant)
      .Case("ConstantOfShape", &Importer::convertConstantOfShape)
      .Case("Shape", &Importer::convertShape)
      .Cases({"Reshape", "Flatten", "Squeeze", "Unsqueeze"},
             &Importer::convertReshapeLike)
      .Case("Transpose", &Importer::convertTranspose)
      .Case("Concat", &Importer::convertConcat)
      .Case("Gather", &Importer::convertGather)
      .Case("Slice", &Importer::convertSlice)
      .Case("Split", &Importer::convertSplit)
      .Case("Expand", &Importer::convertExpand)
      .Case("MatMul", &Importer::convertMatMul)
      .Case("Gemm", &Importer::convertGemm)
      .Case("Conv", &Importer::convertConv)
      .Case("ReduceMean", &Importer::convertReduceMean)
      .Case("Softmax", &Importer::convertSoftmax)
      .Case("Gelu", &Importer::convertGelu)
      .Case("LayerNormalization", &Importer::convertLayerNorm)
      .Case("QuantizeLinear", &Importer::convertQuantizeLinear)
      .Case("DequantizeLinear", &Importer::convertDequantizeLinear)
      .Case("QLinearMatMul", &Importer::convertQLinearMatMul)
      .Case("QLinearConv", &Importer::convertQLinearConv)
      .Case("MatMulInteger", &Importer::convertMatMulInteger)
      .Default(nullptr);
}

std::optional<std::string>
Importer::unsupportedOpName(const onnx::NodeProto &node) {
  const std::string &domain = node.domain();
  bool defaultDomain = domain.empty() || domain == "ai.onnx";
  if (converterFor(node) || (defaultDomain && (node.op_type() == "Identity" ||
                                               isFoldOnly(node.op_type()))))
    return std::nullopt;
  return defaultDomain ? node.op_type() : domain + "." + node.op_type();
}

LogicalResult Importer::convertNode(const NodeContext &node) {
  llvm::StringRef op = node.proto.op_type();
  Converter converter = converterFor(node.proto);
  std::optional<std::string> unsupported = unsupportedOpName(node.proto);
  if (op == "Identity" && !unsupported) {
    auto it = values.find(node.proto.input(0));
    if (it == values.end())
      return node.error() << "input '" << node.proto.input(0)
                          << "' is not defined before its use";
    Entry entry = it->second; // copy: inserting may rehash the map
    values[node.proto.output(0)] = std::move(entry);
    return success();
  }
  if (!unsupported || isFoldOnly(op)) {
    FailureOr<bool> folded = foldShapeArithmetic(node);
    if (succeeded(folded) && !*folded)
      folded = foldConstantNode(node);
    if (failed(folded) || *folded)
      return success(succeeded(folded));
  }
  if (!converter) {
    // Reported once per op type by the caller, with every node using it.
    unsupportedOp = unsupported.value_or(op.str());
    return failure();
  }
  if (!llvm::is_contained({"Reshape", "Flatten", "Squeeze", "Unsqueeze",
                           "Transpose", "Concat", "Gather", "Slice", "Split",
                           "Expand", "Identity"},
                          op))
    return (this->*converter)(node);
  // Data movement on dequantized values moves the integers instead.
  FailureOr<bool> moved = convertQuantizedMovement(node, converter);
  if (failed(moved))
    return failure();
  if (!*moved && failed((this->*converter)(node)))
    return failure();
  // Moving unsigned integers (QOperator graphs move the uint8 tensors
  // themselves) keeps them unsigned.
  if (node.hasInput(0) && unsignedValues.contains(node.proto.input(0)))
    for (const std::string &output : node.proto.output())
      if (!output.empty())
        unsignedValues.insert(output);
  return success();
}
