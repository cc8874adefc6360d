//===- Int8Linear.cpp - int8 linear layers as x86 SIMD kernels ------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// acc[m][n] = sum_k (x[m][k] - z) * w[k][n] for a constant int8 weight, as
// register-blocked loops around one x86 instruction that multiplies groups
// of int8 pairs or quads and sums them into int32 lanes:
//
//   avx512vnni  vpdpbusd  u8 x s8, 4 k per lane, 16 lanes, accumulates.
//               x enters as x + 128 (x xor 0x80 read as u8); the
//               accumulators start at -(128 + z) * colsum(w).
//   avx512bw    vpmaddwd  s16 x s16, 2 k per lane, 16 lanes, + vpaddd.
//   avx2        vpmaddwd  the same on 8 lanes.
//               x and w are sign-extended to int16, so no product or pair
//               sum saturates (vpmaddubsw would); the accumulators start at
//               -z * colsum(w).
//
// The weight is packed at compile time to [ceil(N/L)][K/G][L*G] (L lanes,
// G k per lane; padding columns are zero). The loop nest, with cache tiles
// from the target's L1/L2 sizes and register blocks from its vector width:
//
//   for each k tile (its packed K x U*L panel fits in half of L1):
//     for each row tile (its rows x k-tile activations fit in half of L2):
//       for each column panel of U vector blocks:
//         for each R rows of the tile (then single rows for the rest):
//           R x U accumulators <- start (first k tile) or the output
//           for each k group: U weight vectors, R broadcasts, R*U products
//           store the accumulators
//
//===----------------------------------------------------------------------===//

#include "vitq/Conversion/Passes.h"

#include "vitq/Dialect/Vitq/VitqQuant.h"
#include "vitq/Support/Target.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQINT8LINEAR
#include "vitq/Conversion/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

namespace {

/// One of the instruction sets the kernel is written for.
struct Isa {
  StringRef name;
  int64_t lanes;     // int32 lanes per vector
  int64_t group;     // k values summed into one lane
  int64_t registers; // vector registers
  StringRef intrinsic;
  bool accumulates;   // the instruction adds into its first operand
  bool unsignedInput; // the activation operand is u8 (x + 128)
};

const Isa kIsas[] = {
    {"avx512vnni", 16, 4, 32, "llvm.x86.avx512.vpdpbusd.512", true, true},
    {"avx512bw", 16, 2, 32, "llvm.x86.avx512.pmaddw.d.512", false, false},
    {"avx2", 8, 2, 16, "llvm.x86.avx2.pmadd.wd", false, false},
};

} // namespace

ArrayRef<StringRef> vitq::getInt8KernelIsas() {
  static const StringRef names[] = {"avx512vnni", "avx512bw", "avx2"};
  return names;
}

namespace {

const Isa *findIsa(StringRef name) {
  for (const Isa &isa : kIsas)
    if (isa.name == name)
      return &isa;
  return nullptr;
}

/// A linear contraction the kernel can take: input [lead..., K] seen as
/// [M, K], constant weight, int32 output [lead..., N].
struct LinearShape {
  int64_t m, k, n;
  bool transposed;
  int64_t inputZp;
  SmallVector<int64_t> weight; // row-major as stored
};

/// The constant behind a memref.get_global, if any.
std::optional<SmallVector<int64_t>> globalInts(Value v) {
  auto get = v.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return std::nullopt;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  if (!global || !global.getConstant())
    return std::nullopt;
  return getConstantInts(
      dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr()));
}

std::optional<LinearShape> match(linalg::GenericOp op, const Isa &isa) {
  auto zp = op->getAttrOfType<IntegerAttr>("vitq.linear_input_zp");
  if (!zp || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  auto in = dyn_cast<MemRefType>(op.getDpsInputs()[0].getType());
  auto w = dyn_cast<MemRefType>(op.getDpsInputs()[1].getType());
  auto out = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  // Rank >= 2 on both sides: the kernel works on [M, K] and [M, N] views.
  if (!in || !w || !out || !in.hasStaticShape() || w.getRank() != 2 ||
      in.getRank() < 2 || out.getRank() != in.getRank() ||
      !in.getLayout().isIdentity() || !out.getLayout().isIdentity() ||
      !in.getElementType().isInteger(8) || !w.getElementType().isInteger(8) ||
      !out.getElementType().isInteger(32))
    return std::nullopt;
  std::optional<SmallVector<int64_t>> values = globalInts(op.getDpsInputs()[1]);
  if (!values || static_cast<int64_t>(values->size()) != w.getNumElements())
    return std::nullopt;
  LinearShape s;
  s.transposed = op->hasAttr("vitq.linear_transposed");
  s.k = in.getShape().back();
  s.m = in.getNumElements() / std::max<int64_t>(s.k, 1);
  s.n = w.getDimSize(s.transposed ? 0 : 1);
  s.inputZp = zp.getInt();
  s.weight = std::move(*values);
  // A ragged k group would read past the end of an activation row.
  if (s.k % isa.group || s.k == 0 || s.m == 0 || s.n == 0)
    return std::nullopt;
  return s;
}

/// The register blocks and cache tiles of one kernel.
struct Tiles {
  int64_t rows;    // R: rows per register block
  int64_t blocks;  // U: vector blocks of columns per register block
  int64_t kTile;   // k per cache tile (a multiple of the group)
  int64_t rowTile; // rows per cache tile (a multiple of R)
};

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Register blocks from the vector register count, cache tiles from the
/// cache sizes; positive overrides win.
Tiles chooseTiles(const LinearShape &s, const Isa &isa, int64_t l1Bytes,
                  int64_t l2Bytes, const Tiles &overrides) {
  Tiles t;
  int64_t vectorBlocks = ceilDiv(s.n, isa.lanes);
  // Four blocks of 512-bit or two of 256-bit: 64 or 16 columns of int32,
  // the classic GEMM register tiles; the largest such divisor of the
  // column blocks, so that every panel is full.
  int64_t wanted =
      overrides.blocks > 0 ? overrides.blocks : (isa.lanes >= 16 ? 4 : 2);
  t.blocks = std::max<int64_t>(std::min(wanted, vectorBlocks), 1);
  while (vectorBlocks % t.blocks)
    --t.blocks;
  // R * U accumulators, U weights and a broadcast in the registers, with
  // one to spare; at most six rows, beyond which loads stop being the limit.
  int64_t fit = (isa.registers - 2 - t.blocks) / t.blocks;
  t.rows = overrides.rows > 0 ? overrides.rows : std::clamp<int64_t>(fit, 1, 6);
  t.rows = std::min(t.rows, s.m);
  // The k tile: the panel of packed weights a register block walks
  // (k x U * L bytes) fits in half of L1, so every row block of the tile
  // reuses it from L1. Equal tiles, rounded up to whole groups.
  int64_t panelRow = t.blocks * isa.lanes;
  int64_t budget = std::max<int64_t>(l1Bytes / 2 / panelRow, isa.group);
  int64_t kTiles = ceilDiv(s.k, budget);
  // Overrides are clamped to the shape before rounding (no overflow).
  t.kTile = overrides.kTile > 0
                ? std::min(overrides.kTile, s.k)
                : ceilDiv(ceilDiv(s.k, kTiles), isa.group) * isa.group;
  t.kTile = std::min(ceilDiv(t.kTile, isa.group) * isa.group, s.k);
  // The row tile: its packed activations for one k tile (int8 or int16)
  // fit in half of L2, so every column panel rereads them from L2.
  int64_t activationBytes = isa.unsignedInput ? 1 : 2;
  int64_t rowTile =
      overrides.rowTile > 0
          ? overrides.rowTile
          : std::max<int64_t>(l2Bytes / 2 / (t.kTile * activationBytes),
                              t.rows);
  rowTile = std::min(rowTile, s.m);
  t.rowTile = std::max<int64_t>(rowTile / t.rows * t.rows, t.rows);
  return t;
}

/// The weight as [ceil(N/L)][K/G][L columns][G k], and the accumulator start
/// -(z + 128 if the activations enter unsigned) * colsum(w).
std::pair<SmallVector<int8_t>, SmallVector<int32_t>> pack(const LinearShape &s,
                                                          const Isa &isa) {
  auto at = [&](int64_t k, int64_t n) -> int64_t {
    if (n >= s.n)
      return 0;
    return s.weight[s.transposed ? n * s.k + k : k * s.n + n];
  };
  int64_t vectorBlocks = ceilDiv(s.n, isa.lanes);
  SmallVector<int8_t> packed;
  packed.reserve(vectorBlocks * isa.lanes * s.k);
  for (int64_t nb = 0; nb < vectorBlocks; ++nb)
    for (int64_t kb = 0; kb < s.k / isa.group; ++kb)
      for (int64_t j = 0; j < isa.lanes; ++j)
        for (int64_t t = 0; t < isa.group; ++t)
          packed.push_back(
              static_cast<int8_t>(at(kb * isa.group + t, nb * isa.lanes + j)));
  int64_t shift = s.inputZp + (isa.unsignedInput ? 128 : 0);
  SmallVector<int32_t> start;
  for (int64_t n = 0; n < vectorBlocks * isa.lanes; ++n) {
    int64_t sum = 0;
    for (int64_t k = 0; k < s.k; ++k)
      sum += at(k, n);
    // Wraps like the int32 accumulation it stands for.
    start.push_back(static_cast<int32_t>(static_cast<uint32_t>(-shift * sum)));
  }
  return {packed, start};
}

/// A private constant global holding `value` (named `name`, or renamed if
/// that is taken), read with memref.get_global.
Value constantBuffer(OpBuilder &b, Location loc, SymbolTable &symbols,
                     DenseElementsAttr value, StringRef name) {
  auto type = cast<RankedTensorType>(value.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  OpBuilder detached(b.getContext());
  auto global = memref::GlobalOp::create(
      detached, loc, name, detached.getStringAttr("private"), memrefType, value,
      /*constant=*/true, detached.getI64IntegerAttr(64));
  Operation *top = symbols.getOp();
  symbols.insert(global, top->getRegion(0).front().begin());
  return memref::GetGlobalOp::create(b, loc, memrefType, global.getSymName());
}

/// Emits the loop nest of one linear layer at the builder's insertion point.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, const LinearShape &s,
                const Isa &isa, const Tiles &t, Value in, Value packed,
                Value start, Value out)
      : b(b), loc(loc), s(s), isa(isa), t(t), in(in), packed(packed),
        start(start), out(out) {
    acc = VectorType::get({isa.lanes}, b.getI32Type());
  }

  void build() {
    // The activations of one row tile and k tile, in the instruction's
    // operand element type (x + 128 as u8, or x as int16), so that a
    // register block broadcasts each k group with one load. The memory
    // plan places this buffer in the workspace arena.
    auto packType = MemRefType::get({t.rowTile, t.kTile}, elementType());
    xPack = memref::AllocOp::create(b, loc, packType, b.getI64IntegerAttr(64));
    int64_t kTiles = ceilDiv(s.k, t.kTile);
    // The first k tile starts from the compensation, the others from the
    // partial sums in the output.
    buildKTile(index(0), /*first=*/true);
    if (kTiles > 1)
      forLoop(index(t.kTile), index(s.k), t.kTile,
              [&](Value k0) { buildKTile(k0, /*first=*/false); });
    memref::DeallocOp::create(b, loc, xPack);
  }

private:
  OpBuilder &b;
  Location loc;
  const LinearShape &s;
  const Isa &isa;
  const Tiles &t;
  Value in, packed, start, out;
  Value xPack;
  VectorType acc;

  Type elementType() const {
    return isa.unsignedInput ? b.getI8Type() : b.getI16Type();
  }

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value a, int64_t c) {
    return c ? arith::AddIOp::create(b, loc, a, index(c)).getResult() : a;
  }
  Value mul(Value a, int64_t c) {
    return arith::MulIOp::create(b, loc, a, index(c));
  }
  Value min(Value a, Value c) { return arith::MinSIOp::create(b, loc, a, c); }

  /// scf.for from `lb` to `ub` by `step`, with `body(iv)` inside.
  void forLoop(Value lb, Value ub, int64_t step,
               function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, lb, ub, index(step));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVar());
  }

  void buildKTile(Value k0, bool first) {
    Value kEnd = min(add(k0, t.kTile), index(s.k));
    int64_t fullRows = s.m / t.rows * t.rows;
    int64_t panels = ceilDiv(s.n, isa.lanes) / t.blocks;
    auto columnPanels = [&](Value rowBegin, Value rowEnd, int64_t rows) {
      packActivations(rowBegin, rowEnd, k0, kEnd);
      forLoop(index(0), index(panels), 1, [&](Value panel) {
        forLoop(rowBegin, rowEnd, rows, [&](Value m) {
          buildBlock(m, rowBegin, rows, mul(panel, t.blocks), k0, kEnd, first);
        });
      });
    };
    if (fullRows > 0)
      forLoop(index(0), index(fullRows), t.rowTile, [&](Value m0) {
        columnPanels(m0, min(add(m0, t.rowTile), index(fullRows)), t.rows);
      });
    if (fullRows < s.m)
      columnPanels(index(fullRows), index(s.m), 1);
  }

  /// Copies rows [m0, mEnd) x k [k0, kEnd) of the activations to the
  /// tile buffer in the operand element type. Scalar code that LLVM
  /// vectorises; it is O(M K) against the kernel's O(M K N).
  void packActivations(Value m0, Value mEnd, Value k0, Value kEnd) {
    forLoop(m0, mEnd, 1, [&](Value m) {
      forLoop(k0, kEnd, 1, [&](Value k) {
        Value x = memref::LoadOp::create(b, loc, in, ValueRange{m, k});
        if (isa.unsignedInput)
          x = arith::XOrIOp::create(
              b, loc, x,
              arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(-128)));
        else
          x = arith::ExtSIOp::create(b, loc, b.getI16Type(), x);
        memref::StoreOp::create(
            b, loc, x, xPack,
            ValueRange{arith::SubIOp::create(b, loc, m, m0),
                       arith::SubIOp::create(b, loc, k, k0)});
      });
    });
  }

  /// The columns of vector block `block`, with the mask of the real ones
  /// when the last block is ragged.
  Value column(Value block) { return mul(block, isa.lanes); }
  Value columnMask(Value col) {
    auto maskType = VectorType::get({isa.lanes}, b.getI1Type());
    Value left = arith::SubIOp::create(b, loc, index(s.n), col);
    return vector::CreateMaskOp::create(b, loc, maskType, ValueRange{left});
  }
  bool ragged() const { return s.n % isa.lanes != 0; }

  Value loadAccumulator(Value row, Value block, bool first) {
    Value col = column(block);
    if (first)
      return vector::LoadOp::create(b, loc, acc, start, ValueRange{col});
    if (!ragged())
      return vector::LoadOp::create(b, loc, acc, out, ValueRange{row, col});
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(acc, b.getI32IntegerAttr(0)));
    return vector::MaskedLoadOp::create(b, loc, acc, out, ValueRange{row, col},
                                        columnMask(col), zero);
  }

  void storeAccumulator(Value value, Value row, Value block) {
    Value col = column(block);
    if (ragged())
      vector::MaskedStoreOp::create(b, loc, out, ValueRange{row, col},
                                    columnMask(col), value);
    else
      vector::StoreOp::create(b, loc, value, out, ValueRange{row, col});
  }

  /// One k group of the packed row `row` (relative to the row tile)
  /// broadcast to every lane, in the operand type of the instruction.
  Value broadcastActivation(Value row, Value kq, Value k0) {
    Value k = arith::SubIOp::create(b, loc, mul(kq, isa.group), k0);
    Value x = vector::LoadOp::create(
        b, loc, VectorType::get({isa.group}, elementType()), xPack,
        ValueRange{row, k});
    Value word = vector::ExtractOp::create(
        b, loc,
        vector::BitCastOp::create(b, loc, VectorType::get({1}, b.getI32Type()),
                                  x),
        ArrayRef<int64_t>{0});
    return vector::BitCastOp::create(
        b, loc, operandType(), vector::BroadcastOp::create(b, loc, acc, word));
  }

  /// The packed weights of one vector block and k group.
  Value loadWeights(Value block, Value kq) {
    auto bytes = VectorType::get({isa.lanes * isa.group}, b.getI8Type());
    Value w = vector::LoadOp::create(b, loc, bytes, packed,
                                     ValueRange{block, kq, index(0)});
    if (isa.unsignedInput)
      return w;
    return arith::ExtSIOp::create(b, loc, operandType(), w);
  }

  VectorType operandType() const {
    return VectorType::get({isa.lanes * isa.group}, elementType());
  }

  Value multiplyAdd(Value sum, Value a, Value w) {
    StringAttr name = b.getStringAttr(isa.intrinsic);
    if (isa.accumulates)
      return LLVM::CallIntrinsicOp::create(b, loc, acc, name,
                                           ValueRange{sum, a, w})
          .getResult(0);
    Value products =
        LLVM::CallIntrinsicOp::create(b, loc, acc, name, ValueRange{a, w})
            .getResult(0);
    return arith::AddIOp::create(b, loc, sum, products);
  }

  /// `rows` x U accumulators of the output at (m, first column block),
  /// reduced over the k groups of [k0, kEnd); the row tile starts at m0.
  void buildBlock(Value m, Value m0, int64_t rows, Value block0, Value k0,
                  Value kEnd, bool first) {
    SmallVector<Value> rowIndex, packRow, blockIndex, init;
    Value local = arith::SubIOp::create(b, loc, m, m0);
    for (int64_t r = 0; r < rows; ++r) {
      rowIndex.push_back(add(m, r));
      packRow.push_back(add(local, r));
    }
    for (int64_t u = 0; u < t.blocks; ++u)
      blockIndex.push_back(add(block0, u));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t u = 0; u < t.blocks; ++u)
        init.push_back(loadAccumulator(rowIndex[r], blockIndex[u], first));
    Value groupBegin = arith::DivUIOp::create(b, loc, k0, index(isa.group));
    Value groupEnd = arith::DivUIOp::create(b, loc, kEnd, index(isa.group));
    auto reduce =
        scf::ForOp::create(b, loc, groupBegin, groupEnd, index(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(reduce.getBody());
      Value kq = reduce.getInductionVar();
      SmallVector<Value> w, next(reduce.getRegionIterArgs());
      for (int64_t u = 0; u < t.blocks; ++u)
        w.push_back(loadWeights(blockIndex[u], kq));
      for (int64_t r = 0; r < rows; ++r) {
        Value a = broadcastActivation(packRow[r], kq, k0);
        for (int64_t u = 0; u < t.blocks; ++u) {
          Value &sum = next[r * t.blocks + u];
          sum = multiplyAdd(sum, a, w[u]);
        }
      }
      scf::YieldOp::create(b, loc, next);
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t u = 0; u < t.blocks; ++u)
        storeAccumulator(reduce.getResult(r * t.blocks + u), rowIndex[r],
                         blockIndex[u]);
  }
};

/// [lead..., last] as [product(lead), last].
Value as2d(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (type.getRank() == 2)
    return memref;
  SmallVector<ReassociationIndices> groups(1);
  for (int64_t i = 0; i + 1 < type.getRank(); ++i)
    groups[0].push_back(i);
  groups.push_back({type.getRank() - 1});
  return memref::CollapseShapeOp::create(b, loc, memref, groups);
}

struct Int8LinearPass : vitq::impl::VitqInt8LinearBase<Int8LinearPass> {
  using Base::Base;

  /// The cache sizes the tiles are chosen for (options, else the target).
  int64_t cacheL1 = 0, cacheL2 = 0;

  void runOnOperation() override {
    // Unset options come from the target the IR describes.
    std::optional<TargetInfo> target = getTargetInfo(getOperation());
    std::string name = isaName;
    if (name.empty() && target)
      name = getBestIsa(*target, getInt8KernelIsas());
    int64_t l1 = l1Bytes, l2 = l2Bytes;
    if (l1 == 0)
      l1 = target && target->l1Bytes > 0 ? target->l1Bytes : 32 * 1024;
    if (l2 == 0)
      l2 = target && target->l2Bytes > 0 ? target->l2Bytes : 1024 * 1024;
    if (name.empty() && isaName.empty()) {
      // No instruction set to write kernels for: the loops stay.
      getOperation()->setAttr(
          "vitq.int8_kernels",
          IntegerAttr::get(IntegerType::get(&getContext(), 64), 0));
      return;
    }
    const Isa *isa = findIsa(name);
    if (!isa) {
      getOperation()->emitError("vitq-int8-linear: unknown isa '")
          << name << "' (" << llvm::join(getInt8KernelIsas(), ", ") << ")";
      return signalPassFailure();
    }
    if (l1 <= 0 || l2 <= 0) {
      getOperation()->emitError(
          "vitq-int8-linear: cache sizes must be positive");
      return signalPassFailure();
    }
    cacheL1 = l1;
    cacheL2 = l2;
    if (rows < 0 || columnBlocks < 0 || kTile < 0 || rowTile < 0) {
      getOperation()->emitError("vitq-int8-linear: rows, column-blocks, "
                                "k-tile and row-tile must not be negative "
                                "(0 derives them)");
      return signalPassFailure();
    }
    // More accumulators than registers spill on every k group.
    if (rows * columnBlocks > 64) {
      getOperation()->emitError("vitq-int8-linear: rows x column-blocks = ")
          << rows * columnBlocks << " accumulators; at most 64";
      return signalPassFailure();
    }
    SymbolTable symbols(getOperation());
    SmallVector<linalg::GenericOp> ops;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->hasAttr("vitq.linear_input_zp"))
        ops.push_back(op);
    });
    unsigned counter = 0;
    for (linalg::GenericOp op : ops)
      if (std::optional<LinearShape> s = match(op, *isa))
        rewrite(op, *s, *isa, symbols, counter++);
    // How many layers got a kernel, for vitq-compile's progress line.
    getOperation()->setAttr(
        "vitq.int8_kernels",
        IntegerAttr::get(IntegerType::get(&getContext(), 64), counter));
  }

  void rewrite(linalg::GenericOp op, const LinearShape &s, const Isa &isa,
               SymbolTable &symbols, unsigned id) {
    // The zero fill of the accumulator right before is dead: the kernel
    // writes every element.
    Value init = op.getDpsInits()[0];
    if (auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode()))
      if (fill.getNumDpsInits() == 1 && fill.getDpsInits()[0] == init)
        fill.erase();
    OpBuilder b(op);
    Location loc = op.getLoc();
    Tiles t = chooseTiles(s, isa, cacheL1, cacheL2,
                          Tiles{rows, columnBlocks, kTile, rowTile});
    auto [packed, start] = pack(s, isa);
    int64_t vectorBlocks = ceilDiv(s.n, isa.lanes);
    auto packedType = RankedTensorType::get(
        {vectorBlocks, s.k / isa.group, isa.lanes * isa.group}, b.getI8Type());
    std::string name = ("__vitq_" + isa.name + "_" + Twine(id)).str();
    Value packedBuffer = constantBuffer(
        b, loc, symbols,
        DenseElementsAttr::get(packedType, ArrayRef<int8_t>(packed)),
        name + "_weight");
    Value startBuffer = constantBuffer(
        b, loc, symbols,
        DenseElementsAttr::get(
            RankedTensorType::get({static_cast<int64_t>(start.size())},
                                  b.getI32Type()),
            ArrayRef<int32_t>(start)),
        name + "_start");
    KernelBuilder(b, loc, s, isa, t, as2d(b, loc, op.getDpsInputs()[0]),
                  packedBuffer, startBuffer, as2d(b, loc, op.getDpsInits()[0]))
        .build();
    if (remarks)
      op.emitRemark() << isa.name << " kernel: M=" << s.m << " K=" << s.k
                      << " N=" << s.n << ", register block " << t.rows << "x"
                      << t.blocks * isa.lanes << ", k tile " << t.kTile
                      << ", row tile " << t.rowTile;
    op.erase();
  }
};

} // namespace
