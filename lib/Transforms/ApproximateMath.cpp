//===- ApproximateMath.cpp - Vectorisable f32 transcendentals -------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQAPPROXIMATEMATH
#include "vitq/Transforms/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;

namespace {

struct ApproximateMathPass
    : vitq::impl::VitqApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    auto selected = [](StringRef name) {
      return name == "math.erf" || name == "math.exp" || name == "math.tanh";
    };
    // Only these ops and what their rewrites create: a greedy rewrite of
    // the whole module would also fold and simplify everything else.
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (selected(op->getName().getStringRef()))
        ops.push_back(op);
    });
    if (ops.empty())
      return;
    RewritePatternSet patterns(&getContext());
    // The f32 patterns only: no widening of other float types around them.
    populateMathPolynomialApproximationPatterns(patterns, selected);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    config.enableFolding(false);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace
