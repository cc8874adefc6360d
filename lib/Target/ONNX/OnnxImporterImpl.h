//===- OnnxImporterImpl.h - ONNX importer internals -------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_LIB_TARGET_ONNX_ONNXIMPORTERIMPL_H
#define VITQ_LIB_TARGET_ONNX_ONNXIMPORTERIMPL_H

#include "OnnxTensor.h"

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Target/ONNX/OnnxImporter.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <deque>
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

  /// The first attribute read with the wrong type ("attribute 'axis' is a
  /// FLOAT, not an INT"); the getters return the default instead, and the
  /// node fails once converted.
  mutable std::string attributeError = {};

private:
  /// The attribute `name` if it has type `expected` (or none, as in old
  /// models); records the mismatch otherwise.
  const onnx::AttributeProto *typedAttr(llvm::StringRef name,
                                        int expected) const;
};

/// The vitq.activation kind of ONNX op `opType` (Sigmoid, HardSigmoid,
/// HardSwish; Swish, the fused SiLU), or nullopt.
std::optional<llvm::StringRef> activationKind(llvm::StringRef opType);

/// Why `node` does not match ONNX's schema of its op at `opset` (input and
/// output counts, attribute types), or nullopt if it does or ONNX has no
/// schema for it.
std::optional<std::string> checkNodeSchema(const onnx::NodeProto &node,
                                           int64_t opset);

/// `type` with its per-axis dimension moved to `axis`; per-tensor types are
/// returned as they are.
quant::QuantizedType withQuantizedAxis(quant::QuantizedType type, int64_t axis);

/// The dimension of `out` that a reshape maps dimension `axis` of `in` to:
/// one of the same size after the same number of elements; -1 when the
/// reshape splits or merges it.
int64_t reshapedAxis(ArrayRef<int64_t> in, ArrayRef<int64_t> out, int64_t axis);

/// The signed storage vitq keeps of an unsigned integer constant: every
/// value minus 2^(bits-1).
ConstTensor toSignedStorage(const ConstTensor &tensor);

/// The float values of the integers `storage` (signed storage) of
/// quantized type `type`: (q - zero point) * scale.
ConstTensor dequantizeConstant(const ConstTensor &storage,
                               quant::QuantizedType type);

/// The elements a Slice takes, per dimension: offset + i * step for
/// i < size (steps may be negative).
struct SliceRanges {
  SmallVector<int64_t> offsets, sizes, steps;
};

/// A scale input index meaning "unit scales" (MatMulInteger has none).
constexpr unsigned kUnitScale = ~0u;

/// Attributes of an ONNX Conv / QLinearConv.
struct ConvParams {
  SmallVector<int64_t> strides, dilations, pads;
  int64_t groups = 1;
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
  /// A constant that a DequantizeLinear produced from integers: its signed
  /// storage (unsigned data flipped, as quantized values are kept) and the
  /// quantized type the integers have.
  struct QuantizedConstant {
    ConstTensor storage;
    quant::QuantizedType type;
  };
  /// An ONNX value: SSA, compile-time, or both once materialised. A
  /// dequantized constant keeps its integers too, for the consumers that
  /// compute on them (weights, int32 biases).
  struct Entry {
    Value value;
    std::optional<ConstTensor> constant;
    std::optional<QuantizedConstant> quantized = std::nullopt;
    /// The storage of `quantized` as a quantized tensor, once materialised.
    Value quantizedValue = {};
  };
  using BodyFn = std::function<Value(OpBuilder &, Location, ValueRange, Type)>;
  using Converter = LogicalResult (Importer::*)(const NodeContext &);

  /// The QuantizeLinear node that is the only user of a node's output
  /// (possibly behind data movement), and the type it quantizes to.
  struct QuantizedUse {
    int position;
    quant::QuantizedType type;
    bool isUnsigned; // the ONNX type of the QuantizeLinear's output
    /// False when data movement lies between the node and the
    /// QuantizeLinear: the node's own output is then set, not the Q's.
    bool direct;
    std::string producerOutput;
  };

  LogicalResult importGraph(const onnx::GraphProto &graph, ModuleOp module);
  void indexUsers(const onnx::GraphProto &graph);
  LogicalResult finishResult(const onnx::ValueInfoProto &output, Value &result);
  FailureOr<RankedTensorType> graphInputType(const onnx::ValueInfoProto &input,
                                             Location loc);
  Location nodeLocation(const onnx::NodeProto &node, int index);
  LogicalResult convertNode(const NodeContext &node);
  /// The converter of `node`'s op; null when there is none.
  static Converter converterFor(const onnx::NodeProto &node);
  /// The name of `node`'s op ("Mod", "com.microsoft.Gelu") when vitq cannot
  /// import it at all.
  static std::optional<std::string>
  unsupportedOpName(const onnx::NodeProto &node);
  /// Converts `node` and checks what it produced: attributes of the right
  /// types, result shapes that are sane, and ops that verify.
  LogicalResult convertAndCheck(const NodeContext &node);
  LogicalResult checkNodes(const onnx::GraphProto &graph);
  LogicalResult checkDeclaredOutput(const onnx::ValueInfoProto &output,
                                    RankedTensorType computed, Location loc);

  // Values.
  Value materialize(const ConstTensor &tensor, llvm::StringRef name,
                    Location loc);
  /// The compile-time tensor of `entry`, computing a dequantized
  /// constant's float values on first use; null for run-time values.
  static const ConstTensor *floatsOf(Entry &entry);
  FailureOr<Value> value(const NodeContext &node, unsigned i);
  const ConstTensor *constant(const NodeContext &node, unsigned i);
  /// The integers behind input `i` when it is a dequantized constant.
  const QuantizedConstant *quantizedConstant(const NodeContext &node,
                                             unsigned i);
  /// Input `i` as a quantized tensor when it is dequantized (at run time,
  /// or a dequantized constant); null otherwise.
  FailureOr<Value> quantizedSource(const NodeContext &node, unsigned i);
  FailureOr<ConstTensor> requireConstant(const NodeContext &node, unsigned i,
                                         llvm::StringRef what);
  static RankedTensorType typeOf(Value v);
  void setResult(const NodeContext &node, unsigned i, Value v);
  void setConstant(const NodeContext &node, unsigned i, ConstTensor tensor);

  // Graph normalisation (OnnxPatterns.cpp).
  void fuseDecomposedPatterns(const onnx::GraphProto &graph);
  /// Appends the QDQ form of a com.microsoft QOperator op (QLinearAdd,
  /// QLinearMul, QLinearConcat) to `nodes`; false when it has none or its
  /// value names would clash with `taken`.
  bool expandQOperator(const onnx::NodeProto &node, int index,
                       const llvm::StringSet<> &taken);

  // Building blocks (OnnxOps.cpp).
  FailureOr<ConvParams> convParams(const NodeContext &node);
  /// `x` (N x C x H x W) with `before` and `after` zeros around H and W.
  Value padSpatial(Location loc, Value x, ArrayRef<int64_t> before,
                   ArrayRef<int64_t> after);
  /// The strides and dilations attributes of a linalg convolution or pool.
  SmallVector<NamedAttribute> windowAttrs(ArrayRef<int64_t> strides,
                                          ArrayRef<int64_t> dilations);
  FailureOr<SmallVector<int64_t>> convOutputShape(const NodeContext &node,
                                                  RankedTensorType input,
                                                  RankedTensorType weight,
                                                  const ConvParams &params);
  FailureOr<Value> elementwise(const NodeContext &node, ArrayRef<Value> inputs,
                               Type resultElement, const BodyFn &body);
  Value reshape(Location loc, Value input, ArrayRef<int64_t> shape);
  Value zeros(Location loc, ArrayRef<int64_t> shape, Type element);
  FailureOr<Value> matmul(const NodeContext &node, Value a, Value b);

  /// Folds a node whose data inputs are all compile-time tensors
  /// (DequantizeLinear, data movement, float arithmetic; OnnxFold.cpp);
  /// true when the node was folded. Dequantized constants keep their
  /// integers through data movement.
  FailureOr<bool> foldConstantNode(const NodeContext &node);
  FailureOr<bool> foldDequantize(const NodeContext &node);
  FailureOr<bool> foldMovement(const NodeContext &node);
  FailureOr<bool> foldFloatArithmetic(const NodeContext &node);

  /// Folds integer shape arithmetic (Add/Sub/Mul/Div/Equal/Where/Slice on
  /// small constants); true when the node was folded.
  FailureOr<bool> foldShapeArithmetic(const NodeContext &node);
  FailureOr<bool> foldSlice(const NodeContext &node,
                            ArrayRef<const ConstTensor *> in);
  /// Slice's ranges over `shape` from its starts, ends, axes and steps,
  /// clamped as ONNX says; failure (with a diagnostic when `report`) when
  /// they are not known at import time or do not fit.
  FailureOr<SliceRanges> sliceRanges(const NodeContext &node,
                                     ArrayRef<int64_t> shape, bool report);

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

  // Converters of convolutional and hybrid vision models (OnnxVision.cpp).
  LogicalResult convertAveragePool(const NodeContext &node);
  LogicalResult convertPad(const NodeContext &node);
  LogicalResult convertBatchNorm(const NodeContext &node);
  LogicalResult convertInstanceNorm(const NodeContext &node);
  LogicalResult convertResize(const NodeContext &node);
  LogicalResult convertSoftmax(const NodeContext &node);
  LogicalResult convertGelu(const NodeContext &node);
  LogicalResult convertLayerNorm(const NodeContext &node);
  LogicalResult convertQuantizeLinear(const NodeContext &node);
  LogicalResult convertDequantizeLinear(const NodeContext &node);

  // Quantization (OnnxQuant.cpp).
  /// The (signed-storage) quantized type given by a scale and zero-point
  /// input pair; `expressed` defaults to the scale's element type. Without
  /// a zero point the storage is `defaultUnsigned`, `defaultWidth` bits.
  FailureOr<Type> quantizedType(const NodeContext &node, unsigned scaleInput,
                                unsigned zpInput, RankedTensorType tensorType,
                                int64_t defaultAxis = 1, Type expressed = {},
                                bool defaultUnsigned = true,
                                unsigned defaultWidth = 8);
  FailureOr<Value> quantizedInput(const NodeContext &node, unsigned data,
                                  unsigned scaleInput, unsigned zpInput,
                                  int64_t defaultAxis = 1);
  Value storageOf(Location loc, Value quantized);
  Value asQuantized(Location loc, Value storage, Type quantizedElement);
  Value dequantize(Location loc, Value quantized);
  Value flipSignBit(Location loc, Value v);
  static Value dequantizedSource(Value v);
  std::optional<QuantizedUse> quantizedUse(const NodeContext &node);
  void absorb(const QuantizedUse &use, Value quantized);
  void noteSignedness(const NodeContext &node, unsigned zpInput);
  FailureOr<Value> accumulate(const NodeContext &node, Value a, Value b,
                              bool transposeB, double alpha = 1.0);
  FailureOr<Value> qoperatorProduct(const NodeContext &node,
                                    ArrayRef<unsigned> aInputs,
                                    ArrayRef<unsigned> bInputs, bool transposeB,
                                    double alpha, llvm::StringRef requirement);
  FailureOr<Value> convAccumulate(const NodeContext &node, Value x, Value w);
  FailureOr<Value> addBias(const NodeContext &node, Value acc,
                           unsigned biasInput, double beta = 1.0,
                           bool accumulatorUnits = false,
                           bool channelBias = false);
  FailureOr<Value> requantize(const NodeContext &node, Value source,
                              quant::QuantizedType target);
  FailureOr<Value> quantizedAdd(const NodeContext &node, Value a, Value b,
                                quant::QuantizedType target,
                                bool subtract = false);
  FailureOr<Value> quantizeConstantOperand(const NodeContext &node,
                                           unsigned input);
  /// `real` quantized at compile time to `target` (QuantizeLinear's
  /// rounding), as a quantized tensor.
  Value quantizeConstant(const ConstTensor &real,
                         quant::UniformQuantizedType target,
                         llvm::StringRef name, Location loc);
  /// The operand and result type of a float-semantic op (softmax, GELU,
  /// LayerNorm): its quantized input when it is dequantized and the op's
  /// only user quantizes, else the float input.
  struct IslandOperand {
    Value value;
    RankedTensorType resultType;
    std::optional<QuantizedUse> use;
  };
  IslandOperand islandOperand(const NodeContext &node, Value input);
  /// islandOperand, quantized only for an 8-bit input and a per-tensor
  /// result: what an elementwise table (vitq.lookup) can compute.
  IslandOperand tableIsland(const NodeContext &node, Value input);
  /// islandOperand's quantized case with both types per tensor and the
  /// input at most 16 bits: the input's integers (as a quantized value),
  /// its type, the result's, and the QuantizeLinear that takes the result.
  struct QuantizedUnary {
    Value input;
    quant::UniformQuantizedType in, out;
    QuantizedUse use;
  };
  std::optional<QuantizedUnary> quantizedUnary(const NodeContext &node,
                                               Value input);
  void finishIsland(const NodeContext &node, const IslandOperand &in,
                    Value result);
  LogicalResult finishQuantized(const NodeContext &node, Value quantized);
  LogicalResult finishQOperator(const NodeContext &node, Value acc,
                                unsigned scale, unsigned zp);
  FailureOr<quant::QuantizedType> outputQuantType(const NodeContext &node,
                                                  unsigned scale, unsigned zp);
  FailureOr<ConstTensor> unitScale(const NodeContext &node, unsigned zpInput);
  FailureOr<bool> convertQuantizedMovement(const NodeContext &node,
                                           Converter converter);
  FailureOr<bool> tryQuantizedMatMul(const NodeContext &node);
  FailureOr<bool> tryQuantizedGemm(const NodeContext &node);
  FailureOr<bool> tryQuantizedConv(const NodeContext &node);
  /// Add (or, with `subtract`, Sub) of quantized operands whose result is
  /// quantized: vitq.add.
  FailureOr<bool> tryQuantizedAdd(const NodeContext &node,
                                  bool subtract = false);
  FailureOr<bool> tryQuantizedMul(const NodeContext &node);
  /// Mul or Div of two dequantized per-tensor run-time values whose only
  /// user quantizes the result: vitq.mul / vitq.div.
  FailureOr<bool> tryQuantizedProduct(const NodeContext &node);
  /// y = x * scale[c] + shift[c] along `axis` of a dequantized per-tensor
  /// input whose only user quantizes it: one vitq.affine.
  FailureOr<bool> tryQuantizedAffine(const NodeContext &node, Value input,
                                     int64_t axis, ArrayRef<double> scale,
                                     ArrayRef<double> shift);
  /// vitq.affine's attributes for y = x * scale[c] + shift[c] (real values)
  /// from `in` to `out`; nullopt when a factor has no dyadic form.
  struct AffineParams {
    RescaleAttr rescale;
    SmallVector<int32_t> bias;
  };
  std::optional<AffineParams> affineParams(quant::UniformQuantizedType in,
                                           quant::UniformQuantizedType out,
                                           int64_t axis, ArrayRef<double> scale,
                                           ArrayRef<double> shift);
  /// vitq.affine of the quantized `q` (of type `in`) into `out`.
  Value buildAffine(Location loc, Value q, quant::UniformQuantizedType in,
                    quant::UniformQuantizedType out,
                    const AffineParams &params);
  /// AveragePool of a dequantized per-tensor input whose only user
  /// quantizes it: vitq.avg_pool2d, one dyadic factor per window count.
  FailureOr<bool> tryQuantizedAvgPool(const NodeContext &node, Value input,
                                      ArrayRef<int64_t> kernel,
                                      ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> pads, bool includePad,
                                      ArrayRef<int64_t> outputShape);
  /// InstanceNormalization (over the dimensions after the channels) of a
  /// dequantized per-tensor input whose only user quantizes it: a
  /// vitq.layernorm into int16 and a per-channel vitq.affine.
  FailureOr<bool> tryQuantizedInstanceNorm(const NodeContext &node, Value input,
                                           int64_t count);
  /// Resize (nearest or linear; `rows` and `columns` its interpolation
  /// weights, OH x H and OW x W) of a dequantized per-tensor input whose
  /// only user quantizes it: vitq.resize with fixed-point weights and one
  /// vitq.requantize.
  FailureOr<bool> tryQuantizedResize(const NodeContext &node, Value input,
                                     ArrayRef<double> rows,
                                     ArrayRef<double> columns,
                                     ArrayRef<int64_t> outputShape);
  /// `x` (N x C x ...) normalised over each (image, channel)'s `count`
  /// elements by a vitq.layernorm with unit gamma and zero beta, into
  /// `resultElement` (float, or a quantized type).
  Value normalizeInstances(const NodeContext &node, Value x, int64_t count,
                           Type resultElement);
  /// A sum or mean of a dequantized per-tensor input over `dims` (leaving
  /// `reducedShape`), whose only user quantizes it: vitq.reduce_sum and one
  /// vitq.requantize, reshaped to `resultShape`.
  FailureOr<bool> tryQuantizedReduce(const NodeContext &node, Value input,
                                     ArrayRef<int64_t> dims, int64_t count,
                                     bool mean, ArrayRef<int64_t> reducedShape,
                                     ArrayRef<int64_t> resultShape);
  LogicalResult convertQLinearMatMul(const NodeContext &node);
  LogicalResult convertQLinearConv(const NodeContext &node);
  LogicalResult convertMatMulInteger(const NodeContext &node);
  LogicalResult convertQGemm(const NodeContext &node);
  LogicalResult convertQLinearAdd(const NodeContext &node);
  LogicalResult convertQLinearSoftmax(const NodeContext &node);

  MLIRContext *context;
  OpBuilder builder;
  const OnnxImportOptions &options;
  std::string fileName;
  int64_t opset = 0;
  Block *entryBlock = nullptr;
  llvm::StringMap<Entry> values;
  /// The nodes to convert, in order, after pattern fusion; their indices in
  /// the ONNX graph; and the storage of fused nodes.
  std::vector<const onnx::NodeProto *> nodes;
  std::vector<int> nodeIndices;
  std::deque<onnx::NodeProto> synthetic;
  /// Positions in `nodes` of each value's users (-1: a graph output).
  llvm::StringMap<SmallVector<int, 2>> users;
  /// Position in `nodes` of each value's producer.
  llvm::StringMap<int> producers;
  /// Positions of QuantizeLinear nodes already folded into their producer.
  llvm::DenseSet<int> absorbed;
  /// Elements of the tensors folded so far (OnnxFold.cpp's budget).
  int64_t foldedElements = 0;
  /// Set by convertNode when it fails on an op it has no converter for.
  std::optional<std::string> unsupportedOp;
  /// Values whose ONNX type is unsigned: graph inputs and quantized results
  /// with unsigned zero points (quantized storage is kept signed).
  llvm::StringSet<> unsignedValues;
};

} // namespace mlir::vitq::onnx_import

#endif // VITQ_LIB_TARGET_ONNX_ONNXIMPORTERIMPL_H
