//===- FloatIslands.cpp - Float computation inside quantized regions ------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Analysis/FloatIslands.h"

#include "vitq/Dialect/Vitq/VitqOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::vitq;

static bool isFloat(Type t) { return isa<FloatType>(getElementTypeOrSelf(t)); }

/// Whether `op` computes floats from the dequantized data: a float result,
/// or a float operand that depends on a dequantize. Float parameters that
/// are compile-time data (a LayerNorm's gamma) do not count.
static bool computesFloat(Operation *op,
                          const llvm::SetVector<Operation *> &downstream) {
  if (llvm::any_of(op->getResultTypes(), isFloat))
    return true;
  return llvm::any_of(op->getOperands(), [&](Value v) {
    Operation *def = v.getDefiningOp();
    return isFloat(v.getType()) && def &&
           (isa<DequantizeOp>(def) || downstream.contains(def));
  });
}

/// The op owning `op` directly under `scope`'s blocks (ops nested in a
/// linalg body count as their linalg op).
static Operation *topLevel(Operation *op, Operation *scope) {
  while (op && op->getParentOp() != scope)
    op = op->getParentOp();
  return op;
}

SmallVector<Operation *> vitq::findFloatIslands(Operation *root) {
  SmallVector<Operation *> islands;
  root->walk([&](Operation *scope) {
    // Analyse each function-like op (an op whose regions hold the graph).
    if (scope->getNumRegions() == 0 || isa<ModuleOp>(scope) ||
        scope->getParentOp() == nullptr || !isa<ModuleOp>(scope->getParentOp()))
      return;
    llvm::SetVector<Operation *> downstream, upstream;
    SmallVector<Operation *> work;
    scope->walk([&](DequantizeOp dq) { work.push_back(dq); });
    while (!work.empty()) {
      Operation *op = work.pop_back_val();
      for (Operation *user : op->getUsers())
        if (Operation *top = topLevel(user, scope))
          if (downstream.insert(top))
            work.push_back(top);
    }
    scope->walk([&](QuantizeOp q) { work.push_back(q); });
    while (!work.empty()) {
      Operation *op = work.pop_back_val();
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp())
          if (Operation *top = topLevel(def, scope))
            if (upstream.insert(top))
              work.push_back(top);
    }
    scope->walk([&](Operation *op) {
      if (op->getParentOp() == scope && downstream.contains(op) &&
          upstream.contains(op) && !isa<QuantizeOp, DequantizeOp>(op) &&
          computesFloat(op, downstream))
        islands.push_back(op);
    });
  });
  return islands;
}

size_t vitq::reportFloatIslands(Operation *root) {
  SmallVector<Operation *> islands = findFloatIslands(root);
  for (Operation *op : islands) {
    InFlightDiagnostic remark = emitRemark(op->getLoc());
    remark << "float island: '" << op->getName() << "'";
    // Name the source node (importers locate ops by NameLoc).
    if (auto name = dyn_cast<NameLoc>(op->getLoc()))
      remark << " of '" << name.getName().getValue() << "'";
    remark << " computes in floating point between a dequantize and a "
              "quantize";
  }
  emitRemark(root->getLoc())
      << islands.size() << " float island op"
      << (islands.size() == 1 ? "" : "s") << " between quantize and dequantize";
  return islands.size();
}
