//===- Diagnostics.h - Errors that name the ONNX node -----------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The ONNX importer locates every op at NameLoc(node name, file:position),
// but MLIR prints only the file position of such a location. Passes that
// report problems of an imported model use these helpers so that the
// message names the node as the importer's own errors do.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_SUPPORT_DIAGNOSTICS_H
#define VITQ_SUPPORT_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"

#include <optional>

namespace mlir::vitq {

/// The name in `loc` (the ONNX node an imported op comes from), if any.
std::optional<StringRef> getOnnxNodeName(Location loc);

/// An error at `op` that starts with "ONNX node 'NAME': " when its location
/// names one.
InFlightDiagnostic emitNodeError(Operation *op);

/// emitNodeError followed by the op's name, as Operation::emitOpError
/// words it: "ONNX node 'NAME': 'vitq.layernorm' op ...".
InFlightDiagnostic emitNodeOpError(Operation *op);

} // namespace mlir::vitq

#endif // VITQ_SUPPORT_DIAGNOSTICS_H
