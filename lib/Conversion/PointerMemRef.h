//===- PointerMemRef.h - Memrefs over raw pointers --------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The model's entry point receives raw pointers (buffers, workspace). A
// static memref over such a pointer is its LLVM descriptor cast to the memref
// type; the cast cancels against the memref-to-LLVM conversion.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_LIB_CONVERSION_POINTERMEMREF_H
#define VITQ_LIB_CONVERSION_POINTERMEMREF_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::vitq {

/// A memref of static `type` (identity layout) whose data is at `pointer`
/// (an `!llvm.ptr`).
Value memrefFromPointer(OpBuilder &b, Location loc, Value pointer,
                        MemRefType type);

/// The ABI names derived from a symbol prefix.
inline std::string runFunctionName(StringRef prefix) {
  return (prefix + "_run").str();
}

/// The model's thread-count setter, `<prefix>_set_num_threads(int32_t)`.
inline std::string setThreadsFunctionName(StringRef prefix) {
  return (prefix + "_set_num_threads").str();
}
inline std::string metadataName(StringRef prefix) {
  return (prefix + "_metadata").str();
}
/// The metadata line holding the workspace size, up to the number.
constexpr const char *kWorkspaceLine = "\nworkspace ";

} // namespace mlir::vitq

#endif // VITQ_LIB_CONVERSION_POINTERMEMREF_H
