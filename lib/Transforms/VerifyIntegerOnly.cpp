//===- VerifyIntegerOnly.cpp - No float between quantize and dequantize ---===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The last step of the integer-only legalisation: proves that the data
// between the first quantize and the last dequantize never becomes a float.
// Three kinds of op fail it: float islands (dequantize -> float ops ->
// quantize), float-semantic vitq ops still on quantized tensors, and ops on
// integer data flowing from a quantize that take or produce floats.
//
//===----------------------------------------------------------------------===//

#include "vitq/Transforms/Passes.h"

#include "vitq/Analysis/FloatIslands.h"
#include "vitq/Dialect/Vitq/VitqOps.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQVERIFYINTEGERONLY
#include "vitq/Transforms/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

namespace {

bool isFloat(Type t) { return isa<FloatType>(getElementTypeOrSelf(t)); }
bool isQuantized(Type t) {
  return isa<quant::QuantizedType>(getElementTypeOrSelf(t));
}

/// The op that owns `op` directly in a function body.
Operation *topLevel(Operation *op) {
  while (op->getParentOp() && !isa<FunctionOpInterface>(op->getParentOp()))
    op = op->getParentOp();
  return op;
}

/// Ops downstream of a quantize without passing a dequantize that compute
/// on floats.
void findFloatOnIntegers(ModuleOp module, llvm::SetVector<Operation *> &bad) {
  llvm::SetVector<Operation *> reached;
  SmallVector<Operation *> work;
  module.walk([&](QuantizeOp q) { work.push_back(q); });
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    for (Operation *user : op->getUsers()) {
      Operation *top = topLevel(user);
      if (!isa<DequantizeOp>(top) && reached.insert(top))
        work.push_back(top);
    }
  }
  for (Operation *op : reached) {
    bool floats = llvm::any_of(op->getResultTypes(), isFloat);
    // A float-semantic op on quantized data computes in float.
    if (isa<SoftmaxOp, GeluOp, LayerNormOp>(op))
      floats |= llvm::any_of(op->getOperandTypes(), isQuantized);
    // Float operands coming from the integer side would be a conversion.
    floats |= llvm::any_of(op->getOperands(), [&](Value v) {
      Operation *def = v.getDefiningOp();
      return isFloat(v.getType()) && def && reached.contains(topLevel(def));
    });
    if (floats)
      bad.insert(op);
  }
  // A float-semantic op on quantized data computes in float wherever it is,
  // also on quantized function arguments that no quantize reaches.
  module.walk([&](Operation *op) {
    if (isa<SoftmaxOp, GeluOp, LayerNormOp>(op) &&
        llvm::any_of(op->getOperandTypes(), isQuantized))
      bad.insert(op);
  });
}

struct VerifyIntegerOnlyPass
    : vitq::impl::VitqVerifyIntegerOnlyBase<VerifyIntegerOnlyPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::SetVector<Operation *> bad;
    for (Operation *op : findFloatIslands(module))
      bad.insert(op);
    findFloatOnIntegers(module, bad);
    // Report in program order.
    SmallVector<Operation *> ordered;
    module.walk([&](Operation *op) {
      if (bad.contains(op))
        ordered.push_back(op);
    });
    for (Operation *op : ordered) {
      InFlightDiagnostic diag = op->emitError() << "'" << op->getName() << "'";
      if (auto name = dyn_cast<NameLoc>(op->getLoc()))
        diag << " of '" << name.getName().getValue() << "'";
      diag << " computes in floating point between quantize and dequantize";
      if (isa<SoftmaxOp, GeluOp, LayerNormOp>(op))
        diag << " (run vitq-legalize-nonlinear)";
    }
    if (!ordered.empty()) {
      module.emitError() << ordered.size() << " float op"
                         << (ordered.size() == 1 ? "" : "s")
                         << " between quantize and dequantize: the function "
                            "is not integer-only";
      signalPassFailure();
    }
  }
};

} // namespace
