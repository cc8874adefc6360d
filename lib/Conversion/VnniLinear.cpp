//===- VnniLinear.cpp - int8 linear layers as AVX-512 VNNI kernels
//---------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// acc[m][n] = sum_k (x[m][k] - z) * w[k][n], computed as
//   sum_k (x[m][k] + 128) * w[k][n]  -  (128 + z) * colsum(w)[n]
// where x + 128 is x xor 0x80 read as u8: vpdpbusd multiplies u8 by s8 in
// groups of four and adds into 16 int32 lanes. The loop nest is
//   for m: for n0 in steps of 16 * U: acc[U] = -corr; for kb < K / 4:
//     a = broadcast(x[m][4kb .. 4kb+3] ^ 0x80808080)
//     acc[u] = vpdpbusd(acc[u], a, wp[n0/16 + u][kb])
//   store acc.
//
//===----------------------------------------------------------------------===//

#include "vitq/Conversion/Passes.h"
#include "vitq/Dialect/Vitq/VitqQuant.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQVNNILINEAR
#include "vitq/Conversion/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

namespace {

constexpr int64_t kLanes = 16;

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

std::optional<LinearShape> match(linalg::GenericOp op) {
  auto zp = op->getAttrOfType<IntegerAttr>("vitq.linear_input_zp");
  if (!zp || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  auto in = dyn_cast<MemRefType>(op.getDpsInputs()[0].getType());
  auto w = dyn_cast<MemRefType>(op.getDpsInputs()[1].getType());
  auto out = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  if (!in || !w || !out || !in.hasStaticShape() || w.getRank() != 2 ||
      !in.getLayout().isIdentity() || !out.getLayout().isIdentity() ||
      !in.getElementType().isInteger(8) || !w.getElementType().isInteger(8))
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
  if (s.k % 4 || s.n % kLanes || s.k == 0 || s.m == 0)
    return std::nullopt;
  return s;
}

/// The weight in VNNI order [N/16][K/4][16 columns][4 k], and the
/// accumulator start -(128 + z) * colsum(w).
std::pair<SmallVector<int8_t>, SmallVector<int32_t>>
pack(const LinearShape &s) {
  auto at = [&](int64_t k, int64_t n) {
    return s.weight[s.transposed ? n * s.k + k : k * s.n + n];
  };
  SmallVector<int8_t> packed;
  packed.reserve(s.k * s.n);
  for (int64_t nb = 0; nb < s.n / kLanes; ++nb)
    for (int64_t kb = 0; kb < s.k / 4; ++kb)
      for (int64_t j = 0; j < kLanes; ++j)
        for (int64_t t = 0; t < 4; ++t)
          packed.push_back(
              static_cast<int8_t>(at(kb * 4 + t, nb * kLanes + j)));
  SmallVector<int32_t> start;
  for (int64_t n = 0; n < s.n; ++n) {
    int64_t sum = 0;
    for (int64_t k = 0; k < s.k; ++k)
      sum += at(k, n);
    start.push_back(static_cast<int32_t>(-(128 + s.inputZp) * sum));
  }
  return {packed, start};
}

/// A private constant global holding `value`, read with memref.get_global.
Value constantBuffer(OpBuilder &b, Location loc, ModuleOp module,
                     DenseElementsAttr value, StringRef name) {
  auto type = cast<RankedTensorType>(value.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  OpBuilder top = OpBuilder::atBlockBegin(module.getBody());
  auto global = memref::GlobalOp::create(
      top, loc, name, top.getStringAttr("private"), memrefType, value,
      /*constant=*/true, top.getI64IntegerAttr(64));
  SymbolTable(module).insert(global);
  return memref::GetGlobalOp::create(b, loc, memrefType, global.getSymName());
}

struct Kernel {
  OpBuilder &b;
  Location loc;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value mulAdd(Value i, int64_t scale, int64_t offset) {
    Value v = arith::MulIOp::create(b, loc, i, index(scale));
    return offset ? arith::AddIOp::create(b, loc, v, index(offset)) : v;
  }
  Value load(Value memref, ValueRange indices, VectorType type) {
    return vector::LoadOp::create(b, loc, type, memref, indices);
  }
};

/// The loop nest writing the [M, N] int32 `out`.
void buildKernel(OpBuilder &b, Location loc, const LinearShape &s, Value in2d,
                 Value packed, Value start, Value out2d, int64_t unroll) {
  Kernel kb{b, loc};
  auto i32x16 = VectorType::get({kLanes}, b.getI32Type());
  auto i8x64 = VectorType::get({4 * kLanes}, b.getI8Type());
  auto i8x4 = VectorType::get({4}, b.getI8Type());
  auto i32x1 = VectorType::get({1}, b.getI32Type());
  Value flip = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(i8x4, b.getI8IntegerAttr(-128)));
  // Column panels outside, rows inside: a panel of K x 16 * unroll packed
  // weights is reused from L1 by every row.
  scf::ForOp::create(
      b, loc, kb.index(0), kb.index(s.n / kLanes), kb.index(unroll),
      ValueRange{}, [&](OpBuilder &b1, Location l1, Value nb, ValueRange) {
        Kernel k1{b1, l1};
        scf::ForOp::create(
            b1, l1, k1.index(0), k1.index(s.m), k1.index(1), ValueRange{},
            [&](OpBuilder &b2, Location l2, Value m, ValueRange) {
              Kernel k2{b2, l2};
              SmallVector<Value> accs;
              for (int64_t u = 0; u < unroll; ++u)
                accs.push_back(k2.load(
                    start, {k2.mulAdd(nb, kLanes, u * kLanes)}, i32x16));
              auto reduce = scf::ForOp::create(
                  b2, l2, k2.index(0), k2.index(s.k / 4), k2.index(1), accs,
                  [&](OpBuilder &b3, Location l3, Value kq, ValueRange acc) {
                    Kernel k3{b3, l3};
                    Value x = k3.load(in2d, {m, k3.mulAdd(kq, 4, 0)}, i8x4);
                    x = arith::XOrIOp::create(b3, l3, x, flip);
                    Value word = vector::ExtractOp::create(
                        b3, l3, vector::BitCastOp::create(b3, l3, i32x1, x),
                        ArrayRef<int64_t>{0});
                    Value a = vector::BitCastOp::create(
                        b3, l3, i8x64,
                        vector::BroadcastOp::create(b3, l3, i32x16, word));
                    SmallVector<Value> next;
                    for (int64_t u = 0; u < unroll; ++u) {
                      Value nbu =
                          arith::AddIOp::create(b3, l3, nb, k3.index(u));
                      Value w = k3.load(packed, {nbu, kq, k3.index(0)}, i8x64);
                      next.push_back(
                          LLVM::CallIntrinsicOp::create(
                              b3, l3, i32x16,
                              b3.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
                              ValueRange{acc[u], a, w})
                              .getResult(0));
                    }
                    scf::YieldOp::create(b3, l3, next);
                  });
              for (int64_t u = 0; u < unroll; ++u)
                vector::StoreOp::create(
                    b2, l2, reduce.getResult(u), out2d,
                    ValueRange{m, k2.mulAdd(nb, kLanes, u * kLanes)});
              scf::YieldOp::create(b2, l2);
            });
        scf::YieldOp::create(b1, l1);
      });
}

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

struct VnniLinearPass : vitq::impl::VitqVnniLinearBase<VnniLinearPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->hasAttr("vitq.linear_input_zp"))
        ops.push_back(op);
    });
    unsigned counter = 0;
    for (linalg::GenericOp op : ops)
      if (std::optional<LinearShape> s = match(op))
        rewrite(op, *s, counter++);
  }

  void rewrite(linalg::GenericOp op, const LinearShape &s, unsigned id) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    auto [packed, start] = pack(s);
    auto packedType = RankedTensorType::get({s.n / kLanes, s.k / 4, 4 * kLanes},
                                            b.getI8Type());
    std::string name = "__vitq_vnni_" + std::to_string(id);
    Value packedBuffer = constantBuffer(
        b, loc, module,
        DenseElementsAttr::get(packedType, ArrayRef<int8_t>(packed)),
        name + "_weight");
    Value startBuffer = constantBuffer(
        b, loc, module,
        DenseElementsAttr::get(RankedTensorType::get({s.n}, b.getI32Type()),
                               ArrayRef<int32_t>(start)),
        name + "_start");
    int64_t blocks = s.n / kLanes;
    int64_t unroll = blocks % 4 == 0 ? 4 : blocks % 2 == 0 ? 2 : 1;
    buildKernel(b, loc, s, as2d(b, loc, op.getDpsInputs()[0]), packedBuffer,
                startBuffer, as2d(b, loc, op.getDpsInits()[0]), unroll);
    op.erase();
  }
};

} // namespace
