//===- Diagnostics.cpp - Errors that name the ONNX node -------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Support/Diagnostics.h"

#include "mlir/IR/Location.h"

using namespace mlir;

std::optional<StringRef> vitq::getOnnxNodeName(Location loc) {
  if (auto named = loc->findInstanceOf<NameLoc>())
    return named.getName().getValue();
  return std::nullopt;
}

InFlightDiagnostic vitq::emitNodeError(Operation *op) {
  InFlightDiagnostic diag = op->emitError();
  if (std::optional<StringRef> name = getOnnxNodeName(op->getLoc()))
    diag << "ONNX node '" << *name << "': ";
  return diag;
}

InFlightDiagnostic vitq::emitNodeOpError(Operation *op) {
  InFlightDiagnostic diag = emitNodeError(op);
  diag << "'" << op->getName() << "' op ";
  return diag;
}
