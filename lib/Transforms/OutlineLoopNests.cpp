//===- OutlineLoopNests.cpp - One function per top-level loop nest --------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQOUTLINELOOPNESTS
#include "vitq/Transforms/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;

namespace {

/// Outlines `loop` (an scf.for or scf.parallel without results) through an
/// scf.execute_region wrapper.
LogicalResult outlineLoop(IRRewriter &rewriter, Operation *loop,
                          StringRef name) {
  rewriter.setInsertionPoint(loop);
  auto region =
      scf::ExecuteRegionOp::create(rewriter, loop->getLoc(), TypeRange{});
  Block *body = rewriter.createBlock(&region.getRegion());
  rewriter.setInsertionPointToStart(body);
  auto yield = scf::YieldOp::create(rewriter, loop->getLoc());
  loop->moveBefore(yield);
  func::CallOp call;
  FailureOr<func::FuncOp> outlined = outlineSingleBlockRegion(
      rewriter, loop->getLoc(), region.getRegion(), name, &call);
  if (failed(outlined))
    return failure();
  func::FuncOp fn = *outlined;
  fn.setPrivate();
  // Internal linkage keeps the function out of the library's exports; the
  // LLVM inliner would put a single-call internal function straight back.
  fn->setAttr("llvm.linkage", LLVM::LinkageAttr::get(rewriter.getContext(),
                                                     LLVM::Linkage::Internal));
  fn->setAttr("passthrough",
              rewriter.getArrayAttr({rewriter.getStringAttr("noinline")}));
  // The wrapper now holds just the call.
  call->moveBefore(region);
  rewriter.eraseOp(region);
  return success();
}

struct OutlineLoopNestsPass
    : vitq::impl::VitqOutlineLoopNestsBase<OutlineLoopNestsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<func::FuncOp> functions(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp fn : functions) {
      if (fn.isExternal())
        continue;
      SmallVector<Operation *> loops;
      for (Block &block : fn.getBody())
        for (Operation &op : block)
          if (isa<scf::ForOp, scf::ParallelOp>(op) && op.getNumResults() == 0)
            loops.push_back(&op);
      SymbolTable symbols(getOperation());
      unsigned next = 0;
      for (Operation *loop : loops) {
        std::string name;
        do
          name = (fn.getSymName() + "_nest" + Twine(next++)).str();
        while (symbols.lookup(name));
        if (failed(outlineLoop(rewriter, loop, name))) {
          loop->emitError("cannot outline this loop nest");
          return signalPassFailure();
        }
      }
    }
  }
};

} // namespace
