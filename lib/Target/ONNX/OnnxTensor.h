//===- OnnxTensor.h - Constant ONNX tensors ---------------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Compile-time tensors of the importer: initializers, Constant nodes and the
// results of shape subgraphs folded at import time.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_LIB_TARGET_ONNX_ONNXTENSOR_H
#define VITQ_LIB_TARGET_ONNX_ONNXTENSOR_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace mlir::vitq::onnx_import {

/// A constant tensor stored as little-endian bytes in the layout MLIR's
/// dense attributes use for its element type. ONNX's unsigned 8/16-bit types
/// keep their bits in signless MLIR integers and set `isUnsigned`.
struct ConstTensor {
  RankedTensorType type;
  bool isUnsigned = false;
  std::shared_ptr<const std::string> bytes;
  /// The ONNX type's width when narrower than the storage: 4 for int4 and
  /// uint4, held one value a byte in i8 storage; 0 otherwise.
  unsigned bits = 0;

  /// The ONNX element type's width in bits.
  unsigned bitWidth() const {
    return bits ? bits : elementType().getIntOrFloatBitWidth();
  }
  int64_t numElements() const { return type.getNumElements(); }
  Type elementType() const { return type.getElementType(); }
  bool isFloat() const { return isa<FloatType>(elementType()); }
  /// Bytes one element takes in `bytes` (i1 takes a whole byte).
  size_t bytesPerElement() const;
  /// Element `i` as an integer (floats are truncated towards zero).
  int64_t intAt(int64_t i) const;
  /// Element `i` as a double.
  double floatAt(int64_t i) const;
  std::vector<int64_t> ints() const;
  std::vector<double> floats() const;

  /// Builds a tensor of `type` from values (converted to its element type).
  static ConstTensor fromInts(RankedTensorType type, ArrayRef<int64_t> values);
  static ConstTensor fromFloats(RankedTensorType type, ArrayRef<double> values);
};

/// Maps an ONNX TensorProto data type to the MLIR element type; null when
/// vitq does not support it. `isUnsigned` reports uint8/uint16.
/// `v` rounded toward zero into int64, saturating; NaN becomes 0. (A plain
/// cast of a float out of range is undefined behaviour.)
int64_t toInt64(double v);

/// Tensors with more elements than this are rejected: no ViT comes near,
/// and byte counts of larger shapes could overflow.
constexpr int64_t kMaxElements = int64_t(1) << 36;

/// Empty if `shape` is static, non-negative and has at most kMaxElements
/// elements; otherwise what is wrong with it.
std::string checkShape(llvm::ArrayRef<int64_t> shape);

Type convertElementType(MLIRContext *context, int32_t onnxType,
                        bool &isUnsigned);

//===----------------------------------------------------------------------===//
// Data movement on compile-time tensors
//===----------------------------------------------------------------------===//
//
// These move elements as raw bytes, so they serve any element type (float
// values, integer storage of quantized constants, shape tensors alike) and
// keep `isUnsigned`. Callers check shapes and arguments first.

/// `t` with its dimensions permuted: result dimension i is `perm[i]` of `t`.
ConstTensor transposeConstant(const ConstTensor &t, ArrayRef<int64_t> perm);

/// The elements at `offsets + i * strides` for i < `sizes` in every
/// dimension (strides may be negative).
ConstTensor sliceConstant(const ConstTensor &t, ArrayRef<int64_t> offsets,
                          ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides);

/// ONNX Gather: entries `indices` (already non-negative, of shape
/// `indicesShape`) of dimension `axis`, which the index dimensions replace.
ConstTensor gatherConstant(const ConstTensor &t, int64_t axis,
                           ArrayRef<int64_t> indices,
                           ArrayRef<int64_t> indicesShape);

/// `parts` (of one element type and rank, equal outside `axis`) joined
/// along `axis`.
ConstTensor concatConstants(ArrayRef<const ConstTensor *> parts, int64_t axis);

/// `t` broadcast NumPy-style to `shape` (which `t` must broadcast to).
ConstTensor broadcastConstant(const ConstTensor &t, ArrayRef<int64_t> shape);

/// Reads an initializer or Constant value, including external data stored
/// relative to `externalDataDir`. Returns an error message on failure.
std::string readTensor(const onnx::TensorProto &proto, MLIRContext *context,
                       llvm::StringRef externalDataDir, ConstTensor &result);

} // namespace mlir::vitq::onnx_import

#endif // VITQ_LIB_TARGET_ONNX_ONNXTENSOR_H
