//===- Kernels.cpp - Contractions onto the kernel library -----------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The int8 contractions reach the kernel library (runtime/kernels,
// vitq/kernels.h) in three steps, each an op or a pass of its own:
//
// - vitq-use-kernels writes destination-style kernel ops: vitq.linear and
//   ungrouped vitq.conv2d (through im2col) with constant weights become
//   vitq.packed_linear, the weight packed at compile time by the library's
//   own code; vitq.matmul becomes vitq.kernel_matmul;
// - one-shot bufferisation turns them into their memref form (the external
//   models below);
// - vitq-lower-kernel-calls replaces those by calls of the library's entry
//   points with raw pointers and strides; the library picks the kernel of
//   the CPU's instruction set at run time.
//
//===----------------------------------------------------------------------===//

#include "vitq/Conversion/Passes.h"

#include "vitq/Dialect/Vitq/VitqDialect.h"
#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Dialect/Vitq/VitqQuant.h"
#include "vitq/Support/Target.h"
#include "vitq/kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/TargetParser/Triple.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQUSEKERNELS
#define GEN_PASS_DEF_VITQLOWERKERNELCALLS
#include "vitq/Conversion/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

/// The kernel library's entry points, as the generated code calls them.
static constexpr llvm::StringLiteral kLinearEntry =
    "vitq_kernel_linear_i8_call";
static constexpr llvm::StringLiteral kMatmulEntry =
    "vitq_kernel_matmul_i8_call";
static constexpr llvm::StringLiteral kLinearF32Entry =
    "vitq_kernel_linear_f32_call";
static constexpr llvm::StringLiteral kMatmulF32Entry =
    "vitq_kernel_matmul_f32_call";

namespace {

//===----------------------------------------------------------------------===//
// vitq-use-kernels
//===----------------------------------------------------------------------===//

/// Whether kernels exist for the module's target (x86-64 for now).
bool targetHasKernels(ModuleOp module) {
  std::optional<TargetInfo> target = getTargetInfo(module);
  return target &&
         llvm::Triple(target->triple).getArch() == llvm::Triple::x86_64;
}

/// A vitq.packed_linear of `input` ([..., K] int8) and the constant weight
/// `weight` (row-major K x N, or N x K with `transposed`) into `resultType`
/// ([..., N]).
Value createPackedLinear(OpBuilder &b, Location loc, Value input,
                         ArrayRef<int64_t> weight, bool transposed,
                         RankedTensorType resultType, Value bias,
                         std::optional<RescaleAttr> rescale, int32_t inputZp,
                         int32_t outputZp) {
  int64_t k = cast<RankedTensorType>(input.getType()).getShape().back();
  int64_t n = resultType.getShape().back();
  SmallVector<int8_t> bytes(weight.begin(), weight.end());
  int64_t size = vitq_kernel_packed_size(k, n);
  SmallVector<char> packed(size);
  vitq_kernel_pack(bytes.data(), k, n, transposed, packed.data());
  auto packedType = RankedTensorType::get({size}, b.getI8Type());
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(packed), alignof(int64_t));
  Value packedWeight = arith::ConstantOp::create(
      b, loc, packedType,
      DenseResourceElementsAttr::get(packedType, "vitq_packed_weight",
                                     std::move(blob)));
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  auto op = PackedLinearOp::create(
      b, loc, TypeRange{resultType}, input, packedWeight, bias, init,
      rescale ? *rescale : RescaleAttr(), b.getI32IntegerAttr(inputZp),
      b.getI32IntegerAttr(outputZp));
  return op.getResult()[0];
}

LogicalResult packLinear(LinearOp op) {
  RankedTensorType input = op.getInput().getType();
  RankedTensorType output = op.getOutput().getType();
  RankedTensorType weightType = op.getWeight().getType();
  if (!input.hasStaticShape() || !output.hasStaticShape() ||
      !weightType.hasStaticShape() || input.getRank() < 1)
    return failure();
  std::optional<SmallVector<int64_t>> weight = getConstantInts(op.getWeight());
  if (!weight ||
      static_cast<int64_t>(weight->size()) != weightType.getNumElements())
    return failure();
  int64_t k = input.getShape().back(), n = output.getShape().back();
  if (k < 1 || n < 1)
    return failure();
  OpBuilder b(op);
  Value product = createPackedLinear(
      b, op.getLoc(), op.getInput(), *weight, op.getTransposeWeight(), output,
      op.getBias(), op.getRescale(), op.getInputZp(), op.getOutputZp());
  op.getOutput().replaceAllUsesWith(product);
  op.erase();
  return success();
}

/// The rows of a convolution's im2col: `padded` (NCHW, padding included)
/// gathered into [N * OH * OW, C * KH * KW] by one linalg.generic, row (n,
/// y, x) and column (c, i, j) reading padded[n, c, y * sh + i * dh, x * sw
/// + j * dw]. A patch embedding (stride = kernel) reads every input element
/// once.
Value im2colRows(OpBuilder &b, Location loc, Value padded, int64_t kh,
                 int64_t kw, ArrayRef<int64_t> strides,
                 ArrayRef<int64_t> dilations, int64_t oh, int64_t ow) {
  auto type = cast<RankedTensorType>(padded.getType());
  Type element = type.getElementType();
  int64_t batch = type.getDimSize(0), channels = type.getDimSize(1);
  MLIRContext *context = b.getContext();
  AffineExpr n, y, x, c, i, j;
  bindDims(context, n, y, x, c, i, j);
  auto gather = AffineMap::get(6, 0,
                               {n, c, y * strides[0] + i * dilations[0],
                                x * strides[1] + j * dilations[1]},
                               context);
  auto columnsType =
      RankedTensorType::get({batch, oh, ow, channels, kh, kw}, element);
  Value empty =
      tensor::EmptyOp::create(b, loc, columnsType.getShape(), element);
  auto im2col = linalg::GenericOp::create(
      b, loc, TypeRange{columnsType}, ValueRange{padded}, ValueRange{empty},
      ArrayRef<AffineMap>{gather,
                          AffineMap::getMultiDimIdentityMap(6, context)},
      SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
      [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc, args[0]);
      });
  return tensor::CollapseShapeOp::create(
      b, loc,
      RankedTensorType::get({batch * oh * ow, channels * kh * kw}, element),
      im2col.getResult(0),
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
}

/// The product of im2col rows [N * OH * OW, O] back to `output` (NCHW).
Value rowsToNchw(OpBuilder &b, Location loc, Value product,
                 RankedTensorType output) {
  int64_t batch = output.getDimSize(0), channels = output.getDimSize(1),
          oh = output.getDimSize(2), ow = output.getDimSize(3);
  Type element = output.getElementType();
  Value nhwc = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({batch, oh, ow, channels}, element),
      product, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
  Value init = tensor::EmptyOp::create(b, loc, output.getShape(), element);
  return linalg::TransposeOp::create(b, loc, nhwc, init,
                                     ArrayRef<int64_t>{0, 3, 1, 2})
      .getResult()[0];
}

/// An ungrouped int8 2-D convolution with a constant weight as im2col (the
/// input padded with its zero point) and a packed linear layer whose weight
/// [O, C * KH * KW] is read transposed.
LogicalResult packConv(Conv2DOp op) {
  RankedTensorType input = op.getInput().getType();
  RankedTensorType weightType = op.getWeight().getType();
  auto output = cast<RankedTensorType>(op.getOutput().getType());
  if (op.getGroups() != 1 || !input.hasStaticShape() ||
      !weightType.hasStaticShape() || !output.hasStaticShape() ||
      input.getNumElements() == 0 || output.getNumElements() == 0)
    return failure();
  std::optional<SmallVector<int64_t>> weight = getConstantInts(op.getWeight());
  if (!weight ||
      static_cast<int64_t>(weight->size()) != weightType.getNumElements())
    return failure();
  ArrayRef<int64_t> pads = op.getPads();
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i8 = b.getI8Type();
  Value padded = op.getInput();
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
    SmallVector<int64_t> shape(input.getShape());
    shape[2] += pads[0] + pads[2];
    shape[3] += pads[1] + pads[3];
    Value zero = arith::ConstantIntOp::create(b, loc, i8, op.getInputZp());
    padded = tensor::PadOp::create(
        b, loc, RankedTensorType::get(shape, i8), padded,
        ArrayRef<int64_t>{0, 0, pads[0], pads[1]},
        ArrayRef<int64_t>{0, 0, pads[2], pads[3]}, ValueRange{}, ValueRange{});
    auto pad = padded.getDefiningOp<tensor::PadOp>();
    SmallVector<Type> blockTypes(4, b.getIndexType());
    SmallVector<Location> blockLocs(4, loc);
    Block *block = b.createBlock(&pad.getRegion(), {}, blockTypes, blockLocs);
    b.setInsertionPointToEnd(block);
    tensor::YieldOp::create(b, loc, zero);
    b.setInsertionPoint(op);
  }
  Value rows =
      im2colRows(b, loc, padded, weightType.getDimSize(2),
                 weightType.getDimSize(3), op.getStrides(), op.getDilations(),
                 output.getDimSize(2), output.getDimSize(3));
  Value product = createPackedLinear(
      b, loc, rows, *weight, /*transposed=*/true,
      RankedTensorType::get(
          {cast<RankedTensorType>(rows.getType()).getDimSize(0),
           output.getDimSize(1)},
          output.getElementType()),
      op.getBias(), op.getRescale(), op.getInputZp(), op.getOutputZp());
  op.getOutput().replaceAllUsesWith(rowsToNchw(b, loc, product, output));
  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// FP32 contractions (upstream linalg ops)
//===----------------------------------------------------------------------===//

/// The f32 values of a constant, if `v` is one.
std::optional<SmallVector<float>> getConstantFloats(Value v) {
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.getElementType().isF32())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr))
    return llvm::to_vector(dense.getValues<float>());
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (data && static_cast<int64_t>(data->size()) == attr.getNumElements())
      return SmallVector<float>(*data);
  }
  return std::nullopt;
}

/// Whether `init` is all +0.0 (a linalg.fill or a splat constant), so that
/// a contraction accumulating into it is just the product.
bool isZeroInit(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_PosZeroFloat());
  return matchPattern(init, m_PosZeroFloat());
}

/// Whether a linalg contraction is the plain f32 one on static shapes
/// (default indexing maps, into a zero init) that the kernels run.
template <typename OpTy> bool isPlainF32Contraction(OpTy op) {
  if (op.hasUserDefinedMaps() || !op.hasPureTensorSemantics() ||
      op.getInputs().size() != 2 || op.getOutputs().size() != 1)
    return false;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
        type.getNumElements() == 0)
      return false;
  }
  return isZeroInit(op.getOutputs()[0]);
}

/// An f32 vitq.packed_linear of `rows` ([..., K]) and the constant weight
/// (K x N, or N x K with `transposed`) into `resultType`.
Value createPackedLinearF32(OpBuilder &b, Location loc, Value rows,
                            ArrayRef<float> weight, bool transposed,
                            RankedTensorType resultType) {
  int64_t k = cast<RankedTensorType>(rows.getType()).getShape().back();
  int64_t n = resultType.getShape().back();
  int64_t size = vitq_kernel_packed_f32_size(k, n);
  SmallVector<char> packed(size);
  vitq_kernel_pack_f32(weight.data(), transposed ? k : n, k, n, transposed,
                       packed.data());
  auto packedType = RankedTensorType::get({size}, b.getI8Type());
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(packed), alignof(float));
  Value packedWeight = arith::ConstantOp::create(
      b, loc, packedType,
      DenseResourceElementsAttr::get(packedType, "vitq_packed_weight",
                                     std::move(blob)));
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  return PackedLinearOp::create(b, loc, TypeRange{resultType}, rows,
                                packedWeight, Value(), init, RescaleAttr(),
                                b.getI32IntegerAttr(0), b.getI32IntegerAttr(0))
      .getResult()[0];
}

/// linalg.matmul: with a constant right operand a packed linear layer,
/// An FP32 vitq.kernel_matmul of `lhs` and `rhs` (the right operand packed
/// at run time) into a fresh `result` tensor.
Value createKernelMatmulF32(OpBuilder &b, Location loc, Value lhs, Value rhs,
                            RankedTensorType result) {
  Value init = tensor::EmptyOp::create(b, loc, result.getShape(),
                                       result.getElementType());
  return KernelMatmulOp::create(b, loc, TypeRange{result}, lhs, rhs, init,
                                UnitAttr(), b.getI32IntegerAttr(0),
                                b.getI32IntegerAttr(0), RescaleAttr(),
                                b.getI32IntegerAttr(0))
      .getResult()[0];
}

/// else a kernel matmul of one batch.
LogicalResult useKernelsF32(linalg::MatmulOp op) {
  if (!isPlainF32Contraction(op))
    return failure();
  OpBuilder b(op);
  Value lhs = op.getInputs()[0], rhs = op.getInputs()[1];
  auto result = cast<RankedTensorType>(op.getResultTensors()[0].getType());
  Value product;
  // A constant, or a constant transposed (Gemm's transB).
  bool transposed = false;
  std::optional<SmallVector<float>> weight = getConstantFloats(rhs);
  if (auto transpose = rhs.getDefiningOp<linalg::TransposeOp>();
      !weight && transpose &&
      transpose.getPermutation() == ArrayRef<int64_t>{1, 0}) {
    weight = getConstantFloats(transpose.getInput());
    transposed = true;
  }
  if (weight) {
    product =
        createPackedLinearF32(b, op.getLoc(), lhs, *weight, transposed, result);
  } else {
    product = createKernelMatmulF32(b, op.getLoc(), lhs, rhs, result);
  }
  op.getResultTensors()[0].replaceAllUsesWith(product);
  op.erase();
  return success();
}

/// linalg.batch_matmul as a kernel matmul (the right operand packed at run
/// time).
LogicalResult useKernelsF32(linalg::BatchMatmulOp op) {
  if (!isPlainF32Contraction(op))
    return failure();
  OpBuilder b(op);
  auto result = cast<RankedTensorType>(op.getResultTensors()[0].getType());
  Value product = createKernelMatmulF32(b, op.getLoc(), op.getInputs()[0],
                                        op.getInputs()[1], result);
  op.getResultTensors()[0].replaceAllUsesWith(product);
  op.erase();
  return success();
}

/// linalg.conv_2d_nchw_fchw with a constant filter (padding, if any, is a
/// tensor.pad before it) as im2col and a packed linear layer.
LogicalResult useKernelsF32(linalg::Conv2DNchwFchwOp op) {
  if (!op.hasPureTensorSemantics() || op.getInputs().size() != 2)
    return failure();
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
        type.getNumElements() == 0)
      return failure();
  }
  if (!isZeroInit(op.getOutputs()[0]))
    return failure();
  std::optional<SmallVector<float>> weight =
      getConstantFloats(op.getInputs()[1]);
  if (!weight)
    return failure();
  auto filter = cast<RankedTensorType>(op.getInputs()[1].getType());
  auto output = cast<RankedTensorType>(op.getResultTensors()[0].getType());
  SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value rows = im2colRows(b, loc, op.getInputs()[0], filter.getDimSize(2),
                          filter.getDimSize(3), strides, dilations,
                          output.getDimSize(2), output.getDimSize(3));
  Value product = createPackedLinearF32(
      b, loc, rows, *weight, /*transposed=*/true,
      RankedTensorType::get(
          {cast<RankedTensorType>(rows.getType()).getDimSize(0),
           output.getDimSize(1)},
          b.getF32Type()));
  op.getResultTensors()[0].replaceAllUsesWith(
      rowsToNchw(b, loc, product, output));
  op.erase();
  return success();
}

/// vitq.matmul with static shapes as vitq.kernel_matmul. A per-tensor
/// vitq.requantize that is the product's only user (as after attention's
/// Q K^T and A V) moves into the kernel's epilogue: the int32 product is
/// then never stored.
LogicalResult useKernelMatmul(MatmulOp op) {
  RankedTensorType lhs = op.getLhs().getType(), rhs = op.getRhs().getType(),
                   result = op.getResult().getType();
  if (!lhs.hasStaticShape() || !rhs.hasStaticShape() ||
      !result.hasStaticShape() || result.getNumElements() == 0 ||
      lhs.getShape().back() == 0)
    return failure();
  auto requantize = op.getResult().hasOneUse()
                        ? dyn_cast<RequantizeOp>(*op.getResult().user_begin())
                        : RequantizeOp();
  if (requantize &&
      (!requantize.getRescale().isPerTensor() || requantize.getInputZp() != 0))
    requantize = {};
  OpBuilder b(op);
  Location loc = requantize ? requantize.getLoc() : op.getLoc();
  RankedTensorType type =
      requantize ? requantize.getOutput().getType() : result;
  Value init =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  auto kernel = KernelMatmulOp::create(
      b, op.getLoc(), TypeRange{type}, op.getLhs(), op.getRhs(), init,
      op.getTransposeRhsAttr(), op.getLhsZpAttr(), op.getRhsZpAttr(),
      requantize ? requantize.getRescaleAttr() : RescaleAttr(),
      requantize ? requantize.getOutputZpAttr() : b.getI32IntegerAttr(0));
  if (requantize) {
    requantize.getOutput().replaceAllUsesWith(kernel.getResult()[0]);
    requantize.erase();
  } else {
    op.getResult().replaceAllUsesWith(kernel.getResult()[0]);
  }
  op.erase();
  return success();
}

struct UseKernelsPass : vitq::impl::VitqUseKernelsBase<UseKernelsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (!force && !targetHasKernels(getOperation()))
      return;
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<LinearOp, Conv2DOp, MatmulOp, linalg::MatmulOp,
              linalg::BatchMatmulOp, linalg::Conv2DNchwFchwOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto linear = dyn_cast<LinearOp>(op))
        (void)packLinear(linear);
      else if (auto conv = dyn_cast<Conv2DOp>(op))
        (void)packConv(conv);
      else if (auto matmul = dyn_cast<MatmulOp>(op))
        (void)useKernelMatmul(matmul);
      else if (auto matmul = dyn_cast<linalg::MatmulOp>(op))
        (void)useKernelsF32(matmul);
      else if (auto batch = dyn_cast<linalg::BatchMatmulOp>(op))
        (void)useKernelsF32(batch);
      else
        (void)useKernelsF32(cast<linalg::Conv2DNchwFchwOp>(op));
    }
  }
};

//===----------------------------------------------------------------------===//
// Bufferisation of vitq.packed_linear
//===----------------------------------------------------------------------===//

/// The bufferisation of a destination-style kernel op: the same op on the
/// operands' buffers, writing the init's.
template <typename OpTy>
struct KernelOpBufferization
    : bufferization::DstBufferizableOpInterfaceExternalModel<
          KernelOpBufferization<OpTy>, OpTy> {
  /// The kernels write every element of the init without reading it.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const bufferization::BufferizationOptions &options,
                          bufferization::BufferizationState &state) const {
    if (op->getNumResults() == 0)
      return success();
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer =
          bufferization::getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    OperationState memrefForm(op->getLoc(), op->getName());
    memrefForm.addOperands(buffers);
    memrefForm.addAttributes(op->getAttrs());
    rewriter.create(memrefForm);
    Value init = buffers[cast<DestinationStyleOpInterface>(op)
                             .getDpsInitOperand(0)
                             ->getOperandNumber()];
    bufferization::replaceOpWithBufferizedValues(rewriter, op, init);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// vitq-lower-kernel-calls
//===----------------------------------------------------------------------===//

/// Row layout of a static memref seen as [rows, last]: every dimension but
/// the last collapses into rows of one stride; nullopt when they do not.
std::optional<int64_t> rowStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      llvm::any_of(strides, ShapedType::isDynamic) || strides.back() != 1)
    return std::nullopt;
  int64_t rank = type.getRank();
  if (rank == 1)
    return type.getShape().back();
  for (int64_t d = 0; d + 2 < rank; ++d)
    if (type.getDimSize(d + 1) != 1 &&
        strides[d] != strides[d + 1] * type.getDimSize(d + 1))
      return std::nullopt;
  return strides[rank - 2];
}

/// A contiguous copy of `buffer` when its rows are not evenly strided
/// (copied in from `buffer`, or only allocated, for outputs); `buffer`
/// itself otherwise.
Value contiguous(OpBuilder &b, Location loc, Value buffer, bool copyIn) {
  auto type = cast<MemRefType>(buffer.getType());
  if (rowStride(type))
    return buffer;
  auto plain = MemRefType::get(type.getShape(), type.getElementType());
  Value copy = memref::AllocOp::create(b, loc, plain);
  if (copyIn)
    linalg::CopyOp::create(b, loc, buffer, copy);
  return copy;
}

/// The address of a memref's first element, as a raw pointer.
Value pointerOf(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  Value bytes = arith::ConstantIndexOp::create(
      b, loc, std::max<int64_t>(1, type.getElementTypeBitWidth() / 8));
  Value offset = arith::MulIOp::create(b, loc, metadata.getOffset(), bytes);
  Value address = arith::AddIOp::create(b, loc, base, offset);
  Value integer = arith::IndexCastOp::create(b, loc, b.getI64Type(), address);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), integer);
}

struct LowerKernelCallsPass
    : vitq::impl::VitqLowerKernelCallsBase<LowerKernelCallsPass> {
  void runOnOperation() override;
  func::FuncOp declareEntry(ModuleOp module, StringRef name,
                            ArrayRef<Type> arguments);
  LogicalResult lower(PackedLinearOp op, SymbolTable &symbols, unsigned id);
  LogicalResult lower(KernelMatmulOp op);

  /// The L2 size the target description names (0: the running CPU's).
  int64_t l2Bytes = 0;
};

func::FuncOp LowerKernelCallsPass::declareEntry(ModuleOp module, StringRef name,
                                                ArrayRef<Type> arguments) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b(module.getBodyRegion());
  auto fn = func::FuncOp::create(b, module.getLoc(), name,
                                 b.getFunctionType(arguments, {}));
  fn.setPrivate();
  return fn;
}

LogicalResult LowerKernelCallsPass::lower(PackedLinearOp op,
                                          SymbolTable &symbols, unsigned id) {
  ModuleOp module = getOperation();
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto inputType = cast<MemRefType>(op.getInput().getType());
  auto initType = cast<MemRefType>(op.getInit().getType());
  int64_t k = op.getK(), n = op.getN();
  int64_t m = inputType.getNumElements() / k;

  Value input = contiguous(b, loc, op.getInput(), /*copyIn=*/true);
  Value output = contiguous(b, loc, op.getInit(), /*copyIn=*/false);
  int64_t inputStride = *rowStride(cast<MemRefType>(input.getType()));
  int64_t outputStride = *rowStride(cast<MemRefType>(output.getType()));

  auto i64 = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
  };
  auto i32 = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  };
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Type i64Type = b.getI64Type(), i32Type = b.getI32Type();
  auto finish = [&] {
    if (output != op.getInit()) {
      linalg::CopyOp::create(b, loc, output, op.getInit());
      memref::DeallocOp::create(b, loc, output);
    }
    if (input != op.getInput())
      memref::DeallocOp::create(b, loc, input);
    op.erase();
  };
  if (op.isFloat()) {
    // (m, n, k, input, input_stride, packed, output, output_stride,
    //  l2_bytes)
    func::FuncOp entry = declareEntry(
        module, kLinearF32Entry,
        {i64Type, i64Type, i64Type, ptr, i64Type, ptr, ptr, i64Type, i64Type});
    func::CallOp::create(
        b, loc, entry,
        ValueRange{i64(m), i64(n), i64(k), pointerOf(b, loc, input),
                   i64(inputStride), pointerOf(b, loc, op.getPacked()),
                   pointerOf(b, loc, output), i64(outputStride), i64(l2Bytes)});
    finish();
    return success();
  }
  Value null = LLVM::ZeroOp::create(b, loc, ptr);
  Value bias = op.getBias() ? pointerOf(b, loc, op.getBias()) : null;
  Value multiplier = null, shift = null;
  if (std::optional<RescaleAttr> rescale = op.getRescale()) {
    SmallVector<int32_t> multipliers, shifts;
    for (int64_t c = 0; c < n; ++c) {
      size_t at = rescale->isPerTensor() ? 0 : c;
      multipliers.push_back(rescale->getMultipliers()[at]);
      shifts.push_back(rescale->getShifts()[at]);
    }
    std::string base = ("__vitq_kernel_" + Twine(id)).str();
    auto global = [&](StringRef suffix, ArrayRef<int32_t> data) {
      auto type = MemRefType::get({n}, b.getI32Type());
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      auto g = memref::GlobalOp::create(
          b, loc, base + suffix.str(), b.getStringAttr("private"), type,
          DenseElementsAttr::get(RankedTensorType::get({n}, b.getI32Type()),
                                 data),
          /*constant=*/true, b.getI64IntegerAttr(64));
      symbols.insert(g);
      return g;
    };
    memref::GlobalOp mg = global("_multiplier", multipliers);
    memref::GlobalOp sg = global("_shift", shifts);
    multiplier = pointerOf(
        b, loc,
        memref::GetGlobalOp::create(b, loc, mg.getType(), mg.getSymName()));
    shift = pointerOf(
        b, loc,
        memref::GetGlobalOp::create(b, loc, sg.getType(), sg.getSymName()));
  }
  int64_t bits = initType.getElementTypeBitWidth();
  // (m, n, k, input, input_stride, input_zp, packed, bias, multiplier,
  //  shift, output_zp, output_bits, output, output_stride, l2_bytes)
  func::FuncOp entry =
      declareEntry(module, kLinearEntry,
                   {i64Type, i64Type, i64Type, ptr, i64Type, i32Type, ptr, ptr,
                    ptr, ptr, i32Type, i32Type, ptr, i64Type, i64Type});
  Value bitsArg = i32(bits);
  auto call = func::CallOp::create(
      b, loc, entry,
      ValueRange{i64(m), i64(n), i64(k), pointerOf(b, loc, input),
                 i64(inputStride), i32(op.getInputZp()),
                 pointerOf(b, loc, op.getPacked()), bias, multiplier, shift,
                 i32(op.getOutputZp()), bitsArg, pointerOf(b, loc, output),
                 i64(outputStride), i64(l2Bytes)});
  assert(call.getOperand(kLinearI8OutputBitsOperand) == bitsArg);
  (void)call;
  finish();
  return success();
}

/// Strides of a static memref seen as [batch, rows, columns]: the batch
/// dimensions (all but the last two) must collapse into one stride, and
/// the columns be contiguous. The batch stride is 0 with one batch.
std::optional<std::pair<int64_t, int64_t>> batchStrides(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  int64_t rank = type.getRank();
  if (rank < 2 || failed(type.getStridesAndOffset(strides, offset)) ||
      llvm::any_of(strides, ShapedType::isDynamic) || strides.back() != 1)
    return std::nullopt;
  int64_t batchStride = 0, batchRank = rank - 2;
  // The innermost batch dimension of more than one element sets the
  // stride; each outer one must step over it whole.
  int64_t inner = -1;
  for (int64_t d = batchRank - 1; d >= 0; --d) {
    if (type.getDimSize(d) == 1)
      continue;
    if (inner < 0) {
      inner = d;
      batchStride = strides[d];
      continue;
    }
    int64_t span = 1;
    for (int64_t e = d + 1; e < batchRank; ++e)
      span *= type.getDimSize(e);
    if (strides[d] != batchStride * span)
      return std::nullopt;
  }
  return std::make_pair(batchStride, strides[rank - 2]);
}

/// `buffer` itself when batchStrides reads it; else a contiguous copy.
Value batchContiguous(OpBuilder &b, Location loc, Value buffer, bool copyIn) {
  auto type = cast<MemRefType>(buffer.getType());
  if (batchStrides(type))
    return buffer;
  auto plain = MemRefType::get(type.getShape(), type.getElementType());
  Value copy = memref::AllocOp::create(b, loc, plain);
  if (copyIn)
    linalg::CopyOp::create(b, loc, buffer, copy);
  return copy;
}

LogicalResult LowerKernelCallsPass::lower(KernelMatmulOp op) {
  ModuleOp module = getOperation();
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value lhs = batchContiguous(b, loc, op.getLhs(), /*copyIn=*/true);
  Value rhs = batchContiguous(b, loc, op.getRhs(), /*copyIn=*/true);
  Value out = batchContiguous(b, loc, op.getInit(), /*copyIn=*/false);
  auto [lhsBatch, lhsStride] = *batchStrides(cast<MemRefType>(lhs.getType()));
  auto [rhsBatch, rhsStride] = *batchStrides(cast<MemRefType>(rhs.getType()));
  auto [outBatch, outStride] = *batchStrides(cast<MemRefType>(out.getType()));
  // A rank-2 rhs is shared by every batch.
  if (cast<MemRefType>(rhs.getType()).getRank() == 2)
    rhsBatch = 0;
  int64_t m = op.getM(), n = op.getN(), k = op.getK();
  bool f32 = cast<MemRefType>(op.getInit().getType()).getElementType().isF32();
  int64_t workspaceBytes = f32 ? vitq_kernel_matmul_f32_workspace_size(n, k)
                               : vitq_kernel_matmul_workspace_size(m, n, k);
  Value workspace = memref::AllocOp::create(
      b, loc, MemRefType::get({workspaceBytes}, b.getI8Type()),
      b.getI64IntegerAttr(64));

  auto i64 = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
  };
  auto i32 = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  };
  Type i64Type = b.getI64Type(), i32Type = b.getI32Type();
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  if (f32) {
    // (batch, m, n, k, lhs, lhs_batch_stride, lhs_stride, rhs,
    //  rhs_batch_stride, rhs_stride, rhs_transposed, out, out_batch_stride,
    //  out_stride, workspace, l2_bytes)
    func::FuncOp entry = declareEntry(
        module, kMatmulF32Entry,
        {i64Type, i64Type, i64Type, i64Type, ptr, i64Type, i64Type, ptr,
         i64Type, i64Type, i32Type, ptr, i64Type, i64Type, ptr, i64Type});
    func::CallOp::create(
        b, loc, entry,
        ValueRange{i64(op.getBatch()), i64(m), i64(n), i64(k),
                   pointerOf(b, loc, lhs), i64(lhsBatch), i64(lhsStride),
                   pointerOf(b, loc, rhs), i64(rhsBatch), i64(rhsStride),
                   i32(op.getTransposeRhs() ? 1 : 0), pointerOf(b, loc, out),
                   i64(outBatch), i64(outStride), pointerOf(b, loc, workspace),
                   i64(l2Bytes)});
  } else {
    // (batch, m, n, k, lhs, lhs_batch_stride, lhs_stride, lhs_zp, rhs,
    //  rhs_batch_stride, rhs_stride, rhs_transposed, rhs_zp, multiplier,
    //  shift, output_zp, output_bits, out, out_batch_stride, out_stride,
    //  workspace, l2_bytes)
    func::FuncOp entry = declareEntry(
        module, kMatmulEntry,
        {i64Type, i64Type, i64Type, i64Type, ptr,     i64Type, i64Type, i32Type,
         ptr,     i64Type, i64Type, i32Type, i32Type, i32Type, i32Type, i32Type,
         i32Type, ptr,     i64Type, i64Type, ptr,     i64Type});
    std::optional<RescaleAttr> rescale = op.getRescale();
    int64_t bits =
        cast<MemRefType>(op.getInit().getType()).getElementTypeBitWidth();
    Value bitsArg = i32(bits);
    auto call = func::CallOp::create(
        b, loc, entry,
        ValueRange{i64(op.getBatch()),
                   i64(m),
                   i64(n),
                   i64(k),
                   pointerOf(b, loc, lhs),
                   i64(lhsBatch),
                   i64(lhsStride),
                   i32(op.getLhsZp()),
                   pointerOf(b, loc, rhs),
                   i64(rhsBatch),
                   i64(rhsStride),
                   i32(op.getTransposeRhs() ? 1 : 0),
                   i32(op.getRhsZp()),
                   i32(rescale ? rescale->getMultipliers()[0] : 0),
                   i32(rescale ? rescale->getShifts()[0] : 0),
                   i32(op.getOutputZp()),
                   bitsArg,
                   pointerOf(b, loc, out),
                   i64(outBatch),
                   i64(outStride),
                   pointerOf(b, loc, workspace),
                   i64(l2Bytes)});
    assert(call.getOperand(kMatmulI8OutputBitsOperand) == bitsArg);
    (void)call;
  }
  memref::DeallocOp::create(b, loc, workspace);
  if (out != op.getInit()) {
    linalg::CopyOp::create(b, loc, out, op.getInit());
    memref::DeallocOp::create(b, loc, out);
  }
  for (auto [copy, original] :
       {std::pair(lhs, op.getLhs()), std::pair(rhs, op.getRhs())})
    if (copy != original)
      memref::DeallocOp::create(b, loc, copy);
  op.erase();
  return success();
}

void LowerKernelCallsPass::runOnOperation() {
  SmallVector<Operation *> ops;
  getOperation()->walk([&](Operation *op) {
    if (isa<PackedLinearOp, KernelMatmulOp>(op) && op->getNumResults() == 0)
      ops.push_back(op);
  });
  std::optional<TargetInfo> target = getTargetInfo(getOperation());
  l2Bytes = target ? target->l2Bytes : 0;
  SymbolTable symbols(getOperation());
  unsigned id = 0;
  for (Operation *op : ops) {
    LogicalResult lowered = isa<PackedLinearOp>(op)
                                ? lower(cast<PackedLinearOp>(op), symbols, id++)
                                : lower(cast<KernelMatmulOp>(op));
    if (failed(lowered))
      return signalPassFailure();
  }
}

} // namespace

KernelLibraryCalls vitq::countKernelLibraryCalls(Operation *root) {
  KernelLibraryCalls count;
  root->walk([&](Operation *op) {
    std::optional<StringRef> callee;
    if (auto call = dyn_cast<func::CallOp>(op))
      callee = call.getCallee();
    else if (auto call = dyn_cast<LLVM::CallOp>(op))
      callee = call.getCallee();
    if (callee == kLinearEntry)
      ++count.linear;
    else if (callee == kMatmulEntry)
      ++count.matmul;
    else if (callee == kLinearF32Entry)
      ++count.linearF32;
    else if (callee == kMatmulF32Entry)
      ++count.matmulF32;
  });
  return count;
}

void vitq::registerVitqDialectAndModels(DialectRegistry &registry) {
  registry.insert<VitqDialect>();
  registry.addExtension(+[](MLIRContext *ctx, VitqDialect *) {
    PackedLinearOp::attachInterface<KernelOpBufferization<PackedLinearOp>>(
        *ctx);
    KernelMatmulOp::attachInterface<KernelOpBufferization<KernelMatmulOp>>(
        *ctx);
  });
}
