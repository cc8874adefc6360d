//===- OnnxImporterImpl.h - ONNX importer internals -------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_LIB_TARGET_ONNX_ONNXIMPORTERIMPL_H
#define VITQ_LIB_TARGET_ONNX_ONNXIMPORTERIMPL_H

#include "OnnxTensor.h"

#include "vitq/Target/ONNX/OnnxImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <optional>

namespace onnx {
class AttributeProto;
class GraphProto;
class ModelProto;
class NodeProto;
class ValueInfoProto;
} // namespace onnx

namespace mlir::vitq::onnx_import {

/// Opsets the importer knows the semantics of.
constexpr int64_t kMinOpset = 13;
constexpr int64_t kMaxOpset = 21;

/// One ONNX node being converted: its proto, location and attributes.
struct NodeContext {
  const onnx::NodeProto &proto;
  Location loc;
  int64_t opset;

  /// Starts an error naming the node, its op type and the opset.
  InFlightDiagnostic error() const;
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t intAttr(llvm::StringRef name, int64_t dflt) const;
  float floatAttr(llvm::StringRef name, float dflt) const;
  std::string stringAttr(llvm::StringRef name, llvm::StringRef dflt) const;
  std::optional<SmallVector<int64_t>> intsAttr(llvm::StringRef name) const;
  /// True when input `i` is present (ONNX marks omitted inputs with "").
  bool hasInput(unsigned i) const;
};

/// Converts one ModelProto. Values are either SSA values or compile-time
/// tensors, which shape subgraphs fold through and which are materialised
/// as constants only when an op consumes them.
class Importer {
public:
  Importer(MLIRContext *context, const OnnxImportOptions &options,
           llvm::StringRef fileName);
  OwningOpRef<ModuleOp> import(const onnx::ModelProto &model);

private:
  struct Entry {
    Value value;
    std::optional<ConstTensor> constant;
  };
  using BodyFn = std::function<Value(OpBuilder &, Location, ValueRange, Type)>;

  LogicalResult importGraph(const onnx::GraphProto &graph, ModuleOp module);
  FailureOr<RankedTensorType> graphInputType(const onnx::ValueInfoProto &input,
                                             Location loc);
  Location nodeLocation(const onnx::NodeProto &node, int index);
  LogicalResult convertNode(const NodeContext &node);

  // Values.
  Value materialize(const ConstTensor &tensor, llvm::StringRef name,
                    Location loc);
  FailureOr<Value> value(const NodeContext &node, unsigned i);
  const ConstTensor *constant(const NodeContext &node, unsigned i);
  FailureOr<ConstTensor> requireConstant(const NodeContext &node, unsigned i,
                                         llvm::StringRef what);
  static RankedTensorType typeOf(Value v);
  void setResult(const NodeContext &node, unsigned i, Value v);
  void setConstant(const NodeContext &node, unsigned i, ConstTensor tensor);

  // Building blocks (OnnxOps.cpp).
  FailureOr<Value> elementwise(const NodeContext &node, ArrayRef<Value> inputs,
                               Type resultElement, const BodyFn &body);
  Value reshape(Location loc, Value input, ArrayRef<int64_t> shape);
  Value zeros(Location loc, ArrayRef<int64_t> shape, Type element);
  FailureOr<Value> matmul(const NodeContext &node, Value a, Value b);

  // Converters (OnnxOps.cpp).
  LogicalResult convertElementwise(const NodeContext &node);
  LogicalResult convertCast(const NodeContext &node);
  LogicalResult convertConstant(const NodeContext &node);
  LogicalResult convertConstantOfShape(const NodeContext &node);
  LogicalResult convertShape(const NodeContext &node);
  LogicalResult convertReshapeLike(const NodeContext &node);
  LogicalResult convertTranspose(const NodeContext &node);
  LogicalResult convertConcat(const NodeContext &node);
  LogicalResult convertGather(const NodeContext &node);
  LogicalResult convertSlice(const NodeContext &node);
  LogicalResult convertSplit(const NodeContext &node);
  LogicalResult convertExpand(const NodeContext &node);
  LogicalResult convertMatMul(const NodeContext &node);
  LogicalResult convertGemm(const NodeContext &node);
  LogicalResult convertConv(const NodeContext &node);
  LogicalResult convertReduceMean(const NodeContext &node);
  LogicalResult convertSoftmax(const NodeContext &node);
  LogicalResult convertGelu(const NodeContext &node);
  LogicalResult convertLayerNorm(const NodeContext &node);
  LogicalResult convertQuantizeLinear(const NodeContext &node);
  LogicalResult convertDequantizeLinear(const NodeContext &node);

  // Quantization (OnnxOps.cpp).
  FailureOr<Type> quantizedType(const NodeContext &node, unsigned scaleInput,
                                unsigned zpInput, Type expressed,
                                RankedTensorType tensorType);

  MLIRContext *context;
  OpBuilder builder;
  const OnnxImportOptions &options;
  std::string fileName;
  int64_t opset = 0;
  Block *entryBlock = nullptr;
  llvm::StringMap<Entry> values;
};

} // namespace mlir::vitq::onnx_import

#endif // VITQ_LIB_TARGET_ONNX_ONNXIMPORTERIMPL_H
