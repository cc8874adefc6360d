//===- SplitLoopNests.cpp - Loop nests in pieces on the library's threads -===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include <functional>

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQSPLITLOOPNESTS
#define GEN_PASS_DEF_VITQDISPATCHLOOPNESTS
#include "vitq/Transforms/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;

namespace {

constexpr StringLiteral kTasksSuffix = "_tasks";
constexpr StringLiteral kParallelNest = "vitq_kernels_parallel_nest";
constexpr StringLiteral kPieceInfix = "_tasks_piece";

/// The static trip count of each dimension of a loop, or none.
std::optional<SmallVector<int64_t>> tripCounts(Operation *op) {
  auto loop = dyn_cast<LoopLikeOpInterface>(op);
  if (!loop)
    return std::nullopt;
  auto lbs = loop.getLoopLowerBounds(), ubs = loop.getLoopUpperBounds(),
       steps = loop.getLoopSteps();
  if (!lbs || !ubs || !steps)
    return std::nullopt;
  SmallVector<int64_t> trips;
  for (auto [lb, ub, step] : llvm::zip(*lbs, *ubs, *steps)) {
    std::optional<APInt> trip = constantTripCount(
        lb, ub, step, /*isSigned=*/true,
        [](Value, Value, bool) -> std::optional<llvm::APSInt> {
          return std::nullopt;
        });
    if (!trip)
      return std::nullopt;
    trips.push_back(trip->getSExtValue());
  }
  return trips;
}

struct SplitLoopNestsPass
    : vitq::impl::VitqSplitLoopNestsBase<SplitLoopNestsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The threads belong to the kernel library: only a model that links it
    // (one that calls a kernel) has them.
    bool usesKernels = llvm::any_of(module.getOps<func::FuncOp>(), [](auto f) {
      return f.isExternal() && f.getSymName().starts_with("vitq_kernel_");
    });
    if (!usesKernels)
      return;
    SmallVector<func::FuncOp> nests;
    for (func::FuncOp fn : module.getOps<func::FuncOp>())
      if (!fn.isExternal() && fn.getSymName().contains("_nest") &&
          !fn.getSymName().ends_with(kTasksSuffix) &&
          fn.getFunctionType().getNumResults() == 0)
        nests.push_back(fn);
    for (func::FuncOp fn : nests)
      split(module, fn);
  }

  void split(ModuleOp module, func::FuncOp fn) {
    if (!fn.getBody().hasOneBlock())
      return;
    scf::ParallelOp loop;
    for (Operation &op : fn.front()) {
      if (isa<scf::ForOp, scf::WhileOp>(op))
        return;
      if (auto p = dyn_cast<scf::ParallelOp>(op)) {
        if (loop)
          return;
        loop = p;
      }
    }
    if (!loop || loop.getNumResults() != 0)
      return;
    std::optional<SmallVector<int64_t>> outer = tripCounts(loop);
    if (!outer)
      return;
    int64_t total = 1;
    for (int64_t t : *outer)
      total *= t;
    loop.getBody()->walk([&](Operation *inner) {
      if (auto trips = tripCounts(inner))
        for (int64_t t : *trips)
          total *= std::max<int64_t>(t, 1);
    });
    // The outermost dimension with enough iterations to share out, but
    // not the innermost one (the one the vectoriser works along) unless
    // it is the only one.
    unsigned rank = outer->size(), dim = rank;
    for (unsigned d = 0; d + 1 < rank && dim == rank; ++d)
      if ((*outer)[d] >= 16)
        dim = d;
    for (unsigned d = 0; d + 1 < rank && dim == rank; ++d)
      if ((*outer)[d] >= 2)
        dim = d;
    if (dim == rank && rank == 1)
      dim = 0;
    if (dim == rank || total < minIterations || (*outer)[dim] < 2)
      return;

    // (task, tasks) after the arguments; the piece of dimension `dim`.
    MLIRContext *ctx = module.getContext();
    Location loc = fn.getLoc();
    Type i64 = IntegerType::get(ctx, 64);
    Block &entry = fn.front();
    Value task = entry.addArgument(i64, loc);
    Value tasks = entry.addArgument(i64, loc);
    SmallVector<Type> inputs(fn.getFunctionType().getInputs());
    inputs.append({i64, i64});
    fn.setType(FunctionType::get(ctx, inputs, {}));

    OpBuilder b(loop);
    auto index = [&](Value v) {
      return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
    };
    // Piece `task` is [task * n / tasks, (task + 1) * n / tasks): sizes
    // differ by at most one, and the pieces cover [0, n) exactly.
    Value n = arith::ConstantIndexOp::create(b, loc, (*outer)[dim]);
    Value count = index(tasks);
    Value begin = arith::DivUIOp::create(
        b, loc, arith::MulIOp::create(b, loc, index(task), n), count);
    Value next = arith::AddIOp::create(
        b, loc, index(task), arith::ConstantIndexOp::create(b, loc, 1));
    Value end = arith::DivUIOp::create(
        b, loc, arith::MulIOp::create(b, loc, next, n), count);
    Value lb = loop.getLowerBound()[dim], step = loop.getStep()[dim];
    auto bound = [&](Value i) {
      return arith::AddIOp::create(b, loc, lb,
                                   arith::MulIOp::create(b, loc, i, step));
    };
    Value newLb = bound(begin), newUb = bound(end);
    loop.getLowerBoundMutable().slice(dim, 1).assign(newLb);
    loop.getUpperBoundMutable().slice(dim, 1).assign(newUb);

    // Renamed, and every call runs the whole range (piece 0 of 1).
    std::string name = (fn.getSymName() + kTasksSuffix).str();
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      if (call.getCallee() == fn.getSymName())
        calls.push_back(call);
    });
    fn.setSymName(name);
    for (func::CallOp call : calls) {
      OpBuilder cb(call);
      SmallVector<Value> operands(call.getOperands());
      operands.push_back(
          arith::ConstantIntOp::create(cb, call.getLoc(), i64, 0));
      operands.push_back(
          arith::ConstantIntOp::create(cb, call.getLoc(), i64, 1));
      func::CallOp::create(cb, call.getLoc(), name, TypeRange{}, operands);
      call.erase();
    }
  }
};

/// Clones the operations that compute `v` (pure, from constants) at `b`.
Value rematerialise(OpBuilder &b, Value v, IRMapping &cloned) {
  if (Value known = cloned.lookupOrNull(v))
    return known;
  Operation *def = v.getDefiningOp();
  for (Value operand : def->getOperands())
    rematerialise(b, operand, cloned);
  b.clone(*def, cloned);
  return cloned.lookup(v);
}

struct DispatchLoopNestsPass
    : vitq::impl::VitqDispatchLoopNestsBase<DispatchLoopNestsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::CallOp> calls;
    // Calls of the split nests from the model's code (not from a
    // trampoline of an earlier run of this pass), whose last two arguments
    // are the (task, tasks) pair.
    module.walk([&](LLVM::CallOp call) {
      std::optional<StringRef> callee = call.getCallee();
      auto caller = call->getParentOfType<LLVM::LLVMFuncOp>();
      if (!callee || !callee->ends_with(kTasksSuffix) || !caller ||
          caller.getSymName().contains(kPieceInfix))
        return;
      auto nest = module.lookupSymbol<LLVM::LLVMFuncOp>(*callee);
      if (!nest || nest.isExternal() || call.getArgOperands().size() < 2)
        return;
      ArrayRef<Type> params = nest.getFunctionType().getParams();
      if (params.size() < 2 || !params.back().isInteger(64) ||
          !params[params.size() - 2].isInteger(64))
        return;
      calls.push_back(call);
    });
    if (calls.empty())
      return;
    MLIRContext *ctx = module.getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Type i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
    auto voidType = LLVM::LLVMVoidType::get(ctx);
    OpBuilder top = OpBuilder::atBlockEnd(module.getBody());
    auto parallel = module.lookupSymbol<LLVM::LLVMFuncOp>(kParallelNest);
    if (!parallel)
      parallel = LLVM::LLVMFuncOp::create(
          top, module.getLoc(), kParallelNest,
          LLVM::LLVMFunctionType::get(voidType, {ptr, ptr}));

    SymbolTableCollection symbols;
    unsigned counter = 0;
    for (LLVM::CallOp call : calls) {
      auto nest = module.lookupSymbol<LLVM::LLVMFuncOp>(*call.getCallee());
      if (!nest)
        continue;
      Location loc = call.getLoc();
      // Constant arguments (a buffer's offset, sizes and strides, the
      // address of a constant table) are rematerialised in the trampoline,
      // so that the optimiser still propagates them into the nest; the
      // others travel in the frame.
      // (Pure operations of constants: a constant table's address is a
      // getelementptr of llvm.mlir.addressof.)
      std::function<bool(Value, int)> rematerialisable = [&](Value v,
                                                             int depth) {
        Operation *def = v.getDefiningOp();
        if (!def || depth > 16 || def->getNumRegions() != 0 || !isPure(def))
          return false;
        // A thread-local's address differs on the worker threads.
        if (isa<LLVM::ThreadlocalAddressOp>(def))
          return false;
        if (auto address = dyn_cast<LLVM::AddressOfOp>(def))
          if (auto global = address.getGlobal(symbols);
              global && global.getThreadLocal_())
            return false;
        return llvm::all_of(def->getOperands(), [&](Value operand) {
          return rematerialisable(operand, depth + 1);
        });
      };
      SmallVector<Value> args(call.getArgOperands().drop_back(2)), framed;
      for (Value v : args)
        if (!rematerialisable(v, 0))
          framed.push_back(v);
      SmallVector<Type> fields = llvm::to_vector(
          llvm::map_range(framed, [](Value v) { return v.getType(); }));
      auto frame = LLVM::LLVMStructType::getLiteral(ctx, fields);

      // (frame, task, tasks) -> nest(arguments..., task, tasks)
      auto trampoline = LLVM::LLVMFuncOp::create(
          top, loc, (nest.getSymName() + "_piece" + Twine(counter++)).str(),
          LLVM::LLVMFunctionType::get(voidType, {ptr, i32, i32}),
          LLVM::Linkage::Internal);
      {
        Block *body = trampoline.addEntryBlock(top);
        OpBuilder tb = OpBuilder::atBlockEnd(body);
        SmallVector<Value> passed;
        IRMapping cloned;
        unsigned field = 0;
        for (Value v : args) {
          if (rematerialisable(v, 0)) {
            passed.push_back(rematerialise(tb, v, cloned));
            continue;
          }
          Value address = LLVM::GEPOp::create(
              tb, loc, ptr, frame, body->getArgument(0),
              ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(field++)});
          passed.push_back(LLVM::LoadOp::create(tb, loc, v.getType(), address));
        }
        passed.push_back(
            LLVM::SExtOp::create(tb, loc, i64, body->getArgument(1)));
        passed.push_back(
            LLVM::SExtOp::create(tb, loc, i64, body->getArgument(2)));
        LLVM::CallOp::create(tb, loc, nest, passed);
        LLVM::ReturnOp::create(tb, loc, ValueRange{});
      }

      // The frame on the caller's stack (allocated once, at its entry).
      auto caller = call->getParentOfType<LLVM::LLVMFuncOp>();
      OpBuilder eb = OpBuilder::atBlockBegin(&caller.getBody().front());
      Value one = LLVM::ConstantOp::create(eb, loc, i64, 1);
      Value slot = LLVM::AllocaOp::create(eb, loc, ptr, frame, one);
      OpBuilder cb(call);
      for (auto [i, value] : llvm::enumerate(framed)) {
        Value address = LLVM::GEPOp::create(
            cb, loc, ptr, frame, slot,
            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
        LLVM::StoreOp::create(cb, loc, value, address);
      }
      Value fnAddress = LLVM::AddressOfOp::create(cb, loc, trampoline);
      LLVM::CallOp::create(cb, loc, parallel, ValueRange{fnAddress, slot});
      call.erase();
    }
  }
};

} // namespace
