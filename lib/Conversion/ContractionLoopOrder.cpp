//===- ContractionLoopOrder.cpp - n innermost in float matmuls ------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQCONTRACTIONLOOPORDER
#include "vitq/Conversion/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;

namespace {

/// Whether `op` (generalised) loops ..., n, k with k the only reduction,
/// last, and an rhs indexed [..., k, n].
bool isKInnermostOverKN(linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  if (loops < 3 || op.getNumDpsInputs() != 2 ||
      llvm::count(kinds, utils::IteratorType::reduction) != 1 ||
      kinds.back() != utils::IteratorType::reduction)
    return false;
  AffineMap rhs = op.getIndexingMapsArray()[1];
  if (rhs.getNumResults() < 2)
    return false;
  auto last = dyn_cast<AffineDimExpr>(rhs.getResults().back());
  auto before = dyn_cast<AffineDimExpr>(rhs.getResults().drop_back().back());
  return last && before && last.getPosition() == loops - 2 &&
         before.getPosition() == loops - 1;
}

struct ContractionLoopOrderPass
    : vitq::impl::VitqContractionLoopOrderBase<ContractionLoopOrderPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> matmuls;
    getOperation()->walk([&](Operation *op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
        matmuls.push_back(cast<linalg::LinalgOp>(op));
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp matmul : matmuls) {
      rewriter.setInsertionPoint(matmul);
      FailureOr<linalg::GenericOp> generic =
          linalg::generalizeNamedOp(rewriter, matmul);
      if (failed(generic) || !isKInnermostOverKN(*generic))
        continue;
      unsigned loops = generic->getNumLoops();
      SmallVector<unsigned> order;
      for (unsigned i = 0; i + 2 < loops; ++i)
        order.push_back(i);
      order.append({loops - 1, loops - 2});
      (void)linalg::interchangeGenericOp(rewriter, *generic, order);
    }
  }
};

} // namespace
