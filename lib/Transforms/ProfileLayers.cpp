//===- ProfileLayers.cpp - Per-layer timing of a compiled model -----------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "vitq/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <string>

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQPROFILELAYERS
#include "vitq/Transforms/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;

namespace {

/// What the profile says of one call.
struct Layer {
  std::string name, kind;
  int64_t macs = 0, bytes = 0;
};

/// The ONNX node of a location (its first NameLoc), or "".
std::string nodeName(Location loc) {
  if (auto named = loc->findInstanceOf<NameLoc>())
    return named.getName().str();
  return "";
}

/// The kind the lowering recorded (fused location metadata), or "".
std::string recordedKind(Location loc) {
  std::string kind;
  loc->walk([&](Location l) {
    if (auto fused = dyn_cast<FusedLoc>(l))
      if (auto text = dyn_cast_or_null<StringAttr>(fused.getMetadata())) {
        kind = text.str();
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return kind;
}

int64_t constantOperand(func::CallOp call, unsigned index) {
  if (index >= call.getNumOperands())
    return 0;
  APInt value;
  if (matchPattern(call.getOperand(index), m_ConstantInt(&value)))
    return value.getSExtValue();
  return 0;
}

Layer describe(func::CallOp call) {
  Layer layer;
  layer.name = nodeName(call.getLoc());
  StringRef callee = call.getCallee();
  if (callee.starts_with("vitq_kernel_")) {
    bool f32 = callee.contains("f32");
    bool matmul = callee.contains("matmul");
    unsigned first = matmul ? 1 : 0;
    int64_t batch = matmul ? constantOperand(call, 0) : 1;
    int64_t m = constantOperand(call, first),
            n = constantOperand(call, first + 1),
            k = constantOperand(call, first + 2);
    int64_t inBytes = f32 ? 4 : 1;
    int64_t outBytes =
        f32 ? 4
            : constantOperand(call, matmul ? vitq::kMatmulI8OutputBitsOperand
                                           : vitq::kLinearI8OutputBitsOperand) /
                  8;
    layer.kind = std::string(f32 ? "fp32 " : "int8 ") +
                 (matmul ? "matmul" : "linear") + " (kernel)";
    layer.macs = batch * m * n * k;
    layer.bytes =
        batch * (m * k * inBytes + k * n * inBytes + m * n * outBytes);
    return layer;
  }
  layer.kind = recordedKind(call.getLoc());
  if (layer.kind.empty())
    layer.kind = "loops";
  for (Value operand : call.getOperands())
    if (auto type = dyn_cast<MemRefType>(operand.getType()))
      if (type.hasStaticShape() && type.getElementType().isIntOrFloat())
        layer.bytes +=
            type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
  return layer;
}

struct ProfileLayersPass
    : vitq::impl::VitqProfileLayersBase<ProfileLayersPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto run = module.lookupSymbol<func::FuncOp>(prefix + "_run");
    if (!run || run.isExternal())
      return;
    SmallVector<func::CallOp> calls;
    run.walk([&](func::CallOp call) {
      StringRef callee = call.getCallee();
      if (callee.starts_with("vitq_kernel_") || callee.contains("_nest"))
        calls.push_back(call);
    });
    if (calls.empty())
      return;

    MLIRContext *ctx = module.getContext();
    Location loc = module.getLoc();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Type i32 = b.getI32Type(), i64 = b.getI64Type();

    // The layer table and the counters.
    std::string table;
    for (func::CallOp call : calls) {
      Layer layer = describe(call);
      for (std::string *text : {&layer.name, &layer.kind})
        for (char &c : *text)
          if (c == '\t' || c == '\n')
            c = ' ';
      table += layer.name + "\t" + layer.kind + "\t" +
               std::to_string(layer.macs) + "\t" + std::to_string(layer.bytes) +
               "\n";
    }
    table += '\0';
    LLVM::GlobalOp::create(
        b, loc, LLVM::LLVMArrayType::get(b.getI8Type(), table.size()),
        /*isConstant=*/true, LLVM::Linkage::External,
        prefix + "_profile_layers", b.getStringAttr(table));
    auto countersType = LLVM::LLVMArrayType::get(i64, 2 * calls.size());
    auto counters = LLVM::GlobalOp::create(
        b, loc, countersType, /*isConstant=*/false, LLVM::Linkage::External,
        prefix + "_profile_counters",
        DenseElementsAttr::get(
            RankedTensorType::get({int64_t(2 * calls.size())}, i64),
            b.getI64IntegerAttr(0).getValue()));
    auto enabled = LLVM::GlobalOp::create(
        b, loc, i32, /*isConstant=*/false, LLVM::Linkage::External,
        prefix + "_profile_enabled", b.getI32IntegerAttr(0));

    auto internal = LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal);
    // now(): CLOCK_MONOTONIC in nanoseconds.
    auto clockGettime = LLVM::LLVMFuncOp::create(
        b, loc, "clock_gettime", LLVM::LLVMFunctionType::get(i32, {i32, ptr}));
    clockGettime.setLinkage(LLVM::Linkage::External);
    auto now = func::FuncOp::create(b, loc, prefix + "_profile_now",
                                    b.getFunctionType({}, {i64}));
    now.setPrivate();
    now->setAttr("llvm.linkage", internal);
    {
      OpBuilder nb = OpBuilder::atBlockEnd(now.addEntryBlock());
      auto timespec = LLVM::LLVMStructType::getLiteral(ctx, {i64, i64});
      Value one = LLVM::ConstantOp::create(nb, loc, i64, 1);
      Value ts = LLVM::AllocaOp::create(nb, loc, ptr, timespec, one);
      Value monotonic = LLVM::ConstantOp::create(nb, loc, i32, 1);
      LLVM::CallOp::create(nb, loc, clockGettime, ValueRange{monotonic, ts});
      Value sec = LLVM::LoadOp::create(nb, loc, i64, ts);
      Value nsAddr = LLVM::GEPOp::create(nb, loc, ptr, timespec, ts,
                                         ArrayRef<LLVM::GEPArg>{0, 1});
      Value ns = LLVM::LoadOp::create(nb, loc, i64, nsAddr);
      Value billion = arith::ConstantIntOp::create(nb, loc, i64, 1000000000);
      Value total = arith::AddIOp::create(
          nb, loc, arith::MulIOp::create(nb, loc, sec, billion), ns);
      func::ReturnOp::create(nb, loc, total);
    }
    // start(): now() while profiling, else 0.
    auto start = func::FuncOp::create(b, loc, prefix + "_profile_start",
                                      b.getFunctionType({}, {i64}));
    start.setPrivate();
    start->setAttr("llvm.linkage", internal);
    {
      OpBuilder sb = OpBuilder::atBlockEnd(start.addEntryBlock());
      Value address = LLVM::AddressOfOp::create(sb, loc, enabled);
      Value on = LLVM::LoadOp::create(sb, loc, i32, address);
      Value zero32 = arith::ConstantIntOp::create(sb, loc, i32, 0);
      Value isOn =
          arith::CmpIOp::create(sb, loc, arith::CmpIPredicate::ne, on, zero32);
      auto branch = scf::IfOp::create(sb, loc, TypeRange{i64}, isOn,
                                      /*withElseRegion=*/true);
      OpBuilder tb = branch.getThenBodyBuilder();
      scf::YieldOp::create(tb, loc,
                           func::CallOp::create(tb, loc, now).getResult(0));
      OpBuilder eb = branch.getElseBodyBuilder();
      scf::YieldOp::create(
          eb, loc, Value(arith::ConstantIntOp::create(eb, loc, i64, 0)));
      func::ReturnOp::create(sb, loc, branch.getResult(0));
    }
    // stop(t0, layer): adds the time and a call to the layer's counters
    // (atomically: instances of one model may run at once).
    auto stop = func::FuncOp::create(b, loc, prefix + "_profile_stop",
                                     b.getFunctionType({i64, i64}, {}));
    stop.setPrivate();
    stop->setAttr("llvm.linkage", internal);
    {
      Block *body = stop.addEntryBlock();
      OpBuilder pb = OpBuilder::atBlockEnd(body);
      Value t0 = body->getArgument(0), layer = body->getArgument(1);
      Value zero = arith::ConstantIntOp::create(pb, loc, i64, 0);
      Value started =
          arith::CmpIOp::create(pb, loc, arith::CmpIPredicate::ne, t0, zero);
      auto branch = scf::IfOp::create(pb, loc, TypeRange{}, started,
                                      /*withElseRegion=*/false);
      OpBuilder tb = branch.getThenBodyBuilder();
      Value elapsed = arith::SubIOp::create(
          tb, loc, func::CallOp::create(tb, loc, now).getResult(0), t0);
      Value base = LLVM::AddressOfOp::create(tb, loc, counters);
      Value two = arith::ConstantIntOp::create(tb, loc, i64, 2);
      Value timeIndex = arith::MulIOp::create(tb, loc, layer, two);
      Value callIndex = arith::AddIOp::create(
          tb, loc, timeIndex, arith::ConstantIntOp::create(tb, loc, i64, 1));
      for (auto [index, amount] :
           {std::pair{timeIndex, elapsed},
            {callIndex,
             Value(arith::ConstantIntOp::create(tb, loc, i64, 1))}}) {
        Value address = LLVM::GEPOp::create(tb, loc, ptr, i64, base,
                                            ArrayRef<LLVM::GEPArg>{index});
        LLVM::AtomicRMWOp::create(tb, loc, LLVM::AtomicBinOp::add, address,
                                  amount, LLVM::AtomicOrdering::monotonic);
      }
      func::ReturnOp::create(pb, loc);
    }

    for (auto [index, call] : llvm::enumerate(calls)) {
      OpBuilder cb(call);
      Value t0 = func::CallOp::create(cb, call.getLoc(), start).getResult(0);
      cb.setInsertionPointAfter(call);
      Value id = arith::ConstantIntOp::create(cb, call.getLoc(), i64, index);
      func::CallOp::create(cb, call.getLoc(), stop, ValueRange{t0, id});
    }
  }
};

} // namespace
