//===- OnnxImporter.h - ONNX protobuf to vitq IR ----------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Imports an ONNX model (FP32 or quantized) into a module holding one
// function whose arguments and results mirror the graph inputs and outputs.
// Float computation becomes linalg/tensor/arith/math ops, quantization
// becomes vitq ops on !quant.uniform tensors, and every op is located at its
// ONNX node.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_TARGET_ONNX_ONNXIMPORTER_H
#define VITQ_TARGET_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <string>

namespace mlir::vitq {

struct OnnxImportOptions {
  /// Static shapes for graph inputs, overriding the model's (name -> dims).
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Directory that external-data paths are relative to; defaults to the
  /// directory of the model file.
  std::string externalDataDir;
  /// Emit a remark for every op left computing in float between a
  /// dequantize and a quantize.
  bool reportFloatIslands = false;
};

/// Parses `--input-shape` values of the form `name=1x3x224x224`.
LogicalResult parseInputShape(llvm::StringRef spec, OnnxImportOptions &options,
                              std::string &error);

/// Imports the serialized ONNX model in `buffer` (its identifier names the
/// file, for locations and external data). Reports errors as diagnostics and
/// returns null on failure.
OwningOpRef<ModuleOp> importOnnxModel(llvm::MemoryBufferRef buffer,
                                      MLIRContext *context,
                                      const OnnxImportOptions &options);

/// Registers `--import-onnx` (with `--input-shape`) with the translation
/// registry.
void registerImportOnnxTranslation();

} // namespace mlir::vitq

#endif // VITQ_TARGET_ONNX_ONNXIMPORTER_H
