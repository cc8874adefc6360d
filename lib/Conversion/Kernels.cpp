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

extern "C" void vitq_kernel_pack(const int8_t *w, int64_t k, int64_t n,
                                 int transposed, void *packed);

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

/// An ungrouped 2-D convolution with a constant weight as im2col and a
/// packed linear layer: the input (padded with its zero point) gathered
/// into rows [N * OH * OW, C * KH * KW] by one linalg.generic (row (n, y,
/// x), column (c, i, j) reads input[n, c, y * sh + i * dh, x * sw + j *
/// dw]), times the weight [O, C * KH * KW] read transposed, and the result
/// [N, OH, OW, O] transposed back to NCHW. A patch embedding (stride =
/// kernel) reads every input element once.
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
  ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(),
                    dilations = op.getDilations();
  int64_t batch = input.getDimSize(0), channels = input.getDimSize(1);
  int64_t kh = weightType.getDimSize(2), kw = weightType.getDimSize(3);
  int64_t outChannels = output.getDimSize(1), oh = output.getDimSize(2),
          ow = output.getDimSize(3);

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

  // (n, y, x, c, i, j) -> input[n, c, y * sh + i * dh, x * sw + j * dw].
  MLIRContext *context = b.getContext();
  AffineExpr n, y, x, c, i, j;
  bindDims(context, n, y, x, c, i, j);
  auto gather = AffineMap::get(6, 0,
                               {n, c, y * strides[0] + i * dilations[0],
                                x * strides[1] + j * dilations[1]},
                               context);
  auto columnsType =
      RankedTensorType::get({batch, oh, ow, channels, kh, kw}, i8);
  Value empty = tensor::EmptyOp::create(b, loc, columnsType.getShape(), i8);
  auto im2col = linalg::GenericOp::create(
      b, loc, TypeRange{columnsType}, ValueRange{padded}, ValueRange{empty},
      ArrayRef<AffineMap>{gather,
                          AffineMap::getMultiDimIdentityMap(6, context)},
      SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
      [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc, args[0]);
      });
  Value rows = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({batch * oh * ow, channels * kh * kw}, i8),
      im2col.getResult(0),
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});

  Type elementType = output.getElementType();
  Value product = createPackedLinear(
      b, loc, rows, *weight, /*transposed=*/true,
      RankedTensorType::get({batch * oh * ow, outChannels}, elementType),
      op.getBias(), op.getRescale(), op.getInputZp(), op.getOutputZp());
  Value nhwc = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({batch, oh, ow, outChannels}, elementType),
      product, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
  Value init = tensor::EmptyOp::create(b, loc, output.getShape(), elementType);
  auto nchw = linalg::TransposeOp::create(b, loc, nhwc, init,
                                          ArrayRef<int64_t>{0, 3, 1, 2});
  op.getOutput().replaceAllUsesWith(nchw.getResult()[0]);
  op.erase();
  return success();
}

/// vitq.matmul with static shapes as vitq.kernel_matmul.
LogicalResult useKernelMatmul(MatmulOp op) {
  RankedTensorType lhs = op.getLhs().getType(), rhs = op.getRhs().getType(),
                   result = op.getResult().getType();
  if (!lhs.hasStaticShape() || !rhs.hasStaticShape() ||
      !result.hasStaticShape() || result.getNumElements() == 0 ||
      lhs.getShape().back() == 0)
    return failure();
  OpBuilder b(op);
  Value init = tensor::EmptyOp::create(b, op.getLoc(), result.getShape(),
                                       result.getElementType());
  auto kernel = KernelMatmulOp::create(
      b, op.getLoc(), TypeRange{result}, op.getLhs(), op.getRhs(), init,
      op.getTransposeRhsAttr(), op.getLhsZpAttr(), op.getRhsZpAttr());
  op.getResult().replaceAllUsesWith(kernel.getResult()[0]);
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
      if (isa<LinearOp, Conv2DOp, MatmulOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto linear = dyn_cast<LinearOp>(op))
        (void)packLinear(linear);
      else if (auto conv = dyn_cast<Conv2DOp>(op))
        (void)packConv(conv);
      else
        (void)useKernelMatmul(cast<MatmulOp>(op));
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
  Type i64Type = b.getI64Type(), i32Type = b.getI32Type();
  // (m, n, k, input, input_stride, input_zp, packed, bias, multiplier,
  //  shift, output_zp, output_bits, output, output_stride)
  func::FuncOp entry =
      declareEntry(module, kLinearEntry,
                   {i64Type, i64Type, i64Type, ptr, i64Type, i32Type, ptr, ptr,
                    ptr, ptr, i32Type, i32Type, ptr, i64Type});
  func::CallOp::create(
      b, loc, entry,
      ValueRange{i64(m), i64(n), i64(k), pointerOf(b, loc, input),
                 i64(inputStride), i32(op.getInputZp()),
                 pointerOf(b, loc, op.getPacked()), bias, multiplier, shift,
                 i32(op.getOutputZp()), i32(bits), pointerOf(b, loc, output),
                 i64(outputStride)});
  if (output != op.getInit()) {
    linalg::CopyOp::create(b, loc, output, op.getInit());
    memref::DeallocOp::create(b, loc, output);
  }
  if (input != op.getInput())
    memref::DeallocOp::create(b, loc, input);
  op.erase();
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
  Value workspace = memref::AllocOp::create(
      b, loc,
      MemRefType::get({vitq_kernel_matmul_workspace_size(m, n, k)},
                      b.getI8Type()),
      b.getI64IntegerAttr(64));

  auto i64 = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
  };
  auto i32 = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  };
  Type i64Type = b.getI64Type(), i32Type = b.getI32Type();
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  // (batch, m, n, k, lhs, lhs_batch_stride, lhs_stride, lhs_zp, rhs,
  //  rhs_batch_stride, rhs_stride, rhs_transposed, rhs_zp, out,
  //  out_batch_stride, out_stride, workspace)
  func::FuncOp entry = declareEntry(
      module, kMatmulEntry,
      {i64Type, i64Type, i64Type, i64Type, ptr, i64Type, i64Type, i32Type, ptr,
       i64Type, i64Type, i32Type, i32Type, ptr, i64Type, i64Type, ptr});
  func::CallOp::create(
      b, loc, entry,
      ValueRange{i64(op.getBatch()), i64(m), i64(n), i64(k),
                 pointerOf(b, loc, lhs), i64(lhsBatch), i64(lhsStride),
                 i32(op.getLhsZp()), pointerOf(b, loc, rhs), i64(rhsBatch),
                 i64(rhsStride), i32(op.getTransposeRhs() ? 1 : 0),
                 i32(op.getRhsZp()), pointerOf(b, loc, out), i64(outBatch),
                 i64(outStride), pointerOf(b, loc, workspace)});
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
