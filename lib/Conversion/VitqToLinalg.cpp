//===- VitqToLinalg.cpp - Expand vitq ops into upstream ops ---------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Each vitq op becomes linalg.generic ops whose bodies are the arithmetic of
// docs/integer-semantics.md, written once here. Integer intermediates are
// 64-bit (the bounds in that document show nothing wraps); contractions
// accumulate in int32 as the ops define. Row-wise ops (shiftmax, shiftgelu,
// ilayernorm) reduce over the last dimension into "row" tensors of the
// leading dimensions and then map element-wise with the row values
// broadcast back.
//
//===----------------------------------------------------------------------===//

#include "vitq/Conversion/Passes.h"

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Dialect/Vitq/VitqQuant.h"
#include "vitq/Support/Dyadic.h"
#include "vitq/Support/IntegerMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_CONVERTVITQTOLINALG
#include "vitq/Conversion/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

namespace {

using utils::IteratorType;
using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

//===----------------------------------------------------------------------===//
// Scalar arithmetic inside linalg bodies
//===----------------------------------------------------------------------===//

/// Terse integer (i64 unless stated) and float arithmetic for op bodies.
struct Arith {
  OpBuilder &b;
  Location loc;

  Type i64() const { return b.getI64Type(); }
  Value c(int64_t v, Type t = {}) const {
    t = t ? t : i64();
    return arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
  }
  Value cf(double v, Type t) const {
    return arith::ConstantOp::create(b, loc, t, b.getFloatAttr(t, v));
  }
  /// Sign-extends an integer to `t` (i64 by default).
  Value ext(Value v, Type t = {}) const {
    t = t ? t : i64();
    if (v.getType() == t)
      return v;
    return arith::ExtSIOp::create(b, loc, t, v);
  }
  Value add(Value x, Value y) const {
    return arith::AddIOp::create(b, loc, x, y);
  }
  Value sub(Value x, Value y) const {
    return arith::SubIOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) const {
    return arith::MulIOp::create(b, loc, x, y);
  }
  Value shr(Value x, Value k) const {
    return arith::ShRSIOp::create(b, loc, x, k);
  }
  Value shr(Value x, int64_t k) const { return shr(x, c(k, x.getType())); }
  Value shl(Value x, Value k) const {
    return arith::ShLIOp::create(b, loc, x, k);
  }
  Value max(Value x, Value y) const {
    return arith::MaxSIOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) const {
    return arith::MinSIOp::create(b, loc, x, y);
  }
  Value floorDiv(Value x, Value y) const {
    return arith::FloorDivSIOp::create(b, loc, x, y);
  }
  /// Division of non-negative values (truncation is then floor).
  Value div(Value x, Value y) const {
    return arith::DivSIOp::create(b, loc, x, y);
  }

  /// Saturates an i64 to the signed range of `t` and truncates to it.
  Value saturate(Value v, IntegerType t) const {
    unsigned w = t.getWidth();
    if (w >= 64)
      return v;
    v = max(v, c(-(int64_t{1} << (w - 1))));
    v = min(v, c((int64_t{1} << (w - 1)) - 1));
    return arith::TruncIOp::create(b, loc, t, v);
  }

  /// (v * multiplier + round) >> shift, round = 2^(shift-1) or 0.
  Value rescale(Value v, Value multiplier, Value shift) const {
    // A logical shift: 1 << 63 is the sign bit, and its half is 2^62.
    Value round = arith::ShRUIOp::create(b, loc, shl(c(1), shift), c(1));
    return shr(add(mul(v, multiplier), round), shift);
  }

  /// I-ViT's shift exponential of t <= 0 (docs/integer-semantics.md).
  Value shiftExp(Value t, int64_t x0, int64_t n) const {
    Value u = sub(add(t, shr(t, 1)), shr(t, 4));
    u = max(u, c(n * x0));
    Value q = floorDiv(u, c(x0));
    Value r = sub(u, mul(q, c(x0)));
    Value e = sub(shr(r, 1), c(x0));
    return shl(e, sub(c(n), q));
  }

  /// table[index] for a 1-D constant `table` and an integer `index`.
  Value lookup(Value table, Value index) const {
    Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
    return tensor::ExtractOp::create(b, loc, table, ValueRange{i});
  }
  Value zext(Value v, Type t) const {
    return arith::ExtUIOp::create(b, loc, t, v);
  }

  /// Integer square root by Newton iteration from above.
  Value isqrt(Value v, int64_t iterations) const {
    Value bits = sub(c(64), math::CountLeadingZerosOp::create(b, loc, v));
    Value k = shl(c(1), shr(add(bits, c(1)), 1));
    for (int64_t i = 0; i < iterations; ++i)
      k = min(k, shr(add(k, div(v, k)), 1));
    return k;
  }
};

//===----------------------------------------------------------------------===//
// Tensor building blocks
//===----------------------------------------------------------------------===//

Value emptyLike(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type t) {
  return tensor::EmptyOp::create(b, loc, shape, t);
}

Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type t,
             TypedAttr value) {
  Value init = emptyLike(b, loc, shape, t);
  Value v = arith::ConstantOp::create(b, loc, t, value);
  return linalg::FillOp::create(b, loc, ValueRange{v}, ValueRange{init})
      .getResult(0);
}

/// One linalg.generic writing a fresh `resultType` tensor.
Value generic(OpBuilder &b, Location loc, RankedTensorType resultType,
              ValueRange inputs, ArrayRef<AffineMap> inputMaps,
              ArrayRef<IteratorType> iterators, AffineMap outputMap,
              BodyFn body, Value init = {}) {
  if (!init)
    init =
        emptyLike(b, loc, resultType.getShape(), resultType.getElementType());
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(outputMap);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}

/// An element-wise generic over `resultType`'s shape.
Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                  BodyFn body) {
  unsigned rank = resultType.getRank();
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  return generic(b, loc, resultType, inputs, inputMaps, iterators,
                 b.getMultiDimIdentityMap(rank), body);
}

/// Map from a rank-`rank` iteration space to its first `rank - 1` dims
/// (a row tensor), or to its last dim (a channel vector).
AffineMap rowMap(MLIRContext *ctx, unsigned rank) {
  // Built explicitly: getMajorSubMap(0) is a null map, and rank-1 inputs
  // reduce into a rank-0 row tensor.
  SmallVector<AffineExpr> dims;
  for (unsigned i = 0; i + 1 < rank; ++i)
    dims.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, dims, ctx);
}
AffineMap lastDimMap(MLIRContext *ctx, unsigned rank) {
  return AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx);
}

/// A reduction over the last dimension of `input` into a row tensor of
/// `element`, starting from `initValue`; `combine(acc, x)`.
Value reduceRows(OpBuilder &b, Location loc, ValueRange inputs,
                 ArrayRef<AffineMap> inputMaps, RankedTensorType full,
                 Type element, int64_t initValue,
                 function_ref<Value(Arith &, ValueRange, Value)> combine) {
  unsigned rank = full.getRank();
  SmallVector<int64_t> rows(full.getShape().drop_back());
  auto rowType = RankedTensorType::get(rows, element);
  Value init =
      filled(b, loc, rows, element, b.getIntegerAttr(element, initValue));
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  iterators.back() = IteratorType::reduction;
  return generic(
      b, loc, rowType, inputs, inputMaps, iterators,
      rowMap(b.getContext(), rank),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Arith a{nb, nl};
        return combine(a, args.drop_back(), args.back());
      },
      init);
}

/// The largest element of each row of `x` (shaped like `type`), as i64.
Value rowMaxima(OpBuilder &b, Location loc, Value x, RankedTensorType type) {
  Type i64 = b.getI64Type();
  return reduceRows(b, loc, {x}, {b.getMultiDimIdentityMap(type.getRank())},
                    type.clone(i64), i64, INT64_MIN,
                    [](Arith &a, ValueRange in, Value acc) {
                      return a.max(acc, a.ext(in[0]));
                    });
}

/// The per-channel multiplier/shift tensors of `rescale`, appended to a
/// generic's inputs with `channelMap`; per-tensor rescales add nothing.
struct RescaleInputs {
  RescaleAttr attr;
  int firstArg = -1; // block argument of the multipliers, if per channel

  void append(OpBuilder &b, Location loc, AffineMap channelMap,
              SmallVectorImpl<Value> &inputs,
              SmallVectorImpl<AffineMap> &maps) {
    if (!attr || attr.isPerTensor())
      return;
    firstArg = inputs.size();
    auto type = RankedTensorType::get({static_cast<int64_t>(attr.size())},
                                      b.getI32Type());
    for (ArrayRef<int32_t> values : {attr.getMultipliers(), attr.getShifts()}) {
      inputs.push_back(arith::ConstantOp::create(
          b, loc, DenseIntElementsAttr::get(type, values)));
      maps.push_back(channelMap);
    }
  }
  /// rescale(v) inside the body.
  Value apply(Arith &a, ValueRange args, Value v) const {
    if (firstArg < 0)
      return a.rescale(v, a.c(attr.getMultipliers()[0]),
                       a.c(attr.getShifts()[0]));
    return a.rescale(v, a.ext(args[firstArg]), a.ext(args[firstArg + 1]));
  }
};

/// Maps of a NumPy-broadcast operand of `type` into a `rank`-D result.
AffineMap broadcastMap(MLIRContext *ctx, RankedTensorType type,
                       ArrayRef<int64_t> resultShape) {
  unsigned rank = resultShape.size(), offset = rank - type.getRank();
  SmallVector<AffineExpr> exprs;
  for (auto [i, dim] : llvm::enumerate(type.getShape())) {
    bool broadcast = dim == 1 && resultShape[offset + i] != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(offset + i, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

//===----------------------------------------------------------------------===//
// Rescaling and arithmetic
//===----------------------------------------------------------------------===//

struct RequantizeLowering : OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getOutput().getType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = getContext();
    SmallVector<Value> inputs{adaptor.getInput()};
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(rank)};
    RescaleInputs rescale{op.getRescale()};
    std::optional<int64_t> axis = op.getRescale().getAxis();
    rescale.append(
        rewriter, loc,
        AffineMap::get(rank, 0, getAffineDimExpr(axis.value_or(0), ctx), ctx),
        inputs, maps);
    auto out = cast<IntegerType>(type.getElementType());
    int64_t inZp = op.getInputZp(), outZp = op.getOutputZp();
    Value result =
        elementwise(rewriter, loc, type, inputs, maps,
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      Arith a{b, l};
                      Value v = a.sub(a.ext(args[0]), a.c(inZp));
                      v = a.add(rescale.apply(a, args, v), a.c(outZp));
                      return a.saturate(v, out);
                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// vitq.mul and vitq.div.
template <typename Op> struct ProductLowering : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getOutput().getType();
    MLIRContext *ctx = this->getContext();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    SmallVector<AffineMap> maps{
        broadcastMap(ctx, cast<RankedTensorType>(lhs.getType()),
                     type.getShape()),
        broadcastMap(ctx, cast<RankedTensorType>(rhs.getType()),
                     type.getShape())};
    auto out = cast<IntegerType>(type.getElementType());
    int64_t multiplier = op.getRescale().getMultipliers()[0];
    int64_t shift = op.getRescale().getShifts()[0];
    int64_t hi = (int64_t{1} << (out.getWidth() - 1)) - 1;
    constexpr bool divide = std::is_same_v<Op, DivOp>;
    Value result = elementwise(
        rewriter, op.getLoc(), type, {lhs, rhs}, maps,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Arith a{b, l};
          Value x = a.sub(a.ext(args[0]), a.c(op.getLhsZp()));
          Value y = a.sub(a.ext(args[1]), a.c(op.getRhsZp()));
          Value v;
          if constexpr (divide) {
            Value n = a.mul(x, a.c(multiplier));
            Value zero = a.c(0);
            Value isZero =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, y, zero);
            // A zero divisor divides by 1 and is replaced below.
            Value d = arith::SelectOp::create(b, l, isZero, a.c(1), y);
            Value q = a.floorDiv(n, d);
            v = a.add(a.rescale(q, a.c(1), a.c(shift)), a.c(op.getOutputZp()));
            Value sign = arith::SelectOp::create(
                b, l,
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, n, zero),
                a.c(hi),
                arith::SelectOp::create(
                    b, l,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, n,
                                          zero),
                    a.c(-hi - 1), a.c(op.getOutputZp())));
            v = arith::SelectOp::create(b, l, isZero, sign, v);
          } else {
            v = a.add(a.rescale(a.mul(x, y), a.c(multiplier), a.c(shift)),
                      a.c(op.getOutputZp()));
          }
          return a.saturate(v, out);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct AffineLowering : OpConversionPattern<AffineOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AffineOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getOutput().getType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = getContext();
    SmallVector<Value> inputs{adaptor.getInput()};
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(rank)};
    std::optional<int64_t> axis = op.getRescale().getAxis();
    AffineMap channelMap =
        AffineMap::get(rank, 0, getAffineDimExpr(axis.value_or(0), ctx), ctx);
    RescaleInputs rescale{op.getRescale()};
    rescale.append(rewriter, loc, channelMap, inputs, maps);
    ArrayRef<int32_t> bias = op.getBias();
    int biasArg = -1;
    if (bias.size() > 1) {
      biasArg = inputs.size();
      auto biasType = RankedTensorType::get({static_cast<int64_t>(bias.size())},
                                            rewriter.getI32Type());
      inputs.push_back(arith::ConstantOp::create(
          rewriter, loc, DenseIntElementsAttr::get(biasType, bias)));
      maps.push_back(channelMap);
    }
    auto out = cast<IntegerType>(type.getElementType());
    int64_t zp = op.getInputZp();
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, type, inputs, maps,
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          Arith a{b, l};
                          Value v = a.sub(a.ext(args[0]), a.c(zp));
                          Value c =
                              biasArg < 0 ? a.c(bias[0]) : a.ext(args[biasArg]);
                          return a.saturate(a.add(rescale.apply(a, args, v), c),
                                            out);
                        }));
    return success();
  }
};

/// The input padded with its zero point so that every window is whole,
/// summed per window in int32 (padding adds (zp - zp) = 0 once the
/// window's K * zp is taken off), then each position's count's rescale.
struct AvgPool2DLowering : OpConversionPattern<AvgPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AvgPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType in = op.getInput().getType(),
                     type = op.getOutput().getType();
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      pads = op.getPads();
    int64_t oh = type.getDimSize(2), ow = type.getDimSize(3);
    SmallVector<int64_t> padded(in.getShape());
    SmallVector<OpFoldResult> low(4, rewriter.getIndexAttr(0)),
        high(4, rewriter.getIndexAttr(0));
    for (unsigned d = 0; d < 2; ++d) {
      int64_t out = type.getDimSize(2 + d);
      int64_t end = (out - 1) * strides[d] + kernel[d];
      int64_t after =
          std::max<int64_t>(end - in.getDimSize(2 + d) - pads[d], 0);
      low[2 + d] = rewriter.getIndexAttr(pads[d]);
      high[2 + d] = rewriter.getIndexAttr(after);
      padded[2 + d] += pads[d] + after;
    }
    Type element = in.getElementType();
    Value zp = arith::ConstantOp::create(
        rewriter, loc, element,
        rewriter.getIntegerAttr(element, op.getInputZp()));
    Value input = tensor::PadOp::create(rewriter, loc, in.clone(padded),
                                        adaptor.getInput(), low, high, zp);
    Type i32 = rewriter.getI32Type();
    Value init = filled(rewriter, loc, type.getShape(), i32,
                        rewriter.getI32IntegerAttr(0));
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, i32);
    auto vec = [&](ArrayRef<int64_t> v) {
      return DenseIntElementsAttr::get(
          VectorType::get({2}, rewriter.getI64Type()), v);
    };
    Value sums = linalg::PoolingNchwSumOp::create(
                     rewriter, loc, TypeRange{init.getType()},
                     ValueRange{input, window}, ValueRange{init},
                     ArrayRef<NamedAttribute>{
                         rewriter.getNamedAttr("strides", vec(strides)),
                         rewriter.getNamedAttr("dilations", vec({1, 1}))})
                     .getResult(0);
    // Each position's rescale, from its count.
    SmallVector<int32_t> multipliers, shifts;
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x) {
        int64_t count = op.windowCount(0, y) * op.windowCount(1, x);
        multipliers.push_back(op.getMultipliers()[count - 1]);
        shifts.push_back(op.getShifts()[count - 1]);
      }
    auto planeType = RankedTensorType::get({oh, ow}, i32);
    Value m = arith::ConstantOp::create(
        rewriter, loc, DenseIntElementsAttr::get(planeType, multipliers));
    Value s = arith::ConstantOp::create(
        rewriter, loc, DenseIntElementsAttr::get(planeType, shifts));
    MLIRContext *ctx = getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(4);
    AffineMap plane = AffineMap::get(
        4, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)}, ctx);
    int64_t offset = kernel[0] * kernel[1] * int64_t{op.getInputZp()};
    auto out = cast<IntegerType>(type.getElementType());
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, type, {sums, m, s}, {id, plane, plane},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          Arith a{b, l};
                          Value v = a.sub(a.ext(args[0]), a.c(offset));
                          v = a.rescale(v, a.ext(args[1]), a.ext(args[2]));
                          return a.saturate(a.add(v, a.c(op.getOutputZp())),
                                            out);
                        }));
    return success();
  }
};

/// Two int32 contractions with the constant weight matrices: along the
/// rows (k), then along the columns (l).
struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType in = op.getInput().getType(),
                     type = op.getOutput().getType();
    int64_t n = in.getDimSize(0), c = in.getDimSize(1), h = in.getDimSize(2),
            w = in.getDimSize(3), oh = type.getDimSize(2),
            ow = type.getDimSize(3);
    Type i32 = rewriter.getI32Type();
    auto weights = [&](ArrayRef<int32_t> v, int64_t rows, int64_t cols) {
      auto t = RankedTensorType::get({rows, cols}, i32);
      return arith::ConstantOp::create(rewriter, loc,
                                       DenseIntElementsAttr::get(t, v))
          .getResult();
    };
    Value rows = weights(op.getRows(), oh, h),
          columns = weights(op.getColumns(), ow, w);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto map = [&](ArrayRef<AffineExpr> e) {
      return AffineMap::get(5, 0, e, ctx);
    };
    SmallVector<IteratorType> iterators(4, IteratorType::parallel);
    iterators.push_back(IteratorType::reduction);
    int32_t zp = op.getInputZp();
    auto zeros = [&](ArrayRef<int64_t> shape) {
      return filled(rewriter, loc, shape, i32, rewriter.getI32IntegerAttr(0));
    };
    // Loops (n, c, i, l, k): tall[n, c, i, l] += rows[i, k] * (x - zp).
    auto tallType = RankedTensorType::get({n, c, oh, w}, i32);
    Value tall = generic(
        rewriter, loc, tallType, {adaptor.getInput(), rows},
        {map({d(0), d(1), d(4), d(3)}), map({d(2), d(4)})}, iterators,
        map({d(0), d(1), d(2), d(3)}),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Arith a{b, l};
          Value x = a.sub(a.ext(args[0], i32), a.c(zp, i32));
          return a.add(args[2], a.mul(args[1], x));
        },
        zeros(tallType.getShape()));
    // Loops (n, c, i, j, l): out[n, c, i, j] += columns[j, l] * tall.
    Value result = generic(
        rewriter, loc, type, {tall, columns},
        {map({d(0), d(1), d(2), d(4)}), map({d(3), d(4)})}, iterators,
        map({d(0), d(1), d(2), d(3)}),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Arith a{b, l};
          return a.add(args[2], a.mul(args[1], args[0]));
        },
        zeros(type.getShape()));
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ReduceSumLowering : OpConversionPattern<ReduceSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getOutput().getType();
    Type i32 = rewriter.getI32Type();
    Value init = filled(rewriter, loc, type.getShape(), i32,
                        rewriter.getI32IntegerAttr(0));
    int32_t zp = op.getInputZp();
    Value sum =
        linalg::ReduceOp::create(
            rewriter, loc, ValueRange{adaptor.getInput()}, ValueRange{init},
            op.getDims(),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Arith a{b, l};
              Value v = a.sub(a.ext(args[0], i32), a.c(zp, i32));
              linalg::YieldOp::create(b, l, ValueRange{a.add(args[1], v)});
            })
            .getResult(0);
    rewriter.replaceOp(op, sum);
    return success();
  }
};

struct AddLowering : OpConversionPattern<AddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getOutput().getType();
    MLIRContext *ctx = getContext();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    SmallVector<AffineMap> maps{
        broadcastMap(ctx, cast<RankedTensorType>(lhs.getType()),
                     type.getShape()),
        broadcastMap(ctx, cast<RankedTensorType>(rhs.getType()),
                     type.getShape())};
    auto out = cast<IntegerType>(type.getElementType());
    Value result =
        elementwise(rewriter, op.getLoc(), type, {lhs, rhs}, maps,
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      Arith a{b, l};
                      Value x = a.mul(a.sub(a.ext(args[0]), a.c(op.getLhsZp())),
                                      a.c(op.getLhsMultiplier()));
                      Value y = a.mul(a.sub(a.ext(args[1]), a.c(op.getRhsZp())),
                                      a.c(op.getRhsMultiplier()));
                      Value v =
                          a.rescale(a.add(x, y), a.c(1), a.c(op.getShift()));
                      return a.saturate(a.add(v, a.c(op.getOutputZp())), out);
                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A contraction into a zero-filled int32 tensor of `resultType`:
/// acc += (lhs - lhsZp) * (rhs - rhsZp) over loops of kinds `iterators`.
Value contract(OpBuilder &b, Location loc, RankedTensorType resultType,
               Value lhs, Value rhs, ArrayRef<AffineMap> maps,
               ArrayRef<IteratorType> iterators, int64_t lhsZp, int64_t rhsZp) {
  Value init = filled(b, loc, resultType.getShape(), b.getI32Type(),
                      b.getI32IntegerAttr(0));
  Value acc = generic(
      b, loc, resultType, {lhs, rhs}, maps.drop_back(), iterators, maps.back(),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Arith a{nb, nl};
        Type i32 = nb.getI32Type();
        Value x = a.ext(args[0], i32), y = a.ext(args[1], i32);
        if (lhsZp)
          x = a.sub(x, a.c(lhsZp, i32));
        if (rhsZp)
          y = a.sub(y, a.c(rhsZp, i32));
        return a.add(args[2], a.mul(x, y));
      },
      init);
  return acc;
}

/// The loop kinds of a matmul-like contraction of `numLoops` loops whose
/// last two are n and k (`kInner`) or k and n.
SmallVector<IteratorType> contractionLoops(unsigned numLoops, bool kInner) {
  SmallVector<IteratorType> loops(numLoops, IteratorType::parallel);
  loops[kInner ? numLoops - 1 : numLoops - 2] = IteratorType::reduction;
  return loops;
}

/// The bias + rescale epilogue of linear/conv2d over an int32 accumulator,
/// with channels along `channelDim`.
Value epilogue(OpBuilder &b, Location loc, Value acc, Value bias,
               RescaleAttr rescaleAttr, int64_t outputZp,
               RankedTensorType resultType, unsigned channelDim) {
  if (!bias && !rescaleAttr)
    return acc;
  MLIRContext *ctx = b.getContext();
  unsigned rank = resultType.getRank();
  AffineMap channel =
      AffineMap::get(rank, 0, getAffineDimExpr(channelDim, ctx), ctx);
  SmallVector<Value> inputs{acc};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(channel);
  }
  RescaleInputs rescale{rescaleAttr};
  rescale.append(b, loc, channel, inputs, maps);
  auto out = cast<IntegerType>(resultType.getElementType());
  return elementwise(b, loc, resultType, inputs, maps,
                     [&](OpBuilder &nb, Location nl, ValueRange args) {
                       Arith a{nb, nl};
                       if (!rescaleAttr)
                         return a.add(args[0], args[1]);
                       Value v = a.ext(args[0]);
                       if (bias)
                         v = a.add(v, a.ext(args[1]));
                       v = a.add(rescale.apply(a, args, v), a.c(outputZp));
                       return a.saturate(v, out);
                     });
}

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResult().getType();
    MLIRContext *ctx = getContext();
    unsigned rank = type.getRank(), batch = rank - 2;
    // Loops: batch..., m, then n and k ordered so that the innermost loop
    // walks both the rhs and its destination contiguously: k innermost for
    // a transposed rhs [n, k], n innermost for rhs [k, n].
    bool kInner = op.getTransposeRhs();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineExpr m = d(batch), n = d(kInner ? batch + 1 : batch + 2),
               k = d(kInner ? batch + 2 : batch + 1);
    SmallVector<AffineExpr> lhs, rhs, out;
    for (unsigned i = 0; i < batch; ++i)
      lhs.push_back(d(i)), out.push_back(d(i));
    lhs.append({m, k});
    out.append({m, n});
    unsigned rhsRank = op.getRhs().getType().getRank();
    for (unsigned i = 0; i + 2 < rhsRank; ++i)
      rhs.push_back(d(i));
    if (op.getTransposeRhs())
      rhs.append({n, k});
    else
      rhs.append({k, n});
    unsigned loops = rank + 1;
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, lhs, ctx),
                                AffineMap::get(loops, 0, rhs, ctx),
                                AffineMap::get(loops, 0, out, ctx)};
    rewriter.replaceOp(op, contract(rewriter, op.getLoc(), type,
                                    adaptor.getLhs(), adaptor.getRhs(), maps,
                                    contractionLoops(loops, kInner),
                                    op.getLhsZp(), op.getRhsZp()));
    return success();
  }
};

struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getOutput().getType();
    MLIRContext *ctx = getContext();
    unsigned rank = type.getRank(), lead = rank - 1;
    // Loops: leading..., then n and k, the one the weight is contiguous in
    // innermost (as for matmul).
    bool kInner = op.getTransposeWeight();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineExpr n = d(kInner ? lead : lead + 1), k = d(kInner ? lead + 1 : lead);
    SmallVector<AffineExpr> in, out;
    for (unsigned i = 0; i < lead; ++i)
      in.push_back(d(i)), out.push_back(d(i));
    in.push_back(k);
    out.push_back(n);
    SmallVector<AffineExpr> w =
        kInner ? SmallVector<AffineExpr>{n, k} : SmallVector<AffineExpr>{k, n};
    unsigned loops = rank + 1;
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, in, ctx),
                                AffineMap::get(loops, 0, w, ctx),
                                AffineMap::get(loops, 0, out, ctx)};
    auto accType = type.clone(rewriter.getI32Type());
    Value acc = contract(rewriter, loc, accType, adaptor.getInput(),
                         adaptor.getWeight(), maps,
                         contractionLoops(loops, kInner), op.getInputZp(), 0);
    rewriter.replaceOp(op, epilogue(rewriter, loc, acc, adaptor.getBias(),
                                    op.getRescaleAttr(), op.getOutputZp(), type,
                                    lead));
    return success();
  }
};

/// Whether `op` is a patch embedding: non-overlapping kernel-sized strides,
/// no padding or dilation, one group, the image an exact number of patches.
bool isPatchEmbedding(Conv2DOp op) {
  auto it = op.getInput().getType(), wt = op.getWeight().getType();
  ArrayRef<int64_t> s = op.getStrides(), d = op.getDilations();
  int64_t kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  return it.hasStaticShape() && wt.hasStaticShape() && op.getGroups() == 1 &&
         llvm::all_of(op.getPads(), [](int64_t p) { return p == 0; }) &&
         d[0] == 1 && d[1] == 1 && s[0] == kh && s[1] == kw &&
         it.getDimSize(2) % kh == 0 && it.getDimSize(3) % kw == 0;
}

/// A patch embedding as a linear layer over the patches (im2col by a
/// reshape and one transpose): [N*OH*OW, C*KH*KW] x [O, C*KH*KW]^T, one
/// contraction whose both operands walk k contiguously, then back to
/// [N, O, OH, OW].
Value patchEmbeddingAccumulator(OpBuilder &b, Location loc, Conv2DOp op,
                                Value input, Value weight) {
  MLIRContext *ctx = b.getContext();
  auto it = cast<RankedTensorType>(input.getType());
  auto wt = cast<RankedTensorType>(weight.getType());
  int64_t n = it.getDimSize(0), c = it.getDimSize(1);
  int64_t o = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t oh = it.getDimSize(2) / kh, ow = it.getDimSize(3) / kw;
  int64_t m = n * oh * ow, k = c * kh * kw;
  Value patches = tensor::ExpandShapeOp::create(
      b, loc, it.clone({n, c, oh, kh, ow, kw}), input,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}});
  Value init = emptyLike(b, loc, {n, oh, ow, c, kh, kw}, it.getElementType());
  patches = linalg::TransposeOp::create(b, loc, patches, init,
                                        ArrayRef<int64_t>{0, 2, 4, 1, 3, 5})
                .getResult()[0];
  Value lhs = tensor::CollapseShapeOp::create(
      b, loc, patches, SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
  auto rhsType = RankedTensorType::get({o, k}, wt.getElementType());
  Value rhs;
  if (std::optional<SmallVector<int64_t>> values = getConstantInts(weight)) {
    // A constant stays one constant.
    SmallVector<int8_t> bytes(values->begin(), values->end());
    rhs = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(rhsType, ArrayRef<int8_t>(bytes)));
  } else {
    rhs = tensor::CollapseShapeOp::create(
        b, loc, rhsType, weight,
        SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
  }
  // Loops m, n, k: both operands walk k contiguously.
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(1), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(0), d(1)}, ctx)};
  Value acc =
      contract(b, loc, RankedTensorType::get({m, o}, b.getI32Type()), lhs, rhs,
               maps, contractionLoops(3, /*kInner=*/true), op.getInputZp(), 0);
  Value rows = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({n, oh, ow, o}, b.getI32Type()), acc,
      SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
  Value out = emptyLike(b, loc, {n, o, oh, ow}, b.getI32Type());
  return linalg::TransposeOp::create(b, loc, rows, out,
                                     ArrayRef<int64_t>{0, 3, 1, 2})
      .getResult()[0];
}

struct Conv2DLowering : OpConversionPattern<Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (isPatchEmbedding(op)) {
      Value acc = patchEmbeddingAccumulator(
          rewriter, loc, op, adaptor.getInput(), adaptor.getWeight());
      rewriter.replaceOp(op, epilogue(rewriter, loc, acc, adaptor.getBias(),
                                      op.getRescaleAttr(), op.getOutputZp(),
                                      op.getOutput().getType(), 1));
      return success();
    }
    MLIRContext *ctx = getContext();
    RankedTensorType type = op.getOutput().getType();
    Value input = adaptor.getInput(), weight = adaptor.getWeight();
    auto it = cast<RankedTensorType>(input.getType());
    auto wt = cast<RankedTensorType>(weight.getType());
    ArrayRef<int64_t> pads = op.getPads();
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
      // Padding holds the input zero point, so it contributes nothing.
      SmallVector<int64_t> shape(it.getShape());
      shape[2] += pads[0] + pads[2];
      shape[3] += pads[1] + pads[3];
      SmallVector<OpFoldResult> low{
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
          rewriter.getIndexAttr(pads[0]), rewriter.getIndexAttr(pads[1])};
      SmallVector<OpFoldResult> high{
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
          rewriter.getIndexAttr(pads[2]), rewriter.getIndexAttr(pads[3])};
      Value zp = arith::ConstantOp::create(
          rewriter, loc, rewriter.getI8IntegerAttr(op.getInputZp()));
      input = tensor::PadOp::create(rewriter, loc, it.clone(shape), input, low,
                                    high, zp);
      it = it.clone(shape);
    }
    // Grouped form: input [N, G, Cg, H, W], weight [G, Og, Cg, KH, KW],
    // accumulator [N, G, Og, OH, OW].
    int64_t g = op.getGroups(), n = it.getDimSize(0);
    int64_t cg = it.getDimSize(1) / g, og = wt.getDimSize(0) / g;
    int64_t oh = type.getDimSize(2), ow = type.getDimSize(3);
    SmallVector<ReassociationIndices> split{{0}, {1, 2}, {3}, {4}};
    SmallVector<ReassociationIndices> splitW{{0, 1}, {2}, {3}, {4}};
    input = tensor::ExpandShapeOp::create(
        rewriter, loc, it.clone({n, g, cg, it.getDimSize(2), it.getDimSize(3)}),
        input, split);
    weight = tensor::ExpandShapeOp::create(
        rewriter, loc,
        wt.clone({g, og, cg, wt.getDimSize(2), wt.getDimSize(3)}), weight,
        splitW);
    // Loops: n, g, og, oh, ow, c, kh, kw.
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    ArrayRef<int64_t> s = op.getStrides(), dl = op.getDilations();
    SmallVector<AffineMap> maps{
        AffineMap::get(8, 0,
                       {d(0), d(1), d(5), d(3) * s[0] + d(6) * dl[0],
                        d(4) * s[1] + d(7) * dl[1]},
                       ctx),
        AffineMap::get(8, 0, {d(1), d(2), d(5), d(6), d(7)}, ctx),
        AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
    auto accType =
        RankedTensorType::get({n, g, og, oh, ow}, rewriter.getI32Type());
    SmallVector<IteratorType> loops(5, IteratorType::parallel);
    loops.append(3, IteratorType::reduction);
    Value acc = contract(rewriter, loc, accType, input, weight, maps, loops,
                         op.getInputZp(), 0);
    acc = tensor::CollapseShapeOp::create(
        rewriter, loc, type.clone(rewriter.getI32Type()), acc, split);
    rewriter.replaceOp(op, epilogue(rewriter, loc, acc, adaptor.getBias(),
                                    op.getRescaleAttr(), op.getOutputZp(), type,
                                    1));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// I-ViT non-linears
//===----------------------------------------------------------------------===//

/// floor(2^62 / sum) per row: the one divide of each softmax row.
static Value rowReciprocals(ConversionPatternRewriter &rewriter, Location loc,
                            RankedTensorType type, Value sum) {
  auto rowType =
      RankedTensorType::get(type.getShape().drop_back(), rewriter.getI64Type());
  return elementwise(rewriter, loc, rowType, {sum},
                     {rewriter.getMultiDimIdentityMap(type.getRank() - 1)},
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       Arith a{b, l};
                       return a.div(a.c(kReciprocalOne), args[0]);
                     });
}

/// Softmax over the rows of `x` (at most 8 bits, or a tensor larger than
/// the table) with the exponential of `max - x` looked up in `exps`, where
/// it is used, instead of being computed and stored as an i64 tensor: the
/// normalisation shared by vitq.shiftmax and vitq.tablemax.
static Value tableSoftmax(ConversionPatternRewriter &rewriter, Location loc,
                          RankedTensorType type, Value x,
                          ArrayRef<int32_t> exps) {
  MLIRContext *ctx = rewriter.getContext();
  unsigned rank = type.getRank();
  Type i64 = rewriter.getI64Type();
  auto full64 = type.clone(i64);
  AffineMap id = rewriter.getMultiDimIdentityMap(rank);
  AffineMap row = rowMap(ctx, rank);
  auto out = cast<IntegerType>(type.getElementType());
  int64_t shift = 63 - out.getWidth();
  Value rowMax = rowMaxima(rewriter, loc, x, type);
  auto tableType = RankedTensorType::get({static_cast<int64_t>(exps.size())},
                                         rewriter.getI32Type());
  Value table = arith::ConstantOp::create(
      rewriter, loc, DenseIntElementsAttr::get(tableType, exps));
  auto exp = [table](Arith &a, Value in, Value max) {
    return a.zext(a.lookup(table, a.sub(max, a.ext(in))), a.i64());
  };
  Value sum = reduceRows(rewriter, loc, {x, rowMax}, {id, row}, full64, i64, 0,
                         [&](Arith &a, ValueRange in, Value acc) {
                           return a.add(acc, exp(a, in[0], in[1]));
                         });
  Value factor = rowReciprocals(rewriter, loc, type, sum);
  return elementwise(rewriter, loc, type, {x, rowMax, factor}, {id, row, row},
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       Arith a{b, l};
                       Value e = exp(a, args[0], args[1]);
                       return a.saturate(a.shr(a.mul(e, args[2]), shift), out);
                     });
}

struct ShiftmaxLowering : OpConversionPattern<ShiftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ShiftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType type = op.getOutput().getType();
    unsigned rank = type.getRank();
    Type i64 = rewriter.getI64Type();
    auto full64 = type.clone(i64);
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap row = rowMap(ctx, rank);
    Value x = adaptor.getInput();
    int64_t x0 = op.getX0(), n = op.getExpShift();
    // With an input of at most 8 bits (or a tensor larger than the table),
    // x - max takes at most 2^w values: their shift exponentials are a
    // table the compiler evaluates, and e is looked up where it is used
    // instead of being computed and stored as an i64 tensor.
    unsigned inWidth = cast<RankedTensorType>(x.getType())
                           .getElementType()
                           .getIntOrFloatBitWidth();
    if (type.hasStaticShape() &&
        (inWidth <= 8 ||
         (inWidth <= 16 && type.getNumElements() >= (int64_t{1} << inWidth)))) {
      SmallVector<int32_t> exps(size_t{1} << inWidth);
      for (auto [d, e] : llvm::enumerate(exps))
        e = static_cast<int32_t>(shiftExp(-static_cast<int64_t>(d), x0, n));
      rewriter.replaceOp(op, tableSoftmax(rewriter, loc, type, x, exps));
      return success();
    }
    Value rowMax = rowMaxima(rewriter, loc, x, type);
    auto out = cast<IntegerType>(type.getElementType());
    int64_t shift = 63 - out.getWidth();
    Value e =
        elementwise(rewriter, loc, full64, {x, rowMax}, {id, row},
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      Arith a{b, l};
                      return a.shiftExp(a.sub(a.ext(args[0]), args[1]), x0, n);
                    });
    Value sum = reduceRows(
        rewriter, loc, {e}, {id}, full64, i64, 0,
        [](Arith &a, ValueRange in, Value acc) { return a.add(acc, in[0]); });
    Value factor = rowReciprocals(rewriter, loc, type, sum);
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, type, {e, factor}, {id, row},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          Arith a{b, l};
                          return a.saturate(
                              a.shr(a.mul(args[0], args[1]), shift), out);
                        }));
    return success();
  }
};

struct TablemaxLowering : OpConversionPattern<TablemaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TablemaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, tableSoftmax(rewriter, op.getLoc(),
                                        op.getOutput().getType(),
                                        adaptor.getInput(), op.getExpTable()));
    return success();
  }
};

struct ShiftGeluLowering : OpConversionPattern<ShiftGeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ShiftGeluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType type = op.getOutput().getType();
    unsigned rank = type.getRank();
    Type i64 = rewriter.getI64Type();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    Value x = adaptor.getInput();
    int64_t x0 = op.getX0(), n = op.getExpShift(), zp = op.getInputZp();
    // t = 1.6875 (x - zp), as shift-adds.
    auto scaled = [zp](Arith &a, Value in) {
      Value v = a.sub(a.ext(in), a.c(zp));
      return a.add(a.add(a.add(v, a.shr(v, 1)), a.shr(v, 3)), a.shr(v, 4));
    };
    RescaleInputs rescale{op.getRescale()};
    auto out = cast<IntegerType>(type.getElementType());
    int64_t outZp = op.getOutputZp();

    // With an 8-bit input the sigmoid depends only on the element and the
    // row's largest element (1.6875 (x - zp) is monotonic, so that element
    // gives m): a table of 2^15-scaled sigmoids, one row of 256 for each
    // row maximum from zp (m = 0 below it) to 127, evaluated by the
    // compiler. Used when the tensor has at least as many elements as the
    // table, so the table never outweighs the work it saves.
    unsigned inWidth = cast<RankedTensorType>(x.getType())
                           .getElementType()
                           .getIntOrFloatBitWidth();
    int64_t lo = std::clamp<int64_t>(zp, -128, 127);
    int64_t tableRows = 128 - lo;
    if (inWidth <= 8 && type.hasStaticShape() && std::abs(zp) <= 255 &&
        type.getNumElements() >= tableRows * 256) {
      Value rowTop = rowMaxima(rewriter, loc, x, type);
      // Row r of a table, the 256 entries of row maximum lo + r.
      auto tableIndex = [lo](Arith &a, Value x, Value top) {
        return a.add(a.mul(a.sub(a.max(top, a.c(lo)), a.c(lo)), a.c(256)),
                     a.add(a.ext(x), a.c(128)));
      };
      // With one rescale for the whole tensor the output itself is a
      // function of the element and the row maximum: the table holds the
      // outputs, and an element costs one lookup.
      if (op.getRescale().isPerTensor()) {
        int32_t multiplier = op.getRescale().getMultipliers()[0];
        int32_t shift = op.getRescale().getShifts()[0];
        SmallVector<APInt> outputs;
        outputs.reserve(tableRows * 256);
        for (int64_t top = lo; top <= 127; ++top) {
          int64_t rowMax = shiftGeluScaled(top - zp);
          for (int64_t v = -128; v <= 127; ++v) {
            int64_t sig = shiftGeluSigmoid(v - zp, rowMax, x0, n);
            int64_t y = applyDyadicScale((v - zp) * sig, multiplier, shift);
            outputs.push_back(APInt(out.getWidth(),
                                    static_cast<uint64_t>(saturateSigned(
                                        y + outZp, out.getWidth())),
                                    /*isSigned=*/true));
          }
        }
        auto tableType = RankedTensorType::get({tableRows * 256}, out);
        Value table = arith::ConstantOp::create(
            rewriter, loc, DenseIntElementsAttr::get(tableType, outputs));
        rewriter.replaceOp(
            op, elementwise(
                    rewriter, loc, type, {x, rowTop}, {id, rowMap(ctx, rank)},
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      Arith a{b, l};
                      return a.lookup(table, tableIndex(a, args[0], args[1]));
                    }));
        return success();
      }
      SmallVector<APInt> sigmoids;
      sigmoids.reserve(tableRows * 256);
      for (int64_t top = lo; top <= 127; ++top) {
        int64_t rowMax = shiftGeluScaled(top - zp);
        for (int64_t v = -128; v <= 127; ++v)
          sigmoids.push_back(APInt(16, static_cast<uint64_t>(shiftGeluSigmoid(
                                           v - zp, rowMax, x0, n))));
      }
      auto tableType =
          RankedTensorType::get({tableRows * 256}, rewriter.getI16Type());
      Value table = arith::ConstantOp::create(
          rewriter, loc, DenseIntElementsAttr::get(tableType, sigmoids));
      SmallVector<Value> inputs{x, rowTop};
      SmallVector<AffineMap> maps{id, rowMap(ctx, rank)};
      rescale.append(rewriter, loc, lastDimMap(ctx, rank), inputs, maps);
      Type i32 = rewriter.getI32Type();
      rewriter.replaceOp(
          op, elementwise(
                  rewriter, loc, type, inputs, maps,
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    Arith a{b, l};
                    Value sig = a.zext(
                        a.lookup(table, tableIndex(a, args[0], args[1])), i32);
                    // |x - zp| < 2^9 and sig <= 2^15: an i32
                    // product, sign-extended for the rescale.
                    Value v = a.sub(a.ext(args[0], i32), a.c(zp, i32));
                    Value y = rescale.apply(a, args, a.ext(a.mul(v, sig)));
                    return a.saturate(a.add(y, a.c(outZp)), out);
                  }));
      return success();
    }

    Value rowMax =
        reduceRows(rewriter, loc, {x}, {id}, type.clone(i64), i64, INT64_MIN,
                   [&](Arith &a, ValueRange in, Value acc) {
                     return a.max(acc, scaled(a, in[0]));
                   });
    SmallVector<Value> inputs{x, rowMax};
    SmallVector<AffineMap> maps{id, rowMap(ctx, rank)};
    rescale.append(rewriter, loc, lastDimMap(ctx, rank), inputs, maps);
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, type, inputs, maps,
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          Arith a{b, l};
                          Value v = a.sub(a.ext(args[0]), a.c(zp));
                          Value m = a.max(args[1], a.c(0));
                          Value e1 =
                              a.shiftExp(a.sub(scaled(a, args[0]), m), x0, n);
                          Value e2 = a.shiftExp(a.sub(a.c(0), m), x0, n);
                          // The sigmoid at scale 2^-15.
                          Value f = a.div(a.c(kReciprocalOne), a.add(e1, e2));
                          Value sig = a.shr(a.mul(e1, f), 47);
                          Value y = rescale.apply(a, args, a.mul(v, sig));
                          return a.saturate(a.add(y, a.c(outZp)), out);
                        }));
    return success();
  }
};

struct LookupLowering : OpConversionPattern<LookupOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LookupOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getOutput().getType();
    Value table = arith::ConstantOp::create(rewriter, op.getLoc(),
                                            cast<TypedAttr>(op.getTable()));
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), type, {adaptor.getInput()},
                        {rewriter.getMultiDimIdentityMap(type.getRank())},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          Arith a{b, l};
                          return a.lookup(table,
                                          a.add(a.ext(args[0]), a.c(128)));
                        }));
    return success();
  }
};

struct ILayerNormLowering : OpConversionPattern<ILayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ILayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType type = op.getOutput().getType();
    unsigned rank = type.getRank();
    int64_t count = type.getDimSize(rank - 1);
    Type i64 = rewriter.getI64Type();
    auto full64 = type.clone(i64);
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap row = rowMap(ctx, rank);
    AffineMap rowId = rewriter.getMultiDimIdentityMap(rank - 1);
    Value x = adaptor.getInput();

    Value sum = reduceRows(rewriter, loc, {x}, {id}, full64, i64, 0,
                           [](Arith &a, ValueRange in, Value acc) {
                             return a.add(acc, a.ext(in[0]));
                           });
    auto rowType = cast<RankedTensorType>(sum.getType());
    // y = N * x - sum(x) = N * (x - mean), exactly.
    auto centred = [count](Arith &a, Value in, Value rowSum) {
      return a.sub(a.mul(a.ext(in), a.c(count)), rowSum);
    };
    Value var = reduceRows(rewriter, loc, {x, sum}, {id, row}, full64, i64, 0,
                           [&](Arith &a, ValueRange in, Value acc) {
                             Value y = centred(a, in[0], in[1]);
                             return a.add(acc, a.mul(y, y));
                           });
    int64_t iterations = op.getSqrtIterations();
    int64_t offset = op.getVarianceOffset();
    int64_t r = op.getReciprocalShift();
    int64_t numerator = (int64_t{1} << (31 + r)) - 1;
    Value factor =
        elementwise(rewriter, loc, rowType, {var}, {rowId},
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      Arith a{b, l};
                      Value v = a.max(a.add(args[0], a.c(offset)), a.c(1));
                      return a.div(a.c(numerator), a.isqrt(v, iterations));
                    });
    SmallVector<Value> inputs{x, sum, factor};
    SmallVector<AffineMap> maps{id, row, row};
    ArrayRef<int32_t> bias = op.getBias();
    if (bias.size() > 1) {
      auto biasType = RankedTensorType::get({count}, rewriter.getI32Type());
      inputs.push_back(arith::ConstantOp::create(
          rewriter, loc, DenseIntElementsAttr::get(biasType, bias)));
      maps.push_back(lastDimMap(ctx, rank));
    }
    RescaleInputs rescale{op.getRescale()};
    rescale.append(rewriter, loc, lastDimMap(ctx, rank), inputs, maps);
    auto out = cast<IntegerType>(type.getElementType());
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, type, inputs, maps,
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          Arith a{b, l};
                          Value y = centred(a, args[0], args[1]);
                          Value z = a.shr(a.mul(y, args[2]), 1 + r);
                          Value beta =
                              bias.size() > 1 ? a.ext(args[3]) : a.c(bias[0]);
                          Value v = a.add(rescale.apply(a, args, z), beta);
                          return a.saturate(v, out);
                        }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Quantize / dequantize and quantized types
//===----------------------------------------------------------------------===//

/// Per-axis scale and zero-point tensors (or per-tensor scalars) of a
/// quantized type, as generic inputs along `axis`.
struct QuantParams {
  quant::QuantizedType qtype;
  int firstArg = -1;

  void append(OpBuilder &b, Location loc, Type floatType, unsigned rank,
              SmallVectorImpl<Value> &inputs,
              SmallVectorImpl<AffineMap> &maps) {
    std::optional<int32_t> axis = getQuantizedAxis(qtype);
    if (!axis)
      return;
    auto per = cast<quant::UniformQuantizedPerAxisType>(qtype);
    firstArg = inputs.size();
    int64_t size = per.getScales().size();
    SmallVector<double> scales(per.getScales());
    SmallVector<APFloat> scaleValues;
    for (double s : scales) {
      APFloat f(s);
      bool lost;
      f.convert(cast<FloatType>(floatType).getFloatSemantics(),
                APFloat::rmNearestTiesToEven, &lost);
      scaleValues.push_back(f);
    }
    inputs.push_back(arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({size}, floatType),
                               scaleValues)));
    SmallVector<int64_t> zps(per.getZeroPoints());
    inputs.push_back(arith::ConstantOp::create(
        b, loc,
        DenseIntElementsAttr::get(RankedTensorType::get({size}, b.getI64Type()),
                                  zps)));
    AffineMap channel = AffineMap::get(
        rank, 0, getAffineDimExpr(*axis, b.getContext()), b.getContext());
    maps.append({channel, channel});
  }
  std::pair<Value, Value> scaleAndZp(Arith &a, Type floatType,
                                     ValueRange args) const {
    if (firstArg >= 0)
      return {args[firstArg], args[firstArg + 1]};
    auto uniform = cast<quant::UniformQuantizedType>(qtype);
    return {a.cf(uniform.getScale(), floatType), a.c(uniform.getZeroPoint())};
  }
};

/// The float of type `ft` nearest to the integer `v` on the side of zero.
Value boundTowardZero(OpBuilder &b, Location loc, int64_t v, Type ft) {
  APFloat f(cast<FloatType>(ft).getFloatSemantics());
  f.convertFromAPInt(APInt(64, v, /*isSigned=*/true), /*IsSigned=*/true,
                     APFloat::rmTowardZero);
  return arith::ConstantOp::create(b, loc, ft, b.getFloatAttr(ft, f));
}

struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getOutput().getType();
    auto qtype = cast<quant::QuantizedType>(type.getElementType());
    IntegerType storage = getStorageIntegerType(qtype);
    Type ft = op.getInput().getType().getElementType();
    SmallVector<Value> inputs{adaptor.getInput()};
    SmallVector<AffineMap> maps{
        rewriter.getMultiDimIdentityMap(type.getRank())};
    QuantParams params{qtype};
    params.append(rewriter, loc, ft, type.getRank(), inputs, maps);
    int64_t qmin = qtype.getStorageTypeMin(), qmax = qtype.getStorageTypeMax();
    Value result = elementwise(
        rewriter, loc, type.clone(storage), inputs, maps,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Arith a{b, l};
          auto [scale, zp] = params.scaleAndZp(a, ft, args);
          Value r = math::RoundEvenOp::create(
              b, l, arith::DivFOp::create(b, l, args[0], scale));
          r = arith::AddFOp::create(b, l, r,
                                    arith::SIToFPOp::create(b, l, ft, zp));
          // Clamp in float so huge values and infinities convert safely;
          // the bounds are rounded towards zero so that fptosi of them
          // stays in range (2^31 - 1 is not an f32, 32767 not an f16).
          r = arith::MaxNumFOp::create(b, l, r,
                                       boundTowardZero(b, l, qmin, ft));
          r = arith::MinNumFOp::create(b, l, r,
                                       boundTowardZero(b, l, qmax, ft));
          return arith::FPToSIOp::create(b, l, storage, r).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getOutput().getType();
    auto qtype =
        cast<quant::QuantizedType>(op.getInput().getType().getElementType());
    Type ft = type.getElementType();
    SmallVector<Value> inputs{adaptor.getInput()};
    SmallVector<AffineMap> maps{
        rewriter.getMultiDimIdentityMap(type.getRank())};
    QuantParams params{qtype};
    params.append(rewriter, loc, ft, type.getRank(), inputs, maps);
    Value result =
        elementwise(rewriter, loc, type, inputs, maps,
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      Arith a{b, l};
                      auto [scale, zp] = params.scaleAndZp(a, ft, args);
                      Value v = arith::SIToFPOp::create(
                          b, l, ft, a.sub(a.ext(args[0]), zp));
                      return arith::MulFOp::create(b, l, v, scale).getResult();
                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// quant.scast between a quantized type and its storage: after type
/// conversion both sides are the storage type.
struct StorageCastLowering : OpConversionPattern<quant::StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(quant::StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type target = getTypeConverter()->convertType(op.getType());
    if (adaptor.getInput().getType() != target)
      return rewriter.notifyMatchFailure(op, "not a storage cast");
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Float-semantic ops on float tensors (FP32 models)
//===----------------------------------------------------------------------===//

/// Rejects the float-semantic ops on quantized tensors, which need the
/// integer legalisation first.
template <typename Op>
LogicalResult requireFloat(Op op, ConversionPatternRewriter &rewriter) {
  if (isa<FloatType>(op.getOutput().getType().getElementType()) &&
      isa<FloatType>(op.getInput().getType().getElementType()))
    return success();
  return op.emitOpError("on quantized tensors must be legalised to its "
                        "integer form first (vitq-legalize-nonlinear)");
}

/// Reduces the last dimension of float `input` (rank >= 1) with `combine`.
Value reduceRowsF(
    OpBuilder &b, Location loc, ValueRange inputs, ArrayRef<AffineMap> maps,
    RankedTensorType full, double initValue,
    function_ref<Value(OpBuilder &, Location, ValueRange, Value)> combine) {
  unsigned rank = full.getRank();
  Type ft = full.getElementType();
  SmallVector<int64_t> rows(full.getShape().drop_back());
  auto rowType = RankedTensorType::get(rows, ft);
  Value init = filled(b, loc, rows, ft, b.getFloatAttr(ft, initValue));
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  iterators.back() = IteratorType::reduction;
  return generic(
      b, loc, rowType, inputs, maps, iterators, rowMap(b.getContext(), rank),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return combine(nb, nl, args.drop_back(), args.back());
      },
      init);
}

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireFloat(op, rewriter)))
      return failure();
    RankedTensorType type = op.getOutput().getType();
    unsigned rank = type.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    if (axis != rank - 1)
      return op.emitOpError("lowering supports the last axis only");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank),
              row = rowMap(ctx, rank);
    Value x = adaptor.getInput();
    Value rowMax = reduceRowsF(
        rewriter, loc, {x}, {id}, type, -INFINITY,
        [](OpBuilder &b, Location l, ValueRange in, Value acc) -> Value {
          return arith::MaximumFOp::create(b, l, acc, in[0]);
        });
    Value e = elementwise(rewriter, loc, type, {x, rowMax}, {id, row},
                          [](OpBuilder &b, Location l, ValueRange a) -> Value {
                            return math::ExpOp::create(
                                b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                          });
    Value sum = reduceRowsF(
        rewriter, loc, {e}, {id}, type, 0.0,
        [](OpBuilder &b, Location l, ValueRange in, Value acc) -> Value {
          return arith::AddFOp::create(b, l, acc, in[0]);
        });
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, type, {e, sum}, {id, row},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::DivFOp::create(b, l, a[0], a[1]);
                        }));
    return success();
  }
};

struct GeluLowering : OpConversionPattern<GeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GeluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireFloat(op, rewriter)))
      return failure();
    RankedTensorType type = op.getOutput().getType();
    bool tanh = op.getApproximate() == "tanh";
    rewriter.replaceOp(
        op, elementwise(
                rewriter, op.getLoc(), type, {adaptor.getInput()},
                {rewriter.getMultiDimIdentityMap(type.getRank())},
                [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                  Arith a{b, l};
                  Type ft = type.getElementType();
                  Value x = args[0];
                  Value inner;
                  if (tanh) {
                    // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
                    Value x3 = arith::MulFOp::create(
                        b, l, x, arith::MulFOp::create(b, l, x, x));
                    Value poly = arith::AddFOp::create(
                        b, l, x,
                        arith::MulFOp::create(b, l, a.cf(0.044715, ft), x3));
                    inner = math::TanhOp::create(
                        b, l,
                        arith::MulFOp::create(
                            b, l, a.cf(0.7978845608028654, ft), poly));
                  } else {
                    inner = math::ErfOp::create(
                        b, l,
                        arith::MulFOp::create(b, l, x,
                                              a.cf(0.7071067811865476, ft)));
                  }
                  Value half = arith::MulFOp::create(b, l, x, a.cf(0.5, ft));
                  return arith::MulFOp::create(
                      b, l, half,
                      arith::AddFOp::create(b, l, inner, a.cf(1.0, ft)));
                }));
    return success();
  }
};

struct ActivationLowering : OpConversionPattern<ActivationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ActivationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireFloat(op, rewriter)))
      return failure();
    RankedTensorType type = op.getOutput().getType();
    StringRef kind = op.getKind();
    double alpha =
        kind == "hard_sigmoid" ? op.getAlpha().convertToDouble() : 1.0 / 6.0;
    double beta = kind == "hard_sigmoid" ? op.getBeta().convertToDouble() : 0.5;
    rewriter.replaceOp(
        op, elementwise(
                rewriter, op.getLoc(), type, {adaptor.getInput()},
                {rewriter.getMultiDimIdentityMap(type.getRank())},
                [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                  Arith a{b, l};
                  Type ft = type.getElementType();
                  Value x = args[0];
                  if (kind == "relu")
                    return arith::MaximumFOp::create(b, l, x, a.cf(0.0, ft));
                  if (kind == "sigmoid" || kind == "silu") {
                    Value e = math::ExpOp::create(
                        b, l, arith::NegFOp::create(b, l, x));
                    Value d = arith::AddFOp::create(b, l, a.cf(1.0, ft), e);
                    return arith::DivFOp::create(
                        b, l, kind == "silu" ? x : a.cf(1.0, ft), d);
                  }
                  Value v = arith::AddFOp::create(
                      b, l, arith::MulFOp::create(b, l, x, a.cf(alpha, ft)),
                      a.cf(beta, ft));
                  v = arith::MinimumFOp::create(
                      b, l, arith::MaximumFOp::create(b, l, v, a.cf(0.0, ft)),
                      a.cf(1.0, ft));
                  return kind == "hard_swish"
                             ? arith::MulFOp::create(b, l, x, v).getResult()
                             : v;
                }));
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireFloat(op, rewriter)))
      return failure();
    RankedTensorType type = op.getOutput().getType();
    unsigned rank = type.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    if (axis != rank - 1 || op.getGamma().getType().getRank() != 1)
      return op.emitOpError("lowering supports normalising the last axis only");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Type ft = type.getElementType();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank),
              row = rowMap(ctx, rank);
    AffineMap rowId = rewriter.getMultiDimIdentityMap(rank - 1);
    double count = type.getDimSize(rank - 1);
    Value x = adaptor.getInput();
    auto addF = [](OpBuilder &b, Location l, Value acc, Value v) -> Value {
      return arith::AddFOp::create(b, l, acc, v);
    };
    Value sum = reduceRowsF(rewriter, loc, {x}, {id}, type, 0.0,
                            [&](OpBuilder &b, Location l, ValueRange in,
                                Value acc) { return addF(b, l, acc, in[0]); });
    auto rowType = cast<RankedTensorType>(sum.getType());
    auto divideByCount = [&](Value rows) {
      return elementwise(rewriter, loc, rowType, {rows}, {rowId},
                         [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                           Arith ar{b, l};
                           return arith::DivFOp::create(b, l, a[0],
                                                        ar.cf(count, ft));
                         });
    };
    Value mean = divideByCount(sum);
    Value sq =
        reduceRowsF(rewriter, loc, {x, mean}, {id, row}, type, 0.0,
                    [&](OpBuilder &b, Location l, ValueRange in, Value acc) {
                      Value d = arith::SubFOp::create(b, l, in[0], in[1]);
                      return addF(b, l, acc, arith::MulFOp::create(b, l, d, d));
                    });
    Value var = divideByCount(sq);
    double eps = op.getEpsilon().convertToDouble();
    AffineMap channel = lastDimMap(ctx, rank);
    rewriter.replaceOp(
        op, elementwise(
                rewriter, loc, type,
                {x, mean, var, adaptor.getGamma(), adaptor.getBeta()},
                {id, row, row, channel, channel},
                [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                  Arith ar{b, l};
                  Value inv = math::RsqrtOp::create(
                      b, l, arith::AddFOp::create(b, l, a[2], ar.cf(eps, ft)));
                  Value n = arith::MulFOp::create(
                      b, l, arith::SubFOp::create(b, l, a[0], a[1]), inv);
                  return arith::AddFOp::create(
                      b, l, arith::MulFOp::create(b, l, n, a[3]), a[4]);
                }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

/// Quantized tensors become tensors of their storage integers.
struct StorageTypeConverter : TypeConverter {
  StorageTypeConverter() {
    addConversion([](Type t) { return t; });
    addConversion([](quant::QuantizedType t) -> Type {
      return getStorageIntegerType(t);
    });
    addConversion([this](RankedTensorType t) -> Type {
      return t.clone(convertType(t.getElementType()));
    });
  }
};

/// The lowering builds static-shaped tensors throughout; a dynamic dimension
/// on a vitq op is reported instead of producing invalid IR.
LogicalResult checkStaticShapes(Operation *root) {
  WalkResult result = root->walk([](Operation *op) {
    if (!isa_and_nonnull<VitqDialect>(op->getDialect()))
      return WalkResult::advance();
    auto dynamic = [](Type t) {
      auto shaped = dyn_cast<ShapedType>(t);
      return shaped && !shaped.hasStaticShape();
    };
    if (llvm::any_of(op->getOperandTypes(), dynamic) ||
        llvm::any_of(op->getResultTypes(), dynamic)) {
      op->emitOpError("has a dynamic shape; the lowering needs static shapes");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

struct ConvertVitqToLinalgPass
    : vitq::impl::ConvertVitqToLinalgBase<ConvertVitqToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (failed(checkStaticShapes(getOperation())))
      return signalPassFailure();
    // What each vitq op lowers to keeps the op's name in its location
    // (metadata of a fused location), for the per-layer profile.
    getOperation()->walk([&](Operation *op) {
      if (isa<VitqDialect>(op->getDialect()))
        op->setLoc(
            FusedLoc::get(ctx, {op->getLoc()},
                          StringAttr::get(ctx, op->getName().getStringRef())));
    });
    StorageTypeConverter converter;
    RewritePatternSet patterns(ctx);
    patterns
        .add<RequantizeLowering, AddLowering, MatmulLowering, LinearLowering,
             Conv2DLowering, ShiftmaxLowering, TablemaxLowering,
             ShiftGeluLowering, ILayerNormLowering, QuantizeLowering,
             DequantizeLowering, StorageCastLowering, SoftmaxLowering,
             GeluLowering, LayerNormLowering, ActivationLowering,
             LookupLowering, ReduceSumLowering, ResizeLowering, AffineLowering,
             AvgPool2DLowering, ProductLowering<MulOp>, ProductLowering<DivOp>>(
            converter, ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);

    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    target.addIllegalDialect<VitqDialect>();
    // On plain integers already, it becomes a kernel call after
    // bufferisation (vitq-lower-kernel-calls).
    target.addLegalOp<PackedLinearOp, KernelMatmulOp>();
    target.addIllegalOp<quant::StorageCastOp>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return converter.isLegal(op); });
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
