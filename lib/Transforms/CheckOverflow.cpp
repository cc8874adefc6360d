//===- CheckOverflow.cpp - No fixed-width intermediate can overflow -------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Runs after the integer legalisation, when every integer op and its
// constants are final: a model whose accumulators could wrap would compute
// garbage without any sign, so an unproven bound stops compilation at the op.
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "vitq/Support/Diagnostics.h"

#include "vitq/Analysis/OverflowBounds.h"

#include "mlir/IR/Diagnostics.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQCHECKOVERFLOW
#include "vitq/Transforms/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

static std::string widthName(unsigned bits) {
  return "int" + std::to_string(bits);
}

namespace {

struct CheckOverflowPass
    : public vitq::impl::VitqCheckOverflowBase<CheckOverflowPass> {
  using VitqCheckOverflowBase::VitqCheckOverflowBase;

  void runOnOperation() override {
    ValueRanges ranges;
    bool failedAny = false;
    getOperation()->walk([&](Operation *op) {
      SmallVector<IntermediateBound> bounds = boundIntermediates(op, ranges);
      if (bounds.empty())
        return;
      bool opFailed = false;
      // The first intermediate that may overflow is reported; later steps
      // inherit its range and would only repeat it.
      for (const IntermediateBound &b : bounds) {
        if (b.fits())
          continue;
        InFlightDiagnostic diag = emitNodeError(op);
        diag << b.what << " can overflow: it reaches " << b.range.str()
             << ", beyond " << widthName(b.bits);
        if (!b.why.empty())
          diag << " (" << b.why << ")";
        opFailed = failedAny = true;
        break;
      }
      if (remarks && !opFailed)
        emitProven(op, bounds);
    });
    if (failedAny)
      signalPassFailure();
  }

  /// One remark per op with each bound, for tests and for users who want
  /// to see the margins.
  static void emitProven(Operation *op, ArrayRef<IntermediateBound> bounds) {
    InFlightDiagnostic diag = op->emitRemark("no overflow: ");
    llvm::interleave(
        bounds,
        [&](const IntermediateBound &b) {
          diag << b.what << " in " << b.range.str();
        },
        [&] { diag << "; "; });
  }
};

} // namespace
