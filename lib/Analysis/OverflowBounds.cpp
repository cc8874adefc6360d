//===- OverflowBounds.cpp - Ranges of integer intermediates ---------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Each op's bounds follow its semantics as written in VitqOps.td and
// docs/integer-semantics.md, step by step, in interval arithmetic. The
// reduction bounds are sound for every partial sum, in any order: a sum of K
// terms each in [l, h] stays inside [K * min(l, 0), K * max(h, 0)].
//
//===----------------------------------------------------------------------===//

#include "vitq/Analysis/OverflowBounds.h"

#include "vitq/Dialect/Vitq/VitqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/ADT/bit.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::vitq;

using Wide = __int128;

//===----------------------------------------------------------------------===//
// IntRange
//===----------------------------------------------------------------------===//

bool IntRange::fitsSigned(unsigned bits) const {
  Wide max = (Wide(1) << (bits - 1)) - 1;
  return lo >= -max - 1 && hi <= max;
}

IntRange IntRange::ofWidth(unsigned bits, bool isUnsigned) {
  if (isUnsigned)
    return {0, (Wide(1) << bits) - 1};
  return {-(Wide(1) << (bits - 1)), (Wide(1) << (bits - 1)) - 1};
}

static std::string toString(Wide v) {
  auto bits = static_cast<unsigned __int128>(v);
  uint64_t words[] = {static_cast<uint64_t>(bits),
                      static_cast<uint64_t>(bits >> 64)};
  return llvm::toString(APInt(128, words), /*Radix=*/10, /*Signed=*/true);
}

std::string IntRange::str() const {
  return "[" + toString(lo) + ", " + toString(hi) + "]";
}

/// Bounds beyond 2^90 are clamped there: such a bound overflows any
/// register anyway, and clamping keeps products of a bound with a 32-bit
/// constant, or of two 16-bit-range operands, inside 128 bits.
static constexpr Wide kClamp = Wide(1) << 90;

static Wide clamp(Wide v) { return std::clamp(v, -kClamp, kClamp); }

static IntRange make(Wide lo, Wide hi) { return {clamp(lo), clamp(hi)}; }
static IntRange point(Wide v) { return make(v, v); }
static IntRange add(IntRange a, IntRange b) {
  return make(a.lo + b.lo, a.hi + b.hi);
}
static IntRange sub(IntRange a, IntRange b) {
  return make(a.lo - b.hi, a.hi - b.lo);
}
static IntRange unite(IntRange a, IntRange b) {
  return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)};
}
static IntRange mul(IntRange a, IntRange b) {
  Wide c[] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
  return make(*std::min_element(c, c + 4), *std::max_element(c, c + 4));
}
/// Floor division by 2^k (an arithmetic right shift) is monotone.
static IntRange shr(IntRange a, int64_t k) { return {a.lo >> k, a.hi >> k}; }
/// Every partial sum of `count` terms in `term`; a dynamic count is
/// unbounded.
static IntRange sumOf(IntRange term, int64_t count) {
  if (ShapedType::isDynamic(count))
    return make(-kClamp, kClamp);
  return make(Wide(count) * std::min<Wide>(term.lo, 0),
              Wide(count) * std::max<Wide>(term.hi, 0));
}

static std::string lengthStr(int64_t n) {
  return ShapedType::isDynamic(n) ? "?" : std::to_string(n);
}

/// The storage range of an integer or quantized element type.
static IntRange elementRange(Type type) {
  type = getElementTypeOrSelf(type);
  if (auto quantized = dyn_cast<quant::QuantizedType>(type))
    return {quantized.getStorageTypeMin(), quantized.getStorageTypeMax()};
  if (auto integer = dyn_cast<IntegerType>(type))
    return IntRange::ofWidth(integer.getWidth(), integer.isUnsigned());
  return IntRange::ofWidth(64);
}

/// Constants with more elements than this are bounded by their type alone:
/// scanning them would cost more than any real model's weights.
static constexpr int64_t kMaxScannedElements = int64_t(1) << 26;

/// The integer constant `value` if it is one (splats included).
static ElementsAttr constantAttr(Value value) {
  ElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return {};
  return attr;
}

/// The value of a splat integer constant.
static std::optional<int64_t> splatValue(Value value) {
  auto dense = dyn_cast_if_present<DenseIntElementsAttr>(constantAttr(value));
  if (!dense || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APInt>().getSExtValue();
}

/// Calls `fn` on each element of a non-splat integer constant of at most
/// kMaxScannedElements elements, in row-major order; false (and no call)
/// for anything else: a splat, a sparse constant, a resource blob missing
/// or of the wrong size.
template <typename Fn> static bool visitScanned(Value value, Fn &&fn) {
  ElementsAttr attr = constantAttr(value);
  if (!attr || splatValue(value))
    return false;
  auto type = cast<ShapedType>(attr.getType());
  if (!type.hasStaticShape() || type.getNumElements() > kMaxScannedElements)
    return false;
  auto visit = [&](auto data) {
    if (!data || static_cast<int64_t>(data->size()) != type.getNumElements())
      return false;
    for (auto v : *data)
      fn(static_cast<int64_t>(v));
    return true;
  };
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    for (const APInt &v : dense.getValues<APInt>())
      fn(v.getSExtValue());
    return true;
  }
  if (auto blob = dyn_cast<DenseI8ResourceElementsAttr>(attr))
    return visit(blob.tryGetAsArrayRef());
  if (auto blob = dyn_cast<DenseI16ResourceElementsAttr>(attr))
    return visit(blob.tryGetAsArrayRef());
  if (auto blob = dyn_cast<DenseI32ResourceElementsAttr>(attr))
    return visit(blob.tryGetAsArrayRef());
  return false;
}

/// Ops that only move or reinterpret elements.
static bool movesData(Operation *op) {
  return isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
             tensor::ExtractSliceOp, tensor::InsertSliceOp, tensor::ReshapeOp,
             tensor::CastOp, tensor::ConcatOp, linalg::TransposeOp,
             linalg::BroadcastOp, quant::StorageCastOp>(op);
}

//===----------------------------------------------------------------------===//
// ValueRanges
//===----------------------------------------------------------------------===//

IntRange ValueRanges::get(Value value) { return get(value, 0); }

IntRange ValueRanges::get(Value value, unsigned depth) {
  auto it = cache.find(value);
  if (it != cache.end())
    return it->second;
  IntRange range = elementRange(value.getType());
  Operation *def = value.getDefiningOp();
  std::optional<IntRange> exact;
  auto extend = [&](int64_t v) {
    exact = exact ? unite(*exact, point(v)) : point(v);
  };
  if (std::optional<int64_t> splat = splatValue(value)) {
    range = point(*splat);
  } else if (visitScanned(value, extend)) {
    if (exact)
      range = *exact;
  } else if (isa_and_present<ShiftmaxOp, TablemaxOp>(def)) {
    // Probabilities in [0, 1] at scale 2^-(w - 1), saturated.
    range.lo = 0;
  } else if (def && movesData(def) && depth < kMaxDepth) {
    std::optional<IntRange> sources;
    for (Value operand : def->getOperands()) {
      if (getElementTypeOrSelf(operand.getType()) !=
              getElementTypeOrSelf(value.getType()) &&
          !isa<quant::StorageCastOp>(def))
        continue;
      IntRange r = get(operand, depth + 1);
      sources = sources ? unite(*sources, r) : r;
    }
    if (sources)
      range = *sources;
  }
  cache[value] = range;
  return range;
}

//===----------------------------------------------------------------------===//
// Per-op intermediates
//===----------------------------------------------------------------------===//

using Bounds = SmallVector<IntermediateBound>;

/// Appends an intermediate and returns its range, for chaining.
static IntRange note(Bounds &out, StringRef what, IntRange range,
                     unsigned width, const std::string &why) {
  out.push_back({what.str(), why, range, width});
  return range;
}

namespace {
/// The contraction `sum_k a_k * (w_k - wZp)` (+ bias) into int32, with the
/// weights constant or bounded by their range. For constant weights the
/// bound is per output column: flat weight index `i` belongs to column
/// `(i / stride) % columns`.
struct Contraction {
  IntRange a;          // x - x_zp
  Value weight;        // int8 weights
  int64_t wZp = 0;     // weight zero point
  int64_t k = 0;       // products per output (dynamic: unbounded)
  int64_t columns = 0; // 0: no per-column layout
  int64_t stride = 1;
  Value bias = {}; // optional int32 bias per column
};
} // namespace

/// Bias values per column: empty when absent, not a scannable constant or
/// not one per column (the bias's range then bounds every column).
static SmallVector<int64_t> biasPerColumn(Value bias, int64_t columns) {
  SmallVector<int64_t> values;
  if (!bias || !visitScanned(bias, [&](int64_t v) { values.push_back(v); }) ||
      static_cast<int64_t>(values.size()) != columns)
    return {};
  return values;
}

/// Per-column bounds of every partial sum of a constant-weight contraction
/// (the sums of each column's negative and of its positive extreme terms),
/// or empty when the weights are not a scannable constant of K * columns
/// elements.
static SmallVector<IntRange> columnSums(const Contraction &c) {
  int64_t count;
  if (c.columns <= 0 || ShapedType::isDynamic(c.k) ||
      llvm::MulOverflow(c.k, c.columns, count) ||
      count != cast<ShapedType>(c.weight.getType()).getNumElements())
    return {};
  SmallVector<IntRange> sums(c.columns, point(0));
  int64_t i = 0;
  bool scanned = visitScanned(c.weight, [&](int64_t v) {
    Wide d = Wide(v) - c.wZp;
    Wide p = c.a.lo * d, q = c.a.hi * d;
    IntRange &sum = sums[(i++ / c.stride) % c.columns];
    sum.lo += std::min<Wide>(std::min(p, q), 0);
    sum.hi += std::max<Wide>(std::max(p, q), 0);
  });
  if (!scanned)
    return {};
  return sums;
}

/// Appends the product, sum and accumulator bounds of `c`; returns the
/// accumulator's range.
static IntRange boundContraction(Bounds &out, ValueRanges &ranges,
                                 const Contraction &c) {
  IntRange w = sub(ranges.get(c.weight), point(c.wZp));
  IntRange product = mul(c.a, w);
  note(out, "int32 product (x - x_zp) * (w - w_zp)", product, 32,
       "x - x_zp in " + c.a.str() + ", w - w_zp in " + w.str());
  IntRange biasRange = c.bias ? ranges.get(c.bias) : point(0);
  // Per output column with constant weights, else one bound for all.
  SmallVector<IntRange> sums = columnSums(c);
  bool perColumn = !sums.empty();
  std::string why = "K = " + lengthStr(c.k);
  if (perColumn) {
    why += " products per output with the constant weights' column sums";
  } else {
    sums.push_back(sumOf(product, c.k));
    why += " products in " + product.str();
  }
  // The sum is reduced in int32 before the bias joins it in some lowerings,
  // so it must fit on its own too.
  IntRange sum = sums.front();
  for (IntRange r : sums)
    sum = unite(sum, r);
  note(out, "int32 sum of products", sum, 32, why);
  if (!c.bias)
    return sum;
  SmallVector<int64_t> bias =
      perColumn ? biasPerColumn(c.bias, c.columns) : SmallVector<int64_t>();
  std::optional<IntRange> acc;
  for (auto [col, r] : llvm::enumerate(sums)) {
    IntRange withBias = add(r, bias.empty() ? biasRange : point(bias[col]));
    acc = acc ? unite(*acc, withBias) : withBias;
  }
  return note(out, "int32 accumulator plus bias", *acc, 32,
              perColumn ? why + ", plus each column's bias"
                        : "bias in " + biasRange.str());
}

/// Appends the 64-bit steps of the dyadic factors `multipliers[i] /
/// 2^shifts[i]` applied to `v` (then `+ offset`) and returns the result's
/// range before saturation.
static IntRange boundRescale(Bounds &out, ArrayRef<int32_t> multipliers,
                             ArrayRef<int32_t> shifts, IntRange v,
                             IntRange offset) {
  std::optional<IntRange> scaled, result;
  for (auto [m, s] : llvm::zip(multipliers, shifts)) {
    Wide round = s > 0 ? Wide(1) << (s - 1) : 0;
    IntRange r = add(mul(v, point(m)), point(round));
    scaled = scaled ? unite(*scaled, r) : r;
    IntRange shifted = shr(r, s);
    result = result ? unite(*result, shifted) : shifted;
  }
  note(out, "int64 rescale product x * multiplier + rounding", *scaled, 64,
       "x in " + v.str() + ", " + std::to_string(multipliers.size()) +
           " multiplier/shift pair(s)");
  return note(out, "int64 rescaled value plus offset", add(*result, offset), 64,
              "offset in " + offset.str());
}

static IntRange boundRescale(Bounds &out, RescaleAttr rescale, IntRange v,
                             IntRange offset) {
  return boundRescale(out, rescale.getMultipliers(), rescale.getShifts(), v,
                      offset);
}

/// I-ViT's shift exponential of `d` in [d.lo, 0] (docs/integer-semantics.md);
/// appends its steps and returns the range of the exponential.
static IntRange boundShiftExp(Bounds &out, StringRef name, IntRange d,
                              int64_t x0, int64_t n) {
  // u = d + (d >> 1) - (d >> 4) <= 1.4375 d + 15/16, so u <= 0; the clamp
  // at n * x0 bounds it below.
  IntRange u = sub(add(d, shr(d, 1)), shr(d, 4));
  note(out, ("int64 " + name + ": x * log2(e)").str(), u, 64,
       "x in " + d.str());
  u = {std::max<Wide>(u.lo, Wide(n) * x0), 0};
  // q = floor(u / x0) in [0, n], r = u - q * x0 in (x0, 0]: e is the
  // mantissa in (|x0| / 2, |x0|] shifted left by n - q <= n.
  IntRange mantissa = make(((Wide(x0) + 1) >> 1) - x0, -Wide(x0));
  return note(out, ("int64 " + name + ": shifted exponential").str(),
              {mantissa.lo, mantissa.hi << n}, 64,
              "mantissa in " + mantissa.str() + " shifted by up to " +
                  std::to_string(n));
}

/// The contraction of a linear or conv2d and its optional fused rescale.
static void boundAccumulation(Bounds &out, ValueRanges &ranges,
                              const Contraction &c, RescaleAttr rescale,
                              int64_t outputZp) {
  IntRange acc = boundContraction(out, ranges, c);
  if (rescale)
    boundRescale(out, rescale, acc, point(outputZp));
}

static int64_t lastDim(Value v) {
  auto type = cast<ShapedType>(v.getType());
  return type.getDimSize(type.getRank() - 1);
}

/// The product of `dims`, or kDynamic if one is dynamic (the static
/// dimensions of a verified tensor type fit 64 bits only as a product that
/// MLIR computed; a dynamic one makes the reduction unbounded).
static int64_t product(ArrayRef<int64_t> dims) {
  int64_t result = 1;
  for (int64_t d : dims)
    if (ShapedType::isDynamic(d) || llvm::MulOverflow(result, d, result))
      return ShapedType::kDynamic;
  return result;
}

static Bounds boundMatmul(MatmulOp op, ValueRanges &ranges) {
  Bounds out;
  auto rhs = cast<RankedTensorType>(op.getRhs().getType());
  int64_t rank = rhs.getRank();
  bool transposed = op.getTransposeRhs();
  int64_t k = rhs.getDimSize(transposed ? rank - 1 : rank - 2);
  int64_t n = rhs.getDimSize(transposed ? rank - 2 : rank - 1);
  IntRange a = sub(ranges.get(op.getLhs()), point(op.getLhsZp()));
  note(out, "int32 operand x - x_zp", a, 32,
       "x_zp = " + std::to_string(op.getLhsZp()));
  Contraction c{a, op.getRhs(), op.getRhsZp(), k};
  // A shared constant [K, N] (or [N, K]) matrix: per-column sums.
  if (rank == 2 && !ShapedType::isDynamic(n)) {
    c.columns = n;
    c.stride = transposed ? k : 1;
  }
  boundContraction(out, ranges, c);
  return out;
}

static Bounds boundLinear(LinearOp op, ValueRanges &ranges) {
  Bounds out;
  auto weight = cast<RankedTensorType>(op.getWeight().getType());
  bool transposed = op.getTransposeWeight();
  int64_t k = weight.getDimSize(transposed ? 1 : 0);
  int64_t n = weight.getDimSize(transposed ? 0 : 1);
  IntRange a = sub(ranges.get(op.getInput()), point(op.getInputZp()));
  note(out, "int32 operand x - x_zp", a, 32,
       "x_zp = " + std::to_string(op.getInputZp()));
  Contraction c{a, op.getWeight(), 0, k};
  c.bias = op.getBias();
  if (!ShapedType::isDynamic(n)) {
    c.columns = n;
    c.stride = transposed ? k : 1;
  }
  boundAccumulation(out, ranges, c, op.getRescaleAttr(), op.getOutputZp());
  return out;
}

static Bounds boundConv(Conv2DOp op, ValueRanges &ranges) {
  Bounds out;
  auto weight = cast<RankedTensorType>(op.getWeight().getType());
  // Each output sums C/groups * KH * KW products.
  int64_t k = product(weight.getShape().drop_front());
  int64_t outChannels = weight.getDimSize(0);
  // Padding positions hold x_zp: their terms are 0.
  IntRange a =
      unite(sub(ranges.get(op.getInput()), point(op.getInputZp())), point(0));
  note(out, "int32 operand x - x_zp", a, 32,
       "x_zp = " + std::to_string(op.getInputZp()) + ", padding gives 0");
  Contraction c{a, op.getWeight(), 0, k};
  c.bias = op.getBias();
  if (!ShapedType::isDynamic(outChannels) && !ShapedType::isDynamic(k)) {
    c.columns = outChannels;
    c.stride = std::max<int64_t>(k, 1);
  }
  boundAccumulation(out, ranges, c, op.getRescaleAttr(), op.getOutputZp());
  return out;
}

/// Appends `input - input_zp`, computed in 64 bits.
static IntRange boundInputMinusZp(Bounds &out, ValueRanges &ranges, Value input,
                                  int64_t zp) {
  return note(out, "int64 x - input_zp", sub(ranges.get(input), point(zp)), 64,
              "input_zp = " + std::to_string(zp));
}

static Bounds boundRequantize(RequantizeOp op, ValueRanges &ranges) {
  Bounds out;
  IntRange x = boundInputMinusZp(out, ranges, op.getInput(), op.getInputZp());
  boundRescale(out, op.getRescale(), x, point(op.getOutputZp()));
  return out;
}

static Bounds boundAdd(AddOp op, ValueRanges &ranges) {
  Bounds out;
  IntRange l = note(out, "int64 lhs term (lhs - lhs_zp) * lhs_multiplier",
                    mul(sub(ranges.get(op.getLhs()), point(op.getLhsZp())),
                        point(op.getLhsMultiplier())),
                    64, "lhs in " + ranges.get(op.getLhs()).str());
  IntRange r = note(out, "int64 rhs term (rhs - rhs_zp) * rhs_multiplier",
                    mul(sub(ranges.get(op.getRhs()), point(op.getRhsZp())),
                        point(op.getRhsMultiplier())),
                    64, "rhs in " + ranges.get(op.getRhs()).str());
  int64_t shift = op.getShift();
  IntRange sum =
      note(out, "int64 sum of the terms plus rounding",
           add(add(l, r), point(shift > 0 ? Wide(1) << (shift - 1) : Wide(0))),
           64, "shift = " + std::to_string(shift));
  note(out, "int64 shifted sum plus output_zp",
       add(shr(sum, shift), point(op.getOutputZp())), 64,
       "output_zp = " + std::to_string(op.getOutputZp()));
  return out;
}

static Bounds boundAffine(AffineOp op, ValueRanges &ranges) {
  Bounds out;
  IntRange x = boundInputMinusZp(out, ranges, op.getInput(), op.getInputZp());
  ArrayRef<int32_t> bias = op.getBias();
  boundRescale(out, op.getRescale(), x,
               make(*llvm::min_element(bias), *llvm::max_element(bias)));
  return out;
}

static Bounds boundReduceSum(ReduceSumOp op, ValueRanges &ranges) {
  Bounds out;
  auto type = cast<ShapedType>(op.getInput().getType());
  SmallVector<int64_t> reduced;
  for (int64_t d : op.getDims())
    reduced.push_back(type.getDimSize(d));
  int64_t count = product(reduced);
  IntRange x = note(out, "int32 x - input_zp",
                    sub(ranges.get(op.getInput()), point(op.getInputZp())), 32,
                    "input_zp = " + std::to_string(op.getInputZp()));
  note(out, "int32 sum of x - input_zp", sumOf(x, count), 32,
       lengthStr(count) + " elements");
  return out;
}

static Bounds boundResize(ResizeOp op, ValueRanges &ranges) {
  Bounds out;
  IntRange x = note(out, "int32 x - input_zp",
                    sub(ranges.get(op.getInput()), point(op.getInputZp())), 32,
                    "input_zp = " + std::to_string(op.getInputZp()));
  Wide magnitude = std::max(-x.lo, x.hi);
  Wide rows = op.largestRowSum(), columns = op.largestColumnSum();
  note(out, "int32 sum along the rows",
       make(-rows * magnitude, rows * magnitude), 32,
       "row weights' absolute sums at most " + toString(rows));
  note(out, "int32 sum along the columns",
       make(-rows * columns * magnitude, rows * columns * magnitude), 32,
       "column weights' absolute sums at most " + toString(columns));
  return out;
}

static Bounds boundAvgPool(AvgPool2DOp op, ValueRanges &ranges) {
  Bounds out;
  // Windows over the input padded with its zero point, summed in int32.
  int64_t window = op.getKernel()[0] * op.getKernel()[1];
  int64_t zp = op.getInputZp();
  IntRange sum =
      note(out, "int32 window sum",
           sumOf(unite(ranges.get(op.getInput()), point(zp)), window), 32,
           lengthStr(window) +
               " elements, padding at input_zp = " + std::to_string(zp));
  IntRange centred = note(out, "int64 window sum - K * input_zp",
                          sub(sum, point(Wide(window) * zp)), 64, "");
  boundRescale(out, op.getMultipliers(), op.getShifts(), centred,
               point(op.getOutputZp()));
  return out;
}

/// The centred operands of vitq.mul / vitq.div.
template <typename Op>
static std::pair<IntRange, IntRange> boundProductOperands(Bounds &out, Op op,
                                                          ValueRanges &ranges) {
  return {boundInputMinusZp(out, ranges, op.getLhs(), op.getLhsZp()),
          boundInputMinusZp(out, ranges, op.getRhs(), op.getRhsZp())};
}

static Bounds boundMul(MulOp op, ValueRanges &ranges) {
  Bounds out;
  auto [x, y] = boundProductOperands(out, op, ranges);
  IntRange p = note(out, "int64 product (lhs - lhs_zp) * (rhs - rhs_zp)",
                    mul(x, y), 64, "");
  boundRescale(out, op.getRescale(), p, point(op.getOutputZp()));
  return out;
}

static Bounds boundDiv(DivOp op, ValueRanges &ranges) {
  Bounds out;
  auto [x, y] = boundProductOperands(out, op, ranges);
  int32_t m = op.getRescale().getMultipliers()[0];
  IntRange n = note(out, "int64 numerator (lhs - lhs_zp) * multiplier",
                    mul(x, point(m)), 64, "");
  // |floor(n / d)| <= |n| for |d| >= 1 (a zero divisor is replaced).
  Wide bound = std::max(-n.lo, n.hi);
  int32_t one = 1;
  boundRescale(out, ArrayRef<int32_t>(one), op.getRescale().getShifts(),
               make(-bound, bound), point(op.getOutputZp()));
  return out;
}

static Bounds boundShiftmax(ShiftmaxOp op, ValueRanges &ranges) {
  Bounds out;
  IntRange x = ranges.get(op.getInput());
  IntRange d = note(out, "int64 x - max(x)", make(x.lo - x.hi, 0), 64,
                    "x in " + x.str());
  int64_t length = lastDim(op.getInput());
  IntRange e = boundShiftExp(out, "exp", d, op.getX0(), op.getExpShift());
  // The row's maximum has exponent |x0| << n, so sum >= e for every e:
  // e * floor(2^62 / sum) <= 2^62.
  note(out, "int64 row sum of exponentials", sumOf(e, length), 64,
       lengthStr(length) + " exponentials in " + e.str());
  note(out, "int64 e * floor(2^62 / sum)", make(0, Wide(1) << 62), 64,
       "every e is at most the row sum");
  return out;
}

static Bounds boundTablemax(TablemaxOp op) {
  Bounds out;
  ArrayRef<int32_t> table = op.getExpTable();
  IntRange e = make(*llvm::min_element(table), *llvm::max_element(table));
  int64_t length = lastDim(op.getInput());
  note(out, "int64 row sum of exponentials", sumOf(e, length), 64,
       lengthStr(length) + " table entries in " + e.str());
  note(out, "int64 e * floor(2^62 / sum)", make(0, Wide(1) << 62), 64,
       "every e is at most the row sum");
  return out;
}

static Bounds boundShiftGelu(ShiftGeluOp op, ValueRanges &ranges) {
  Bounds out;
  IntRange x = boundInputMinusZp(out, ranges, op.getInput(), op.getInputZp());
  IntRange t = add(add(add(x, shr(x, 1)), shr(x, 3)), shr(x, 4));
  note(out, "int64 t = 1.6875 x", t, 64, "x in " + x.str());
  IntRange m{std::max<Wide>(t.lo, 0), std::max<Wide>(t.hi, 0)};
  IntRange e1 = boundShiftExp(out, "exp(t - m)", make(t.lo - m.hi, 0),
                              op.getX0(), op.getExpShift());
  IntRange e2 = boundShiftExp(out, "exp(-m)", make(-m.hi, 0), op.getX0(),
                              op.getExpShift());
  note(out, "int64 e1 + e2", add(e1, e2), 64, "");
  note(out, "int64 e1 * floor(2^62 / (e1 + e2))", make(0, Wide(1) << 62), 64,
       "e1 is at most e1 + e2");
  IntRange g = make(0, Wide(1) << 15);
  IntRange xg =
      note(out, "int64 x * sigmoid", mul(x, g), 64, "sigmoid in " + g.str());
  boundRescale(out, op.getRescale(), xg, point(op.getOutputZp()));
  return out;
}

static Bounds boundILayerNorm(ILayerNormOp op, ValueRanges &ranges) {
  Bounds out;
  IntRange x = ranges.get(op.getInput());
  int64_t n = lastDim(op.getInput());
  if (ShapedType::isDynamic(n)) {
    note(out, "int64 sum(y * y)", make(0, kClamp), 64,
         "the row length is dynamic");
    return out;
  }
  IntRange sum = note(out, "int64 row sum", sumOf(unite(x, point(0)), n), 64,
                      lengthStr(n) + " elements in " + x.str());
  note(out, "int64 y = N * x - sum(x)", sub(mul(point(n), x), sum), 64,
       "N = " + lengthStr(n));
  // |y_i| = N |x_i - mean| <= N (hi - lo); Popoviciu's inequality bounds
  // the sum of squares by N^2 * N (hi - lo)^2 / 4.
  Wide spread = x.hi - x.lo;
  note(out, "int64 y * y", make(0, Wide(n) * n * spread * spread), 64,
       "|y| <= N * (max - min)");
  IntRange squares = note(
      out, "int64 sum(y * y) + variance_offset",
      make(0, (Wide(n) * n * n * spread * spread) / 4 + op.getVarianceOffset()),
      64, "at most N^3 (max - min)^2 / 4 by Popoviciu's inequality");
  // Newton from above starts at k = 2^ceil(bits(v) / 2) and never grows.
  uint64_t vMax = static_cast<uint64_t>(std::min<Wide>(squares.hi, INT64_MAX));
  Wide kMax = Wide(1) << ((64 - llvm::countl_zero(vMax) + 1) / 2);
  note(out, "int64 Newton step k + v / k", make(0, kMax + squares.hi), 64,
       "k <= " + toString(kMax));
  // std >= floor(sqrt(v)) >= |y| / 2 for v >= 1, and
  // f <= (2^(31 + r) - 1) / std.
  int64_t r = op.getReciprocalShift();
  Wide f = (Wide(1) << (31 + r)) - 1;
  IntRange yf = note(
      out, "int64 y * floor((2^(31 + r) - 1) / std)", make(-2 * f, 2 * f), 64,
      "|y| <= sqrt(v) <= 2 floor(sqrt(v)) <= 2 std, r = " + std::to_string(r));
  IntRange bias{*llvm::min_element(op.getBias()),
                *llvm::max_element(op.getBias())};
  boundRescale(out, op.getRescale(), shr(yf, 1 + r), bias);
  return out;
}

SmallVector<IntermediateBound> vitq::boundIntermediates(Operation *op,
                                                        ValueRanges &ranges) {
  return llvm::TypeSwitch<Operation *, Bounds>(op)
      .Case([&](MatmulOp o) { return boundMatmul(o, ranges); })
      .Case([&](LinearOp o) { return boundLinear(o, ranges); })
      .Case([&](Conv2DOp o) { return boundConv(o, ranges); })
      .Case([&](RequantizeOp o) { return boundRequantize(o, ranges); })
      .Case([&](AddOp o) { return boundAdd(o, ranges); })
      .Case([&](AffineOp o) { return boundAffine(o, ranges); })
      .Case([&](ReduceSumOp o) { return boundReduceSum(o, ranges); })
      .Case([&](AvgPool2DOp o) { return boundAvgPool(o, ranges); })
      .Case([&](ResizeOp o) { return boundResize(o, ranges); })
      .Case([&](MulOp o) { return boundMul(o, ranges); })
      .Case([&](DivOp o) { return boundDiv(o, ranges); })
      .Case([&](ShiftmaxOp o) { return boundShiftmax(o, ranges); })
      .Case([&](TablemaxOp o) { return boundTablemax(o); })
      .Case([&](ShiftGeluOp o) { return boundShiftGelu(o, ranges); })
      .Case([&](ILayerNormOp o) { return boundILayerNorm(o, ranges); })
      .Default([](Operation *) { return Bounds(); });
}
