//===- VitqOps.cpp - vitq operation verifiers -----------------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Support/Dyadic.h"
#include "vitq/kernels.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::vitq;

#define GET_OP_CLASSES
#include "vitq/Dialect/Vitq/VitqOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

static RankedTensorType tensorType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Two dimension sizes agree unless one of them is dynamic.
static bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << '?';
        else
          os << d;
      },
      "x");
  os << ']';
  return text;
}

static LogicalResult verifySameShape(Operation *op, Value input, Value output) {
  if (failed(verifyCompatibleShape(input.getType(), output.getType())))
    return op->emitOpError("result shape ")
           << shapeString(tensorType(output).getShape())
           << " does not match input shape "
           << shapeString(tensorType(input).getShape());
  return success();
}

/// Checks that `value` is representable in the signed integer type `type`;
/// 32-bit (accumulator) types accept any int32 attribute.
static LogicalResult verifyZeroPoint(Operation *op, StringRef name,
                                     int32_t value, Type type) {
  unsigned width = type.getIntOrFloatBitWidth();
  if (width >= 32 || saturateSigned(value, width) == value)
    return success();
  return op->emitOpError() << name << " " << value
                           << " does not fit the operand type " << type;
}

/// The `input_zp`/`output_zp` pair of the rescaling ops.
static LogicalResult verifyInputOutputZeroPoints(Operation *op, int32_t inZp,
                                                 Value input, int32_t outZp,
                                                 Value output) {
  if (failed(
          verifyZeroPoint(op, "input_zp", inZp, getElementTypeOrSelf(input))) ||
      failed(verifyZeroPoint(op, "output_zp", outZp,
                             getElementTypeOrSelf(output))))
    return failure();
  return success();
}

/// Normalises `axis` (negative counts from the end) into [0, rank).
static FailureOr<int64_t> normalizeAxis(Operation *op, int64_t axis,
                                        int64_t rank) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank)
    return op->emitOpError("axis ")
           << axis << " is out of range for rank " << rank;
  return normalized;
}

/// Checks a rescale against the tensor it applies to. A per-channel rescale
/// needs one factor per index of its axis, and `requiredAxis`, when given,
/// is the only dimension the op allows it on.
static LogicalResult verifyRescale(Operation *op, StringRef name,
                                   RescaleAttr rescale, RankedTensorType type,
                                   std::optional<int64_t> requiredAxis) {
  if (rescale.isPerTensor())
    return success();
  int64_t axis = *rescale.getAxis();
  if (axis >= type.getRank())
    return op->emitOpError() << name << " axis " << axis
                             << " is out of range for rank " << type.getRank();
  if (requiredAxis && axis != *requiredAxis)
    return op->emitOpError()
           << "per-channel " << name << " must run along dimension "
           << *requiredAxis << " (the channels), not " << axis;
  int64_t dim = type.getDimSize(axis);
  if (!ShapedType::isDynamic(dim) &&
      dim != static_cast<int64_t>(rescale.size()))
    return op->emitOpError()
           << "per-channel " << name << " has " << rescale.size()
           << " factors but dimension " << axis << " has size " << dim;
  return success();
}

static LogicalResult verifyShift(Operation *op, int32_t shift) {
  if (shift < 0 || shift > kMaxDyadicShift)
    return op->emitOpError()
           << "shift " << shift << " is outside [0, " << kMaxDyadicShift << "]";
  return success();
}

/// Checks a uniform quantized tensor type against its float counterpart.
static LogicalResult verifyQuantizedType(Operation *op,
                                         RankedTensorType quantized,
                                         Type floatElementType) {
  Type element = quantized.getElementType();
  auto qtype = dyn_cast<quant::QuantizedType>(element);
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(
          element))
    return op->emitOpError("expected a !quant.uniform element type, got ")
           << element;
  // The integer ops read storage as signed; the importer re-encodes uint8
  // as int8 with the zero point lowered by 128.
  if (!qtype.isSigned())
    return op->emitOpError("expected signed quantized storage, got ")
           << element;
  if (qtype.getExpressedType() != floatElementType)
    return op->emitOpError("float type ")
           << floatElementType << " differs from the expressed type "
           << qtype.getExpressedType() << " of " << element;
  // The quant dialect accepts any zero point; outside the storage range it
  // would shift every value by a wrapped amount.
  SmallVector<int64_t> zeroPoints;
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(element))
    zeroPoints.push_back(uniform.getZeroPoint());
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element);
  if (perAxis)
    llvm::append_range(zeroPoints, perAxis.getZeroPoints());
  for (int64_t zp : zeroPoints)
    if (zp < qtype.getStorageTypeMin() || zp > qtype.getStorageTypeMax())
      return op->emitOpError("zero point ")
             << zp << " is outside the storage range ["
             << qtype.getStorageTypeMin() << ", " << qtype.getStorageTypeMax()
             << "] of " << element;
  if (!perAxis)
    return success();
  int32_t dim = perAxis.getQuantizedDimension();
  if (dim >= quantized.getRank())
    return op->emitOpError("quantized dimension ")
           << dim << " is out of range for rank " << quantized.getRank();
  int64_t size = quantized.getDimSize(dim);
  if (!ShapedType::isDynamic(size) &&
      size != static_cast<int64_t>(perAxis.getScales().size()))
    return op->emitOpError("per-axis type has ")
           << perAxis.getScales().size() << " scales but dimension " << dim
           << " has size " << size;
  return success();
}

/// Float-semantic ops take float tensors (FP32 models) or per-tensor
/// quantized tensors (the imported level), never a mix.
static LogicalResult verifyFloatOrQuantizedPair(Operation *op, Value input,
                                                Value output) {
  Type in = getElementTypeOrSelf(input);
  Type out = getElementTypeOrSelf(output);
  bool inFloat = isa<FloatType>(in), outFloat = isa<FloatType>(out);
  if (inFloat != outFloat)
    return op->emitOpError("input and result must both be float or both be "
                           "quantized, got ")
           << in << " and " << out;
  if (inFloat && in != out)
    return op->emitOpError("float input ")
           << in << " and result " << out << " differ";
  for (Type t : {in, out}) {
    auto uniform = dyn_cast<quant::UniformQuantizedType>(t);
    if (!inFloat && (!uniform || !uniform.isSigned()))
      return op->emitOpError(
                 "expected a signed per-tensor !quant.uniform type, got ")
             << t;
  }
  return verifySameShape(op, input, output);
}

/// The I-ViT exponent routine needs x0 < 0 and e = -x0 * 2^n in 31 bits.
static LogicalResult verifyExponentConstants(Operation *op, int32_t x0,
                                             int32_t expShift) {
  if (x0 >= 0)
    return op->emitOpError("x0 (the integer for -1.0) must be negative, got ")
           << x0;
  if (expShift < 0 || expShift > 30)
    return op->emitOpError("exp_shift ") << expShift << " is outside [0, 30]";
  if ((-static_cast<int64_t>(x0) << expShift) > INT32_MAX)
    return op->emitOpError("-x0 * 2^exp_shift = ")
           << (-static_cast<int64_t>(x0) << expShift)
           << " does not fit in 31 bits";
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  if (failed(verifyQuantizedType(*this, getOutput().getType(),
                                 getInput().getType().getElementType())))
    return failure();
  return verifySameShape(*this, getInput(), getOutput());
}

LogicalResult DequantizeOp::verify() {
  if (failed(verifyQuantizedType(*this, getInput().getType(),
                                 getOutput().getType().getElementType())))
    return failure();
  return verifySameShape(*this, getInput(), getOutput());
}

//===----------------------------------------------------------------------===//
// RequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult RequantizeOp::verify() {
  if (failed(verifySameShape(*this, getInput(), getOutput())) ||
      failed(verifyRescale(*this, "rescale", getRescale(), getInput().getType(),
                           std::nullopt)) ||
      failed(verifyInputOutputZeroPoints(*this, getInputZp(), getInput(),
                                         getOutputZp(), getOutput())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// AffineOp
//===----------------------------------------------------------------------===//

LogicalResult AffineOp::verify() {
  if (failed(verifySameShape(*this, getInput(), getOutput())) ||
      failed(verifyRescale(*this, "rescale", getRescale(), getInput().getType(),
                           std::nullopt)) ||
      failed(verifyZeroPoint(*this, "input_zp", getInputZp(),
                             getInput().getType().getElementType())))
    return failure();
  size_t channels =
      getRescale().isPerTensor()
          ? 1
          : getInput().getType().getDimSize(*getRescale().getAxis());
  size_t count = getBias().size();
  if (count != 1 && count != channels)
    return emitOpError("bias needs one value or one per channel (")
           << channels << "), got " << count;
  return success();
}

//===----------------------------------------------------------------------===//
// AvgPool2DOp
//===----------------------------------------------------------------------===//

int64_t vitq::poolWindowCount(int64_t size, int64_t kernel, int64_t stride,
                              int64_t padBefore, bool includePad, int64_t o) {
  if (includePad)
    return kernel;
  int64_t start = o * stride - padBefore;
  return std::min(start + kernel, size) - std::max<int64_t>(start, 0);
}

int64_t AvgPool2DOp::windowCount(unsigned dim, int64_t o) {
  return poolWindowCount(getInput().getType().getDimSize(2 + dim),
                         getKernel()[dim], getStrides()[dim], getPads()[dim],
                         getCountIncludePad(), o);
}

LogicalResult AvgPool2DOp::verify() {
  RankedTensorType input = getInput().getType(), output = getOutput().getType();
  if (input.getRank() != 4 || output.getRank() != 4 ||
      !input.hasStaticShape() || !output.hasStaticShape())
    return emitOpError("needs static NCHW input and result");
  if (getKernel().size() != 2 || getStrides().size() != 2 ||
      getPads().size() != 4 ||
      llvm::any_of(getKernel(), [](int64_t k) { return k < 1 || k > 64; }) ||
      llvm::any_of(getStrides(), [](int64_t s) { return s < 1; }) ||
      llvm::any_of(getPads(), [](int64_t p) { return p < 0; }))
    return emitOpError("kernel (1 to 64), strides (positive) and pads (4, "
                       "non-negative) are malformed");
  if (output.getDimSize(0) != input.getDimSize(0) ||
      output.getDimSize(1) != input.getDimSize(1))
    return emitOpError("keeps the batch and channel dimensions");
  for (unsigned d = 0; d < 2; ++d) {
    int64_t out = output.getDimSize(2 + d), in = input.getDimSize(2 + d);
    if (out < 1 || (out - 1) * getStrides()[d] >= in + getPads()[d])
      return emitOpError("output dimension ")
             << 2 + d << " has windows that start past the input";
    if (getPads()[d] >= getKernel()[d] || getPads()[d + 2] >= getKernel()[d])
      return emitOpError("pads must be smaller than the kernel");
  }
  size_t counts = getKernel()[0] * getKernel()[1];
  if (getMultipliers().size() != counts || getShifts().size() != counts)
    return emitOpError("needs one multiplier and shift per count (")
           << counts << ")";
  for (int32_t s : getShifts())
    if (failed(verifyShift(*this, s)))
      return failure();
  for (int32_t m : getMultipliers())
    if (m < 0)
      return emitOpError("multipliers must be non-negative");
  if (failed(verifyZeroPoint(*this, "input_zp", getInputZp(),
                             input.getElementType())) ||
      failed(verifyZeroPoint(*this, "output_zp", getOutputZp(),
                             output.getElementType())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// ReduceSumOp
//===----------------------------------------------------------------------===//

/// The largest absolute sum of a row of `weights`, rows of `cols` entries.
static int64_t largestAbsRowSum(ArrayRef<int32_t> weights, int64_t cols) {
  int64_t largest = 0;
  for (size_t r = 0; cols > 0 && r + cols <= weights.size(); r += cols) {
    int64_t sum = 0;
    for (int64_t c = 0; c < cols; ++c)
      sum += std::abs(int64_t{weights[r + c]});
    largest = std::max(largest, sum);
  }
  return largest;
}

int64_t ResizeOp::largestRowSum() {
  return largestAbsRowSum(getRows(), getInput().getType().getDimSize(2));
}

int64_t ResizeOp::largestColumnSum() {
  return largestAbsRowSum(getColumns(), getInput().getType().getDimSize(3));
}

LogicalResult ResizeOp::verify() {
  RankedTensorType input = getInput().getType(), output = getOutput().getType();
  if (input.getRank() != 4 || output.getRank() != 4 ||
      !input.hasStaticShape() || !output.hasStaticShape())
    return emitOpError("needs static NCHW input and result");
  if (output.getDimSize(0) != input.getDimSize(0) ||
      output.getDimSize(1) != input.getDimSize(1))
    return emitOpError("keeps the batch and channel dimensions");
  int64_t h = input.getDimSize(2), w = input.getDimSize(3),
          oh = output.getDimSize(2), ow = output.getDimSize(3);
  if (getRows().size() != static_cast<size_t>(oh * h) ||
      getColumns().size() != static_cast<size_t>(ow * w))
    return emitOpError("needs ") << oh << " x " << h << " row weights and "
                                 << ow << " x " << w << " column weights";
  if (failed(verifyZeroPoint(*this, "input_zp", getInputZp(),
                             input.getElementType())))
    return failure();
  unsigned bits = input.getElementTypeBitWidth();
  llvm::APInt bound(128, largestRowSum());
  bound *= llvm::APInt(128, std::max<int64_t>(largestColumnSum(), 1));
  bound = bound.shl(bits);
  if (bound.uge(llvm::APInt(128, 1).shl(31)))
    return emitOpError("weights too large: the sums can leave int32 (")
           << bits << "-bit input)";
  return success();
}

LogicalResult ReduceSumOp::verify() {
  RankedTensorType input = getInput().getType();
  ArrayRef<int64_t> dims = getDims();
  SmallVector<int64_t> kept;
  int64_t count = 1;
  for (int64_t d = 0, i = 0; d < input.getRank(); ++d) {
    if (i < static_cast<int64_t>(dims.size()) && dims[i] == d) {
      count *= input.getDimSize(d);
      ++i;
      continue;
    }
    kept.push_back(input.getDimSize(d));
  }
  if (!llvm::is_sorted(dims) ||
      std::adjacent_find(dims.begin(), dims.end()) != dims.end() ||
      llvm::any_of(dims,
                   [&](int64_t d) { return d < 0 || d >= input.getRank(); }))
    return emitOpError("dims must be ascending, distinct dimensions of the "
                       "input");
  if (getOutput().getType().getShape() != ArrayRef<int64_t>(kept))
    return emitOpError("result shape must be the input's without the summed "
                       "dimensions");
  if (failed(verifyZeroPoint(*this, "input_zp", getInputZp(),
                             input.getElementType())))
    return failure();
  // |input - input_zp| < 2^bits, so count * 2^bits must stay below 2^31.
  unsigned bits = input.getElementTypeBitWidth();
  if (!input.hasStaticShape() || count > (int64_t{1} << (31 - bits)))
    return emitOpError("sums ")
           << count << " elements; at most " << (int64_t{1} << (31 - bits))
           << " of " << input.getElementType() << " fit int32";
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

/// The shapes and zero points of a batched matrix product (vitq.matmul and
/// vitq.kernel_matmul).
static LogicalResult verifyMatmul(Operation *op, ShapedType lhs, ShapedType rhs,
                                  ArrayRef<int64_t> resultShape,
                                  bool transposeRhs, int32_t lhsZp,
                                  int32_t rhsZp) {
  int64_t rank = lhs.getRank();
  if (rank < 2)
    return op->emitOpError("lhs must have rank >= 2, got ") << rank;
  if (rhs.getRank() != 2 && rhs.getRank() != rank)
    return op->emitOpError("rhs must have rank 2 or the rank of lhs (")
           << rank << "), got " << rhs.getRank();
  int64_t rhsRank = rhs.getRank();
  int64_t k = lhs.getDimSize(rank - 1);
  int64_t rhsK = rhs.getDimSize(rhsRank - (transposeRhs ? 1 : 2));
  int64_t n = rhs.getDimSize(rhsRank - (transposeRhs ? 2 : 1));
  if (!dimsAgree(k, rhsK))
    return op->emitOpError("reduction dimensions differ: lhs has K = ")
           << k << ", rhs has K = " << rhsK;
  SmallVector<int64_t> expected(lhs.getShape().drop_back());
  expected.push_back(n);
  if (rhsRank == rank)
    for (int64_t i = 0; i < rank - 2; ++i)
      if (!dimsAgree(lhs.getDimSize(i), rhs.getDimSize(i)))
        return op->emitOpError("batch dimension ")
               << i << " differs: " << lhs.getDimSize(i) << " vs "
               << rhs.getDimSize(i);
  if (failed(verifyCompatibleShape(resultShape, expected)))
    return op->emitOpError("result shape ")
           << shapeString(resultShape) << " does not match expected "
           << shapeString(expected);
  if (failed(verifyZeroPoint(op, "lhs_zp", lhsZp, lhs.getElementType())) ||
      failed(verifyZeroPoint(op, "rhs_zp", rhsZp, rhs.getElementType())))
    return failure();
  return success();
}

LogicalResult MatmulOp::verify() {
  return verifyMatmul(*this, getLhs().getType(), getRhs().getType(),
                      getResult().getType().getShape(), getTransposeRhs(),
                      getLhsZp(), getRhsZp());
}

//===----------------------------------------------------------------------===//
// KernelMatmulOp
//===----------------------------------------------------------------------===//

/// Destination-style kernel ops take all tensors (one result, the init's
/// type) or all memrefs (no result).
static LogicalResult verifyDestinationForm(Operation *op, Value init) {
  bool tensors = isa<RankedTensorType>(init.getType());
  if (!llvm::all_of(op->getOperands(), [&](Value v) {
        return isa<RankedTensorType>(v.getType()) == tensors;
      }))
    return op->emitOpError("operands must be all tensors or all memrefs");
  if (op->getNumResults() != (tensors ? 1u : 0u))
    return op->emitOpError(tensors ? "on tensors it returns the new init"
                                   : "on memrefs it returns nothing");
  if (tensors && op->getResult(0).getType() != init.getType())
    return op->emitOpError("result type must be the init's type");
  return success();
}

LogicalResult KernelMatmulOp::verify() {
  if (failed(verifyDestinationForm(*this, getInit())))
    return failure();
  auto shaped = [](Value v) { return cast<ShapedType>(v.getType()); };
  ShapedType lhs = shaped(getLhs()), rhs = shaped(getRhs()),
             init = shaped(getInit());
  if (!lhs.hasStaticShape() || !rhs.hasStaticShape() || !init.hasStaticShape())
    return emitOpError("operands need static shapes");
  bool f32 = init.getElementType().isF32();
  if (!llvm::all_of(TypeRange{lhs, rhs}, [&](Type t) {
        return cast<ShapedType>(t).getElementType().isF32() == f32;
      }))
    return emitOpError("operands must be all f32, or all integers");
  if (f32 && (getLhsZp() != 0 || getRhsZp() != 0 || getRescale() ||
              getOutputZp() != 0))
    return emitOpError(
        "f32 operands take no zero points, rescale or output zero point");
  if (!f32) {
    bool wide = init.getElementType().isInteger(32);
    if (getRescale() ? wide : !wide)
      return emitOpError("an int8 product is int32 without a rescale and "
                         "int8 or int16 with one");
    if (getRescale() && !getRescale()->isPerTensor())
      return emitOpError("takes a per-tensor rescale only");
    if (!getRescale() && getOutputZp() != 0)
      return emitOpError("takes an output zero point only with a rescale");
    if (failed(verifyZeroPoint(*this, "output_zp", getOutputZp(),
                               init.getElementType())))
      return failure();
  }
  return verifyMatmul(*this, lhs, rhs, init.getShape(), getTransposeRhs(),
                      getLhsZp(), getRhsZp());
}

/// On memrefs a kernel op reads its inputs and writes its init; on tensors
/// it has no effects.
static void getKernelEffects(
    Operation *op, OpOperand &init,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (&operand == &init)
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

void KernelMatmulOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getKernelEffects(*this, getInitMutable(), effects);
}

/// The epilogue shared by linear and conv2d: without a rescale the result is
/// the int32 accumulator; with one it is a saturated int8/int16 activation
/// whose per-channel rescale runs along `channelDim`.
static LogicalResult verifyEpilogue(Operation *op,
                                    std::optional<RescaleAttr> rescale,
                                    Value input, int32_t inputZp,
                                    Value outputValue, int32_t outputZp,
                                    int64_t channelDim) {
  auto output = cast<RankedTensorType>(outputValue.getType());
  bool accumulates = output.getElementType().isInteger(32);
  if (!rescale) {
    if (!accumulates)
      return op->emitOpError("without a rescale the result is the int32 "
                             "accumulator, got ")
             << output.getElementType();
    if (outputZp != 0)
      return op->emitOpError("output_zp needs a rescale");
  } else {
    if (accumulates)
      return op->emitOpError("with a rescale the result must be int8 or "
                             "int16");
    if (failed(verifyRescale(op, "rescale", *rescale, output, channelDim)))
      return failure();
  }
  return verifyInputOutputZeroPoints(op, inputZp, input, outputZp, outputValue);
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType weight = getWeight().getType();
  RankedTensorType output = getOutput().getType();
  if (input.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  if (weight.getRank() != 2)
    return emitOpError("weight must have rank 2, got ") << weight.getRank();
  int64_t k = input.getDimSize(input.getRank() - 1);
  int64_t weightK = weight.getDimSize(getTransposeWeight() ? 1 : 0);
  int64_t n = weight.getDimSize(getTransposeWeight() ? 0 : 1);
  if (!dimsAgree(k, weightK))
    return emitOpError("input has K = ")
           << k << " but weight has K = " << weightK;
  if (getBias()) {
    RankedTensorType bias = getBias().getType();
    if (bias.getRank() != 1 || !dimsAgree(bias.getDimSize(0), n))
      return emitOpError("bias must have shape [")
             << n << "], got " << shapeString(bias.getShape());
  }
  SmallVector<int64_t> expected(input.getShape().drop_back());
  expected.push_back(n);
  if (failed(verifyCompatibleShape(output.getShape(), expected)))
    return emitOpError("result shape ")
           << shapeString(output.getShape()) << " does not match expected "
           << shapeString(expected);
  return verifyEpilogue(*this, getRescale(), getInput(), getInputZp(),
                        getOutput(), getOutputZp(), output.getRank() - 1);
}

//===----------------------------------------------------------------------===//
// PackedLinearOp
//===----------------------------------------------------------------------===//

LogicalResult PackedLinearOp::verify() {
  auto shaped = [](Value v) { return cast<ShapedType>(v.getType()); };
  ShapedType input = shaped(getInput()), packed = shaped(getPacked()),
             init = shaped(getInit());
  if (failed(verifyDestinationForm(*this, getInit())))
    return failure();
  if (input.getRank() < 1 || !input.hasStaticShape() || !init.hasStaticShape())
    return emitOpError("input and init need static shapes, input rank >= 1");
  if (init.getRank() != input.getRank() ||
      init.getShape().drop_back() != input.getShape().drop_back())
    return emitOpError("init shape ") << shapeString(init.getShape())
                                      << " must have the rows of input shape "
                                      << shapeString(input.getShape());
  int64_t k = getK(), n = getN();
  if (k < 1 || n < 1)
    return emitOpError("K and N must be positive");
  if (isFloat()) {
    if (!init.getElementType().isF32())
      return emitOpError("an f32 input needs an f32 init");
    if (getBias() || getRescale() || getInputZp() != 0 || getOutputZp() != 0)
      return emitOpError("an f32 linear layer takes no bias, rescale or zero "
                         "points");
    if (packed.getRank() != 1 ||
        packed.getDimSize(0) != vitq_kernel_packed_f32_size(k, n))
      return emitOpError("packed f32 weight of ")
             << k << " x " << n << " must be "
             << vitq_kernel_packed_f32_size(k, n) << " bytes, got "
             << shapeString(packed.getShape());
    return success();
  }
  if (init.getElementType().isF32())
    return emitOpError("an int8 input needs an int8, int16 or int32 init");
  if (packed.getRank() != 1 ||
      packed.getDimSize(0) != vitq_kernel_packed_size(k, n))
    return emitOpError("packed weight of ")
           << k << " x " << n << " must be " << vitq_kernel_packed_size(k, n)
           << " bytes, got " << shapeString(packed.getShape());
  if (getBias() && (shaped(getBias()).getRank() != 1 ||
                    shaped(getBias()).getDimSize(0) != n))
    return emitOpError("bias must have shape [")
           << n << "], got " << shapeString(shaped(getBias()).getShape());
  auto outputType =
      RankedTensorType::get(init.getShape(), init.getElementType());
  bool accumulates = init.getElementType().isInteger(32);
  if (getRescale().has_value() == accumulates)
    return emitOpError(accumulates ? "an int32 output takes no rescale"
                                   : "an int8 or int16 output needs a rescale");
  if (getRescale() &&
      failed(verifyRescale(*this, "rescale", *getRescale(), outputType,
                           outputType.getRank() - 1)))
    return failure();
  if (accumulates && getOutputZp() != 0)
    return emitOpError("output_zp needs a rescale");
  return verifyInputOutputZeroPoints(*this, getInputZp(), getInput(),
                                     getOutputZp(), getInit());
}

void PackedLinearOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getKernelEffects(*this, getInitMutable(), effects);
}

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

/// Checks that `values` has `size` entries, each at least `minimum`.
static LogicalResult verifyConvParams(Operation *op, StringRef name,
                                      ArrayRef<int64_t> values, size_t size,
                                      int64_t minimum) {
  if (values.size() != size)
    return op->emitOpError() << name << " must have " << size
                             << " entries, got " << values.size();
  // Bounded above too, so that the output-size arithmetic cannot overflow.
  constexpr int64_t kMaximum = int64_t(1) << 31;
  for (int64_t v : values)
    if (v < minimum || v >= kMaximum)
      return op->emitOpError() << name << " entries must be in [" << minimum
                               << ", 2^31), got " << v;
  return success();
}

LogicalResult Conv2DOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType weight = getWeight().getType();
  RankedTensorType output = getOutput().getType();
  if (input.getRank() != 4 || weight.getRank() != 4)
    return emitOpError("input [N, C, H, W] and weight [O, C/groups, KH, KW] "
                       "must have rank 4");
  ArrayRef<int64_t> strides = getStrides(), pads = getPads(),
                    dilations = getDilations();
  if (failed(verifyConvParams(*this, "strides", strides, 2, 1)) ||
      failed(verifyConvParams(*this, "pads", pads, 4, 0)) ||
      failed(verifyConvParams(*this, "dilations", dilations, 2, 1)))
    return failure();
  int64_t groups = getGroups();
  if (groups < 1)
    return emitOpError("groups must be >= 1, got ") << groups;
  int64_t channels = input.getDimSize(1), outChannels = weight.getDimSize(0);
  if (!ShapedType::isDynamic(channels) && channels % groups != 0)
    return emitOpError("input channels ")
           << channels << " are not divisible by groups " << groups;
  if (!ShapedType::isDynamic(outChannels) && outChannels % groups != 0)
    return emitOpError("output channels ")
           << outChannels << " are not divisible by groups " << groups;
  if (!ShapedType::isDynamic(channels) &&
      !dimsAgree(weight.getDimSize(1), channels / groups))
    return emitOpError("weight has ")
           << weight.getDimSize(1) << " input channels per group, expected "
           << channels / groups;
  if (getBias()) {
    RankedTensorType bias = getBias().getType();
    if (bias.getRank() != 1 || !dimsAgree(bias.getDimSize(0), outChannels))
      return emitOpError("bias must have shape [")
             << outChannels << "], got " << shapeString(bias.getShape());
  }
  SmallVector<int64_t> expected = {input.getDimSize(0), outChannels};
  for (int i = 0; i < 2; ++i) {
    int64_t size = input.getDimSize(2 + i), kernel = weight.getDimSize(2 + i);
    if (ShapedType::isDynamic(size) || ShapedType::isDynamic(kernel)) {
      expected.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t extent, span;
    if (llvm::AddOverflow(size, pads[i] + pads[i + 2], extent) ||
        llvm::MulOverflow(dilations[i], kernel - 1, span) ||
        llvm::AddOverflow(span, int64_t(1), span))
      return emitOpError("the kernel or padded extent of spatial dimension ")
             << i << " overflows 64 bits";
    if (span > extent)
      return emitOpError("kernel extent ")
             << span << " exceeds the padded input extent " << extent
             << " in spatial dimension " << i;
    expected.push_back((extent - span) / strides[i] + 1);
  }
  if (failed(verifyCompatibleShape(output.getShape(), expected)))
    return emitOpError("result shape ")
           << shapeString(output.getShape()) << " does not match expected "
           << shapeString(expected);
  return verifyEpilogue(*this, getRescale(), getInput(), getInputZp(),
                        getOutput(), getOutputZp(), /*channelDim=*/1);
}

//===----------------------------------------------------------------------===//
// AddOp
//===----------------------------------------------------------------------===//

LogicalResult AddOp::verify() {
  SmallVector<int64_t> broadcast;
  RankedTensorType lhs = getLhs().getType(), rhs = getRhs().getType();
  RankedTensorType output = getOutput().getType();
  if (!OpTrait::util::getBroadcastedShape(lhs.getShape(), rhs.getShape(),
                                          broadcast))
    return emitOpError("operand shapes ")
           << shapeString(lhs.getShape()) << " and "
           << shapeString(rhs.getShape()) << " do not broadcast";
  if (failed(verifyCompatibleShape(output.getShape(), broadcast)))
    return emitOpError("result shape ")
           << shapeString(output.getShape())
           << " does not match the broadcast shape " << shapeString(broadcast);
  // A negative multiplier subtracts its operand (ONNX Sub); -2^31 has no
  // positive counterpart and is refused.
  for (auto [name, m] : {std::pair("lhs_multiplier", getLhsMultiplier()),
                         std::pair("rhs_multiplier", getRhsMultiplier())})
    if (m == std::numeric_limits<int32_t>::min())
      return emitOpError() << name << " must be above -2^31";
  if (failed(verifyShift(*this, getShift())) ||
      failed(
          verifyZeroPoint(*this, "lhs_zp", getLhsZp(), lhs.getElementType())) ||
      failed(
          verifyZeroPoint(*this, "rhs_zp", getRhsZp(), rhs.getElementType())) ||
      failed(verifyZeroPoint(*this, "output_zp", getOutputZp(),
                             output.getElementType())))
    return failure();
  return success();
}

/// vitq.mul and vitq.div: broadcast shapes, a per-tensor rescale, zero
/// points within their types, and products that fit 63 bits.
static LogicalResult verifyProduct(Operation *op, RankedTensorType lhs,
                                   RankedTensorType rhs,
                                   RankedTensorType output, RescaleAttr rescale,
                                   int32_t lhsZp, int32_t rhsZp,
                                   int32_t outputZp, bool divide) {
  SmallVector<int64_t> broadcast;
  if (!OpTrait::util::getBroadcastedShape(lhs.getShape(), rhs.getShape(),
                                          broadcast))
    return op->emitOpError("operand shapes ")
           << shapeString(lhs.getShape()) << " and "
           << shapeString(rhs.getShape()) << " do not broadcast";
  if (failed(verifyCompatibleShape(output.getShape(), broadcast)))
    return op->emitOpError("result shape ")
           << shapeString(output.getShape())
           << " does not match the broadcast shape " << shapeString(broadcast);
  if (!rescale.isPerTensor())
    return op->emitOpError("takes a per-tensor rescale");
  if (divide && rescale.getShifts()[0] < 1)
    return op->emitOpError("needs a rescale shift of at least 1");
  if (rescale.getMultipliers()[0] < 0)
    return op->emitOpError("needs a non-negative multiplier");
  if (!divide &&
      lhs.getElementTypeBitWidth() + rhs.getElementTypeBitWidth() > 24)
    return op->emitOpError("multiplies at most int16 by int8: a product of "
                           "two int16 times the multiplier exceeds 63 bits");
  if (failed(verifyZeroPoint(op, "lhs_zp", lhsZp, lhs.getElementType())) ||
      failed(verifyZeroPoint(op, "rhs_zp", rhsZp, rhs.getElementType())) ||
      failed(
          verifyZeroPoint(op, "output_zp", outputZp, output.getElementType())))
    return failure();
  return success();
}

LogicalResult MulOp::verify() {
  return verifyProduct(*this, getLhs().getType(), getRhs().getType(),
                       getOutput().getType(), getRescale(), getLhsZp(),
                       getRhsZp(), getOutputZp(), /*divide=*/false);
}

LogicalResult DivOp::verify() {
  return verifyProduct(*this, getLhs().getType(), getRhs().getType(),
                       getOutput().getType(), getRescale(), getLhsZp(),
                       getRhsZp(), getOutputZp(), /*divide=*/true);
}

//===----------------------------------------------------------------------===//
// Float-semantic non-linear ops
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  if (failed(verifyFloatOrQuantizedPair(*this, getInput(), getOutput())))
    return failure();
  return normalizeAxis(*this, getAxis(), getInput().getType().getRank());
}

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError("approximate must be \"none\" or \"tanh\", got \"")
           << getApproximate() << "\"";
  return verifyFloatOrQuantizedPair(*this, getInput(), getOutput());
}

LogicalResult ActivationOp::verify() {
  if (!llvm::is_contained(
          {"sigmoid", "silu", "hard_sigmoid", "hard_swish", "relu"}, getKind()))
    return emitOpError("kind must be sigmoid, silu, hard_sigmoid, hard_swish "
                       "or relu, got \"")
           << getKind() << "\"";
  return verifyFloatOrQuantizedPair(*this, getInput(), getOutput());
}

double vitq::evaluateActivation(StringRef kind, double x, double alpha,
                                double beta) {
  if (kind == "sigmoid")
    return 1.0 / (1.0 + std::exp(-x));
  if (kind == "silu")
    return x / (1.0 + std::exp(-x));
  if (kind == "hard_sigmoid")
    return std::clamp(alpha * x + beta, 0.0, 1.0);
  if (kind == "relu")
    return std::max(x, 0.0);
  return x * std::clamp(x / 6.0 + 0.5, 0.0, 1.0);
}

double ActivationOp::evaluate(double x) {
  return evaluateActivation(getKind(), x, getAlpha().convertToDouble(),
                            getBeta().convertToDouble());
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyFloatOrQuantizedPair(*this, getInput(), getOutput())))
    return failure();
  RankedTensorType input = getInput().getType();
  FailureOr<int64_t> axis = normalizeAxis(*this, getAxis(), input.getRank());
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> normalized = input.getShape().drop_front(*axis);
  for (auto [name, param] :
       {std::pair<StringRef, Value>{"gamma", getGamma()}, {"beta", getBeta()}})
    if (failed(verifyCompatibleShape(tensorType(param).getShape(), normalized)))
      return emitOpError() << name << " shape "
                           << shapeString(tensorType(param).getShape())
                           << " does not match the normalised shape "
                           << shapeString(normalized);
  if (!(getEpsilon().convertToFloat() >= 0.0f))
    return emitOpError("epsilon must be non-negative");
  return success();
}

//===----------------------------------------------------------------------===//
// Integer non-linear ops
//===----------------------------------------------------------------------===//

/// The row-wise ops reduce over the last dimension: it must exist and be
/// non-empty (an empty row's sum would be a divisor of 0).
static LogicalResult verifyRows(Operation *op, RankedTensorType type) {
  if (type.getRank() < 1)
    return op->emitOpError("input must have rank >= 1");
  if (type.getDimSize(type.getRank() - 1) == 0)
    return op->emitOpError("rows (the last dimension) must not be empty");
  return success();
}

LogicalResult ShiftmaxOp::verify() {
  if (failed(verifyRows(*this, getInput().getType())))
    return failure();
  if (failed(verifySameShape(*this, getInput(), getOutput())))
    return failure();
  return verifyExponentConstants(*this, getX0(), getExpShift());
}

LogicalResult TablemaxOp::verify() {
  if (failed(verifyRows(*this, getInput().getType())) ||
      failed(verifySameShape(*this, getInput(), getOutput())))
    return failure();
  ArrayRef<int32_t> table = getExpTable();
  if (table.size() != 256)
    return emitOpError("exp_table needs 256 entries, has ") << table.size();
  if (table[0] <= 0 || llvm::any_of(table, [](int32_t v) { return v < 0; }))
    return emitOpError("exp_table entries must be non-negative and entry 0 "
                       "positive");
  return success();
}

LogicalResult ShiftGeluOp::verify() {
  RankedTensorType output = getOutput().getType();
  if (failed(verifyRows(*this, getInput().getType())))
    return failure();
  if (failed(verifySameShape(*this, getInput(), getOutput())) ||
      failed(verifyExponentConstants(*this, getX0(), getExpShift())))
    return failure();
  return verifyRescale(*this, "rescale", getRescale(), output,
                       output.getRank() - 1);
}

LogicalResult LookupOp::verify() {
  if (failed(verifySameShape(*this, getInput(), getOutput())))
    return failure();
  auto table = dyn_cast<ShapedType>(getTable().getType());
  Type element = getOutput().getType().getElementType();
  if (!table || table.getRank() != 1 || table.getNumElements() != 256 ||
      table.getElementType() != element)
    return emitOpError("table must hold 256 values of the result's element "
                       "type ")
           << element << ", got " << getTable().getType();
  return success();
}

LogicalResult ILayerNormOp::verify() {
  RankedTensorType output = getOutput().getType();
  if (failed(verifyRows(*this, getInput().getType())))
    return failure();
  if (failed(verifySameShape(*this, getInput(), getOutput())) ||
      failed(verifyRescale(*this, "rescale", getRescale(), output,
                           output.getRank() - 1)))
    return failure();
  int64_t channels = output.getDimSize(output.getRank() - 1);
  size_t biasSize = getBias().size();
  if (biasSize != 1 && (ShapedType::isDynamic(channels) ||
                        biasSize != static_cast<size_t>(channels)))
    return emitOpError("bias must have 1 or ")
           << channels << " entries, got " << biasSize;
  if (getSqrtIterations() < 1 || getSqrtIterations() > 64)
    return emitOpError("sqrt_iterations must be in [1, 64], got ")
           << getSqrtIterations();
  int64_t maxRow =
      cast<IntegerType>(getInput().getType().getElementType()).getWidth() == 8
          ? kMaxRowInt8
          : kMaxRowInt16;
  if (!ShapedType::isDynamic(channels) && channels > maxRow)
    return emitOpError("rows of ")
           << channels << " exceed the " << maxRow
           << " elements whose sum of squares fits in 63 bits";
  // Keeps sum(y * y) + variance_offset inside 63 bits.
  if (getVarianceOffset() < 0 || getVarianceOffset() > (int64_t{1} << 48))
    return emitOpError("variance_offset must be in [0, 2^48], got ")
           << getVarianceOffset();
  // |y * f| <= 2^(32 + r) stays inside 63 bits.
  if (getReciprocalShift() < 0 || getReciprocalShift() > 30)
    return emitOpError("reciprocal_shift must be in [0, 30], got ")
           << getReciprocalShift();
  return success();
}
