//===- OnnxImporter.cpp - ONNX protobuf to vitq IR ------------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The graph walk: graph inputs become function arguments, initializers and
// Constant nodes become compile-time tensors (materialised lazily, large ones
// as resource blobs), and each node is converted by the op table in
// OnnxOps.cpp at a location naming the node.
//
//===----------------------------------------------------------------------===//

#include "OnnxImporterImpl.h"

#include "vitq/Analysis/FloatIslands.h"
#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Target/ONNX/OnnxImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace mlir::vitq;
using namespace mlir::vitq::onnx_import;

/// Constants with more elements than this become resource blobs, so large
/// weights neither bloat the IR text nor pass through attribute uniquing.
static constexpr int64_t kInlineConstantLimit = 64;

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

InFlightDiagnostic NodeContext::error() const {
  InFlightDiagnostic diag = emitError(loc);
  // Unnamed nodes go by the name their location gives them (Add_3).
  std::string name = proto.name();
  if (auto named = dyn_cast<NameLoc>(loc); name.empty() && named)
    name = named.getName().str();
  diag << "ONNX node '" << name << "' (" << proto.op_type() << ", opset "
       << opset << "): ";
  return diag;
}

const onnx::AttributeProto *NodeContext::attr(llvm::StringRef name) const {
  for (const auto &attribute : proto.attribute())
    if (attribute.name() == name)
      return &attribute;
  return nullptr;
}

const onnx::AttributeProto *NodeContext::typedAttr(llvm::StringRef name,
                                                   int expected) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a || a->type() == expected ||
      a->type() == onnx::AttributeProto::UNDEFINED)
    return a;
  if (attributeError.empty())
    attributeError =
        ("attribute '" + name + "' is " +
         onnx::AttributeProto::AttributeType_Name(
             static_cast<onnx::AttributeProto::AttributeType>(a->type())) +
         ", expected " +
         onnx::AttributeProto::AttributeType_Name(
             static_cast<onnx::AttributeProto::AttributeType>(expected)))
            .str();
  return nullptr;
}

int64_t NodeContext::intAttr(llvm::StringRef name, int64_t dflt) const {
  const onnx::AttributeProto *a = typedAttr(name, onnx::AttributeProto::INT);
  return a ? a->i() : dflt;
}

float NodeContext::floatAttr(llvm::StringRef name, float dflt) const {
  const onnx::AttributeProto *a = typedAttr(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : dflt;
}

std::string NodeContext::stringAttr(llvm::StringRef name,
                                    llvm::StringRef dflt) const {
  const onnx::AttributeProto *a = typedAttr(name, onnx::AttributeProto::STRING);
  return a ? a->s() : dflt.str();
}

std::optional<SmallVector<int64_t>>
NodeContext::intsAttr(llvm::StringRef name) const {
  const onnx::AttributeProto *a = typedAttr(name, onnx::AttributeProto::INTS);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

bool NodeContext::hasInput(unsigned i) const {
  return static_cast<int>(i) < proto.input_size() && !proto.input(i).empty();
}

//===----------------------------------------------------------------------===//
// Importer: values and constants
//===----------------------------------------------------------------------===//

Importer::Importer(MLIRContext *context, const OnnxImportOptions &options,
                   llvm::StringRef fileName)
    : context(context), builder(context), options(options),
      fileName(fileName.str()) {}

Value Importer::materialize(const ConstTensor &tensor, llvm::StringRef name,
                            Location loc) {
  RankedTensorType type = tensor.type;
  ArrayRef<char> raw(tensor.bytes->data(), tensor.bytes->size());
  ElementsAttr attr;
  if (type.getElementType().isInteger(1)) {
    SmallVector<bool> bits;
    for (int64_t v : tensor.ints())
      bits.push_back(v != 0);
    attr = DenseElementsAttr::get(type, bits);
  } else if (tensor.numElements() > kInlineConstantLimit) {
    std::string blobName = name.empty() ? "onnx_constant" : name.str();
    attr = DenseResourceElementsAttr::get(
        type, blobName,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, alignof(int64_t)));
  } else {
    attr = DenseElementsAttr::getFromRawBuffer(type, raw);
  }
  return arith::ConstantOp::create(builder, loc, type, cast<TypedAttr>(attr));
}

const ConstTensor *Importer::floatsOf(Entry &entry) {
  if (!entry.constant && entry.quantized)
    entry.constant =
        dequantizeConstant(entry.quantized->storage, entry.quantized->type);
  return entry.constant ? &*entry.constant : nullptr;
}

FailureOr<Value> Importer::value(const NodeContext &node, unsigned i) {
  if (!node.hasInput(i)) {
    node.error() << "input #" << i << " is required";
    return failure();
  }
  const std::string &name = node.proto.input(i);
  auto it = values.find(name);
  if (it == values.end()) {
    node.error() << "input '" << name << "' is not defined before its use";
    return failure();
  }
  Entry &entry = it->second;
  if (!entry.value) {
    // Materialise at the function entry so every use is dominated.
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(entryBlock);
    entry.value = materialize(*floatsOf(entry), name,
                              NameLoc::get(builder.getStringAttr(name)));
  }
  // Compile-time shape arithmetic may produce empty tensors; computation on
  // them is not supported (and no ViT has any).
  if (llvm::is_contained(typeOf(entry.value).getShape(), 0)) {
    node.error() << "input '" << name << "' is an empty tensor "
                 << typeOf(entry.value) << "; empty tensors are not supported";
    return failure();
  }
  return entry.value;
}

const ConstTensor *Importer::constant(const NodeContext &node, unsigned i) {
  if (!node.hasInput(i))
    return nullptr;
  auto it = values.find(node.proto.input(i));
  if (it == values.end())
    return nullptr;
  return floatsOf(it->second);
}

const Importer::QuantizedConstant *
Importer::quantizedConstant(const NodeContext &node, unsigned i) {
  if (!node.hasInput(i))
    return nullptr;
  auto it = values.find(node.proto.input(i));
  if (it == values.end() || !it->second.quantized)
    return nullptr;
  return &*it->second.quantized;
}

FailureOr<Value> Importer::quantizedSource(const NodeContext &node,
                                           unsigned i) {
  if (node.hasInput(i)) {
    auto it = values.find(node.proto.input(i));
    if (it != values.end() && it->second.quantized) {
      Entry &entry = it->second;
      if (!entry.quantizedValue) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPointToStart(entryBlock);
        Location loc = NameLoc::get(builder.getStringAttr(it->first()));
        Value storage = materialize(entry.quantized->storage, it->first(), loc);
        entry.quantizedValue = asQuantized(loc, storage, entry.quantized->type);
      }
      return entry.quantizedValue;
    }
  }
  FailureOr<Value> v = value(node, i);
  if (failed(v))
    return failure();
  return dequantizedSource(*v);
}

FailureOr<ConstTensor> Importer::requireConstant(const NodeContext &node,
                                                 unsigned i,
                                                 llvm::StringRef what) {
  if (const ConstTensor *c = constant(node, i))
    return *c;
  node.error() << what << " (input #" << i
               << ") must be a constant or computable at import time";
  return failure();
}

RankedTensorType Importer::typeOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

void Importer::setResult(const NodeContext &node, unsigned i, Value v) {
  if (static_cast<int>(i) < node.proto.output_size() &&
      !node.proto.output(i).empty())
    values[node.proto.output(i)] = Entry{v, std::nullopt};
}

void Importer::setConstant(const NodeContext &node, unsigned i,
                           ConstTensor tensor) {
  if (static_cast<int>(i) < node.proto.output_size() &&
      !node.proto.output(i).empty())
    values[node.proto.output(i)] = Entry{Value(), std::move(tensor)};
}

//===----------------------------------------------------------------------===//
// Importer: graph
//===----------------------------------------------------------------------===//

Location Importer::nodeLocation(const onnx::NodeProto &node, int index) {
  std::string name = node.name().empty()
                         ? node.op_type() + "_" + std::to_string(index)
                         : node.name();
  // The "line" is the node's position in the graph (1-based), so
  // diagnostics point at the node even in a binary file.
  return NameLoc::get(
      builder.getStringAttr(name),
      FileLineColLoc::get(builder.getStringAttr(fileName), index + 1, 0));
}

FailureOr<RankedTensorType>
Importer::graphInputType(const onnx::ValueInfoProto &input, Location loc) {
  const auto &tensorType = input.type().tensor_type();
  if (!input.type().has_tensor_type()) {
    emitError(loc) << "graph input '" << input.name() << "' is not a tensor";
    return failure();
  }
  bool isUnsigned;
  Type element =
      convertElementType(context, tensorType.elem_type(), isUnsigned);
  if (!element) {
    emitError(loc) << "graph input '" << input.name()
                   << "' has an unsupported element type";
    return failure();
  }
  SmallVector<int64_t> shape;
  auto override = options.inputShapes.find(input.name());
  if (override != options.inputShapes.end()) {
    shape = override->second;
    if (tensorType.has_shape() &&
        tensorType.shape().dim_size() != static_cast<int>(shape.size())) {
      emitError(loc) << "--input-shape for '" << input.name() << "' has rank "
                     << shape.size() << " but the model's input has rank "
                     << tensorType.shape().dim_size();
      return failure();
    }
    if (std::string why = checkShape(shape); !why.empty()) {
      emitError(loc) << "--input-shape for '" << input.name() << "': " << why;
      return failure();
    }
    return RankedTensorType::get(shape, element);
  }
  if (!tensorType.has_shape()) {
    emitError(loc) << "graph input '" << input.name()
                   << "' has no shape; give one with --input-shape "
                   << input.name() << "=D0xD1x...";
    return failure();
  }
  for (int d = 0, e = tensorType.shape().dim_size(); d < e; ++d) {
    const auto &dim = tensorType.shape().dim(d);
    if (dim.has_dim_value() && dim.dim_value() > 0) {
      shape.push_back(dim.dim_value());
      continue;
    }
    if (dim.has_dim_value()) {
      emitError(loc) << "graph input '" << input.name() << "' has dimension "
                     << d << " of size " << dim.dim_value()
                     << "; sizes must be positive";
      return failure();
    }
    if (d == 0) {
      // The usual PyTorch export marks the batch dimension symbolic.
      emitRemark(loc) << "graph input '" << input.name()
                      << "': symbolic batch dimension '" << dim.dim_param()
                      << "' set to 1 (override with --input-shape)";
      shape.push_back(1);
      continue;
    }
    emitError(loc) << "graph input '" << input.name() << "' has dynamic "
                   << "dimension " << d << " ('" << dim.dim_param()
                   << "'); give a static shape with --input-shape "
                   << input.name() << "=D0xD1x...";
    return failure();
  }
  if (std::string why = checkShape(shape); !why.empty()) {
    emitError(loc) << "graph input '" << input.name() << "': " << why;
    return failure();
  }
  return RankedTensorType::get(shape, element);
}

LogicalResult Importer::checkNodes(const onnx::GraphProto &graph) {
  // A name defined twice would silently shadow the first definition.
  llvm::StringSet<> defined;
  Location fileLoc = FileLineColLoc::get(builder.getStringAttr(fileName), 0, 0);
  for (const onnx::TensorProto &init : graph.initializer())
    if (!defined.insert(init.name()).second)
      return emitError(fileLoc)
             << "initializer '" << init.name() << "' is defined twice";
  llvm::StringSet<> inputs;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (!inputs.insert(input.name()).second)
      return emitError(fileLoc)
             << "graph input '" << input.name() << "' is listed twice";
    defined.insert(input.name());
  }
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    if (std::optional<std::string> why = checkNodeSchema(node, opset))
      return NodeContext{node, nodeLocation(node, index), opset}.error()
             << *why;
    // Every op vitq imports has a first output (whatever the opset).
    if (node.output_size() == 0 || node.output(0).empty())
      return NodeContext{node, nodeLocation(node, index), opset}.error()
             << "the node has no (first) output";
    for (const std::string &output : node.output())
      if (!output.empty() && !defined.insert(output).second)
        return NodeContext{node, nodeLocation(node, index), opset}.error()
               << "output '" << output << "' is already defined";
  }
  return success();
}

LogicalResult Importer::checkDeclaredOutput(const onnx::ValueInfoProto &output,
                                            RankedTensorType computed,
                                            Location loc) {
  if (!output.type().has_tensor_type())
    return success();
  const auto &declared = output.type().tensor_type();
  if (declared.has_shape() && declared.shape().dim_size() != computed.getRank())
    return emitError(loc) << "graph output '" << output.name()
                          << "' is declared with rank "
                          << declared.shape().dim_size() << " but computes "
                          << computed;
  bool isUnsigned;
  Type element = convertElementType(context, declared.elem_type(), isUnsigned);
  Type actual = computed.getElementType();
  if (auto quantized = dyn_cast<quant::QuantizedType>(actual))
    actual = quantized.getStorageType();
  if (element && isa<FloatType>(element) != isa<FloatType>(actual))
    return emitError(loc) << "graph output '" << output.name()
                          << "' is declared as " << element << " but computes "
                          << computed;
  return success();
}

LogicalResult Importer::convertAndCheck(const NodeContext &node) {
  // Ops of this node are appended to the entry block (constants may be
  // materialised at its start, and are valid by construction).
  Operation *last = entryBlock->empty() ? nullptr : &entryBlock->back();
  if (failed(convertNode(node)))
    return failure();
  if (!node.attributeError.empty())
    return node.error() << node.attributeError;
  for (const std::string &output : node.proto.output()) {
    auto it = values.find(output);
    if (output.empty() || it == values.end())
      continue;
    RankedTensorType type = it->second.value ? typeOf(it->second.value)
                            : it->second.constant
                                ? it->second.constant->type
                                : it->second.quantized->storage.type;
    if (std::string why = checkShape(type.getShape()); !why.empty())
      return node.error() << "output '" << output << "': " << why;
    if (it->second.value && llvm::is_contained(type.getShape(), 0))
      return node.error() << "output '" << output << "' is an empty tensor "
                          << type << "; empty tensors are not supported";
  }
  // The op builders do not check operand shapes against each other; an
  // inconsistent node (say, Concat of mismatched shapes) surfaces here as
  // the verifier's message, attributed to the node.
  std::string problem;
  {
    ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
      if (problem.empty() && diag.getSeverity() == DiagnosticSeverity::Error)
        problem = diag.str();
      return success();
    });
    auto begin = last ? std::next(last->getIterator()) : entryBlock->begin();
    for (Operation &op : llvm::make_range(begin, entryBlock->end()))
      if (failed(verify(&op)))
        break;
  }
  if (!problem.empty())
    return node.error() << "inconsistent operands: " << problem;
  return success();
}

LogicalResult Importer::importGraph(const onnx::GraphProto &graph,
                                    ModuleOp module) {
  llvm::StringRef modelDir = options.externalDataDir;
  std::string defaultDir = llvm::sys::path::parent_path(fileName).str();
  if (modelDir.empty())
    modelDir = defaultDir;

  // Initializers: compile-time tensors.
  Location fileLoc = FileLineColLoc::get(builder.getStringAttr(fileName), 0, 0);
  for (const onnx::TensorProto &init : graph.initializer()) {
    ConstTensor tensor;
    std::string error = readTensor(init, context, modelDir, tensor);
    if (!error.empty())
      return emitError(fileLoc) << "initializer: " << error;
    values[init.name()] = Entry{Value(), std::move(tensor)};
  }

  // Graph inputs that are not initializers become function arguments.
  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (values.count(input.name()))
      continue;
    Location loc = NameLoc::get(builder.getStringAttr(input.name()), fileLoc);
    FailureOr<RankedTensorType> type = graphInputType(input, loc);
    if (failed(type))
      return failure();
    argTypes.push_back(*type);
    args.push_back(&input);
  }

  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, fileLoc, "main",
                                   builder.getFunctionType(argTypes, {}));
  entryBlock = func.addEntryBlock();
  for (auto [i, input] : llvm::enumerate(args)) {
    func.setArgAttr(i, "vitq.onnx_name", builder.getStringAttr(input->name()));
    values[input->name()] = Entry{entryBlock->getArgument(i), std::nullopt};
    int32_t elemType = input->type().tensor_type().elem_type();
    if (elemType == onnx::TensorProto::UINT8 ||
        elemType == onnx::TensorProto::UINT16)
      unsignedValues.insert(input->name());
  }
  builder.setInsertionPointToEnd(entryBlock);

  // Before the pattern matcher, which indexes nodes by output name.
  if (failed(checkNodes(graph)))
    return failure();
  fuseDecomposedPatterns(graph);
  indexUsers(graph);
  // A node that fails does not stop the import: every problem of the model
  // is reported in one run. What depends on a failed node is skipped
  // silently, except for ops vitq does not know at all, which are counted
  // wherever they are and reported once per op type at the end.
  struct Unsupported {
    std::string op;
    int count = 0;
    const onnx::NodeProto *first = nullptr;
    int index = 0;
  };
  std::vector<Unsupported> unsupported; // in order of first use
  llvm::StringSet<> poisoned;
  bool failedAny = false;
  for (auto [position, node] : llvm::enumerate(nodes)) {
    if (absorbed.contains(position))
      continue;
    int index = nodeIndices[position];
    NodeContext ctx{*node, nodeLocation(*node, index), opset};
    bool skip = llvm::any_of(node->input(), [&](const std::string &input) {
      return poisoned.contains(input);
    });
    unsupportedOp.reset();
    if (!skip && succeeded(convertAndCheck(ctx)))
      continue;
    failedAny = true;
    std::optional<std::string> unknown = unsupportedOpName(*node);
    if (unsupportedOp || (skip && unknown)) {
      std::string op = unsupportedOp ? *unsupportedOp : *unknown;
      auto it = llvm::find_if(unsupported,
                              [&](const Unsupported &u) { return u.op == op; });
      if (it == unsupported.end())
        it = unsupported.insert(it, Unsupported{op, 0, node, index});
      ++it->count;
    }
    for (const std::string &output : node->output())
      poisoned.insert(output);
  }
  if (failedAny) {
    for (const Unsupported &u : unsupported) {
      NodeContext first{*u.first, nodeLocation(*u.first, u.index), opset};
      InFlightDiagnostic diag = first.error()
                                << "unsupported op '" << u.op << "'";
      if (u.count > 1)
        diag << " (" << u.count << " nodes; this is the first)";
    }
    if (unsupported.size() > 1) {
      InFlightDiagnostic diag =
          emitError(fileLoc)
          << "the model uses " << unsupported.size() << " op type"
          << (unsupported.size() == 1 ? "" : "s") << " vitq does not import: ";
      for (auto [i, u] : llvm::enumerate(unsupported))
        diag << (i ? ", " : "") << u.op << " (" << u.count
             << (u.count == 1 ? " node)" : " nodes)");
    }
    return failure();
  }

  // Results.
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return emitError(fileLoc)
             << "graph output '" << output.name() << "' is never computed";
    Entry &entry = it->second;
    if (!entry.value)
      entry.value = materialize(
          *floatsOf(entry), output.name(),
          NameLoc::get(builder.getStringAttr(output.name()), fileLoc));
    Value result = entry.value;
    if (failed(checkDeclaredOutput(output, typeOf(result), fileLoc)))
      return failure();
    // Quantized results leave the function as their storage integers, in
    // the unsigned encoding when the graph declares one.
    if (isa<quant::QuantizedType>(getElementTypeOrSelf(result.getType()))) {
      result = storageOf(result.getLoc(), result);
      int32_t elemType = output.type().tensor_type().elem_type();
      if (elemType == onnx::TensorProto::UINT8 ||
          elemType == onnx::TensorProto::UINT16)
        result = flipSignBit(result.getLoc(), result);
    }
    results.push_back(result);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  // Drop what the integer islands looked through: dequantizations and
  // accumulators whose epilogue was rebuilt.
  IRRewriter rewriter(context);
  (void)runRegionDCE(rewriter, func.getBody());
  func.setType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "vitq.onnx_name",
                       builder.getStringAttr(output.name()));
  return success();
}

void Importer::indexUsers(const onnx::GraphProto &graph) {
  users.clear();
  producers.clear();
  for (auto [position, node] : llvm::enumerate(nodes)) {
    for (const std::string &input : node->input())
      if (!input.empty())
        users[input].push_back(position);
    for (const std::string &output : node->output())
      if (!output.empty())
        producers[output] = position;
  }
  for (const onnx::ValueInfoProto &output : graph.output())
    users[output.name()].push_back(-1);
}

OwningOpRef<ModuleOp> Importer::import(const onnx::ModelProto &model) {
  Location fileLoc = FileLineColLoc::get(builder.getStringAttr(fileName), 0, 0);
  opset = -1;
  for (const auto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  if (opset < 0) {
    emitError(fileLoc) << "the model imports no default-domain opset";
    return nullptr;
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    emitError(fileLoc) << "opset " << opset << " is not supported (vitq "
                       << "imports opsets " << kMinOpset << "-" << kMaxOpset
                       << ")";
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  if (!model.graph().name().empty())
    (*module)->setAttr("vitq.onnx_graph",
                       builder.getStringAttr(model.graph().name()));
  if (failed(importGraph(model.graph(), *module)))
    return nullptr;
  if (options.reportFloatIslands)
    reportFloatIslands(*module);
  return module;
}

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

LogicalResult vitq::parseInputShape(llvm::StringRef spec,
                                    OnnxImportOptions &options,
                                    std::string &error) {
  auto [name, dims] = spec.rsplit('=');
  if (name.empty() || dims.empty()) {
    error = "--input-shape expects name=D0xD1x..., got '" + spec.str() + "'";
    return failure();
  }
  SmallVector<int64_t> shape;
  SmallVector<llvm::StringRef> parts;
  dims.split(parts, 'x');
  for (llvm::StringRef part : parts) {
    int64_t d;
    if (part.getAsInteger(10, d) || d <= 0) {
      error = "--input-shape '" + spec.str() + "': '" + part.str() +
              "' is not a positive dimension";
      return failure();
    }
    shape.push_back(d);
  }
  options.inputShapes[name] = shape;
  return success();
}

OwningOpRef<ModuleOp> vitq::importOnnxModel(llvm::MemoryBufferRef buffer,
                                            MLIRContext *context,
                                            const OnnxImportOptions &options) {
  context
      ->loadDialect<arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, math::MathDialect,
                    quant::QuantDialect, tensor::TensorDialect, VitqDialect>();
  std::string fileName = buffer.getBufferIdentifier().str();
  Location fileLoc = FileLineColLoc::get(context, fileName, 0, 0);
  onnx::ModelProto model;
  llvm::StringRef data = buffer.getBuffer();
  if (data.size() > static_cast<size_t>(INT_MAX) ||
      !model.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    emitError(fileLoc) << "not a valid ONNX model: the protobuf does not "
                          "parse (truncated or corrupt file?)";
    return nullptr;
  }
  // Any error reported on the way fails the import, also where a converter
  // reports one and carries on.
  bool sawError = false;
  ScopedDiagnosticHandler watch(context, [&](Diagnostic &diag) {
    sawError |= diag.getSeverity() == DiagnosticSeverity::Error;
    return failure(); // not handled: the next handler reports it
  });
  Importer importer(context, options, fileName);
  OwningOpRef<ModuleOp> module = importer.import(model);
  if (sawError)
    return nullptr;
  return module;
}

void vitq::registerImportOnnxTranslation() {
  static llvm::cl::list<std::string> inputShapes(
      "input-shape",
      llvm::cl::desc("Static shape of a graph input: name=D0xD1x... "
                     "(--import-onnx)"),
      llvm::cl::value_desc("name=shape"));
  static llvm::cl::opt<bool> reportIslands(
      "report-float-islands",
      llvm::cl::desc("Remark on every op left computing in float between a "
                     "dequantize and a quantize (--import-onnx)"),
      llvm::cl::init(false));
  static TranslateToMLIRRegistration registration(
      "import-onnx", "Import an ONNX model (.onnx protobuf) into vitq IR",
      [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        OnnxImportOptions options;
        options.reportFloatIslands = reportIslands;
        for (const std::string &spec : inputShapes) {
          std::string error;
          if (failed(parseInputShape(spec, options, error))) {
            emitError(UnknownLoc::get(context)) << error;
            return nullptr;
          }
        }
        const llvm::MemoryBuffer *buffer =
            sourceMgr->getMemoryBuffer(sourceMgr->getMainFileID());
        return importOnnxModel(buffer->getMemBufferRef(), context, options);
      },
      [](DialectRegistry &registry) {
        registry
            .insert<arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, math::MathDialect,
                    quant::QuantDialect, tensor::TensorDialect, VitqDialect>();
      });
}
