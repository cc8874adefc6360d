//===- OnnxPatterns.cpp - Fusion of decomposed ONNX subgraphs -------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Exporters decompose LayerNorm (below opset 17) and GELU (below opset 20)
// into elementwise chains. Before conversion, such chains are replaced by one
// synthetic LayerNormalization or Gelu node, so they import as vitq.layernorm
// and vitq.gelu and later legalise to their integer forms. A chain is fused
// only when its constants have the expected values and none of its inner
// values is used outside it, so fusion never changes what the graph computes.
//
//===----------------------------------------------------------------------===//

#include "OnnxImporterImpl.h"

#include "llvm/ADT/StringSwitch.h"

#include <onnx/onnx_pb.h>

#include <cmath>

using namespace mlir;
using namespace mlir::vitq;
using namespace mlir::vitq::onnx_import;

namespace {

/// Producer/consumer view of the graph and its compile-time scalars.
class PatternMatcher {
public:
  PatternMatcher(const onnx::GraphProto &graph, MLIRContext *context,
                 const llvm::StringMap<ConstTensor> &initializers)
      : graph(graph), context(context), initializers(initializers) {
    for (auto [index, node] : llvm::enumerate(graph.node())) {
      for (const std::string &output : node.output())
        producer[output] = index;
      for (const std::string &input : node.input())
        users[input].push_back(index);
    }
    for (const auto &output : graph.output())
      users[output.name()].push_back(-1);
  }

  /// The nodes using `name` (-1 stands for a graph output).
  ArrayRef<int> usersOf(llvm::StringRef name) const {
    auto it = users.find(name);
    return it == users.end() ? ArrayRef<int>() : ArrayRef<int>(it->second);
  }
  /// The single user of `name` if it is a default-domain `op` node.
  const onnx::NodeProto *soleUse(llvm::StringRef name,
                                 llvm::StringRef op) const {
    ArrayRef<int> u = usersOf(name);
    if (u.size() != 1 || u[0] < 0)
      return nullptr;
    return is(graph.node(u[0]), op) ? &graph.node(u[0]) : nullptr;
  }
  /// A binary `op` node that is the single user of `name`, and its other
  /// operand.
  struct BinaryUse {
    const onnx::NodeProto *node;
    std::string other;
  };
  std::optional<BinaryUse> soleBinaryUse(llvm::StringRef name,
                                         llvm::StringRef op) const {
    const onnx::NodeProto *node = soleUse(name, op);
    std::optional<std::string> o = node ? other(*node, name) : std::nullopt;
    if (!o)
      return std::nullopt;
    return BinaryUse{node, *o};
  }
  /// The node producing `name` if it is a default-domain `op` node.
  const onnx::NodeProto *def(llvm::StringRef name, llvm::StringRef op) const {
    auto it = producer.find(name);
    if (it == producer.end() || !is(graph.node(it->second), op))
      return nullptr;
    return &graph.node(it->second);
  }
  const onnx::NodeProto &node(int index) const { return graph.node(index); }
  int indexOf(const onnx::NodeProto &node) const {
    return producer.lookup(node.output(0));
  }

  /// A compile-time tensor: an initializer or a Constant node's value.
  std::optional<ConstTensor> constant(llvm::StringRef name) const {
    auto it = initializers.find(name);
    if (it != initializers.end())
      return it->second;
    const onnx::NodeProto *node = def(name, "Constant");
    if (!node)
      return std::nullopt;
    for (const auto &attribute : node->attribute()) {
      ConstTensor tensor;
      if (attribute.name() == "value" && attribute.has_t() &&
          readTensor(attribute.t(), context, "", tensor).empty())
        return tensor;
    }
    return std::nullopt;
  }
  bool isConstant(llvm::StringRef name) const {
    return constant(name).has_value();
  }
  /// Whether `name` is a one-element float constant equal to `expected`.
  bool isScalar(llvm::StringRef name, double expected,
                double tolerance = 1e-6) const {
    std::optional<ConstTensor> c = constant(name);
    return c && c->numElements() == 1 && c->isFloat() &&
           std::fabs(c->floatAt(0) - expected) <= tolerance;
  }
  std::optional<double> scalar(llvm::StringRef name) const {
    std::optional<ConstTensor> c = constant(name);
    if (!c || c->numElements() != 1 || !c->isFloat())
      return std::nullopt;
    return c->floatAt(0);
  }

  /// Whether ReduceMean `node` reduces the last axis only, keeping dims.
  bool reducesLastAxis(const onnx::NodeProto &node) const {
    std::vector<int64_t> axes;
    int64_t keepdims = 1;
    for (const auto &attribute : node.attribute()) {
      if (attribute.name() == "axes")
        axes.assign(attribute.ints().begin(), attribute.ints().end());
      if (attribute.name() == "keepdims")
        keepdims = attribute.i();
    }
    if (node.input_size() > 1 && !node.input(1).empty()) {
      std::optional<ConstTensor> c = constant(node.input(1));
      if (!c)
        return false;
      axes = c->ints();
    }
    return keepdims == 1 && axes == std::vector<int64_t>{-1};
  }

  /// Whether `node` is a default-domain `op` with one output and the
  /// inputs the patterns read (a malformed node is just not matched).
  static bool is(const onnx::NodeProto &node, llvm::StringRef op) {
    if (node.op_type() != op ||
        !(node.domain().empty() || node.domain() == "ai.onnx") ||
        node.output_size() != 1 || node.output(0).empty())
      return false;
    if (op == "ReduceMean")
      return node.input_size() >= 1;
    int arity = llvm::StringSwitch<int>(op)
                    .Cases({"Add", "Sub", "Mul", "Div", "Pow"}, 2)
                    .Case("Constant", 0)
                    .Default(1);
    return node.input_size() == arity;
  }

  /// For a binary node with `known` as one input, the other input.
  static std::optional<std::string> other(const onnx::NodeProto &node,
                                          llvm::StringRef known) {
    if (node.input_size() != 2)
      return std::nullopt;
    if (node.input(0) == known)
      return node.input(1);
    if (node.input(1) == known)
      return node.input(0);
    return std::nullopt;
  }

private:
  const onnx::GraphProto &graph;
  MLIRContext *context;
  const llvm::StringMap<ConstTensor> &initializers;
  llvm::StringMap<int> producer;
  llvm::StringMap<SmallVector<int, 2>> users;
};

/// A matched chain: the nodes it replaces and the node standing for it,
/// which takes the place of the chain's last node.
struct Fusion {
  SmallVector<const onnx::NodeProto *> nodes;
  onnx::NodeProto replacement;
};

void addIntAttr(onnx::NodeProto &node, const char *name, int64_t value) {
  onnx::AttributeProto *a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void addFloatAttr(onnx::NodeProto &node, const char *name, float value) {
  onnx::AttributeProto *a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

onnx::NodeProto makeNode(llvm::StringRef opType, ArrayRef<std::string> inputs,
                         const onnx::NodeProto &last) {
  onnx::NodeProto node;
  node.set_op_type(opType.str());
  // The fused node keeps the name of the chain's last node, so diagnostics
  // and locations still point into the user's graph.
  node.set_name(last.name());
  for (const std::string &input : inputs)
    node.add_input(input);
  node.add_output(last.output(0));
  return node;
}

/// ReduceMean -> Sub -> Pow 2 (or Mul d d) -> ReduceMean -> Add eps -> Sqrt
/// -> Div -> Mul gamma -> Add beta, anchored at the first ReduceMean.
std::optional<Fusion> matchLayerNorm(const PatternMatcher &m,
                                     const onnx::NodeProto &mean) {
  if (!m.reducesLastAxis(mean))
    return std::nullopt;
  const std::string &x = mean.input(0);
  const onnx::NodeProto *sub = m.soleUse(mean.output(0), "Sub");
  if (!sub || sub->input(0) != x || sub->input(1) != mean.output(0))
    return std::nullopt;
  // The centred value feeds exactly the squaring and the division.
  const std::string &d = sub->output(0);
  const onnx::NodeProto *square = nullptr, *div = nullptr;
  for (int user : m.usersOf(d)) {
    if (user < 0)
      return std::nullopt;
    const onnx::NodeProto &n = m.node(user);
    if (PatternMatcher::is(n, "Pow") && n.input(0) == d &&
        m.isScalar(n.input(1), 2.0))
      square = &n;
    else if (PatternMatcher::is(n, "Mul") && n.input(0) == d && n.input(1) == d)
      square = &n;
    else if (PatternMatcher::is(n, "Div") && n.input(0) == d)
      div = &n;
    else
      return std::nullopt;
  }
  if (!square || !div)
    return std::nullopt;
  const onnx::NodeProto *var = m.soleUse(square->output(0), "ReduceMean");
  if (!var || !m.reducesLastAxis(*var))
    return std::nullopt;
  auto addEps = m.soleBinaryUse(var->output(0), "Add");
  std::optional<double> epsValue =
      addEps ? m.scalar(addEps->other) : std::nullopt;
  if (!epsValue || *epsValue < 0)
    return std::nullopt;
  const onnx::NodeProto *sqrt = m.soleUse(addEps->node->output(0), "Sqrt");
  if (!sqrt || div->input(1) != sqrt->output(0) ||
      m.usersOf(sqrt->output(0)).size() != 1)
    return std::nullopt;
  auto mulGamma = m.soleBinaryUse(div->output(0), "Mul");
  if (!mulGamma || !m.isConstant(mulGamma->other))
    return std::nullopt;
  auto addBeta = m.soleBinaryUse(mulGamma->node->output(0), "Add");
  if (!addBeta || !m.isConstant(addBeta->other))
    return std::nullopt;

  Fusion fusion{{&mean, sub, square, var, addEps->node, sqrt, div,
                 mulGamma->node, addBeta->node},
                makeNode("LayerNormalization",
                         {x, mulGamma->other, addBeta->other}, *addBeta->node)};
  addIntAttr(fusion.replacement, "axis", -1);
  addFloatAttr(fusion.replacement, "epsilon", static_cast<float>(*epsValue));
  return fusion;
}

/// x * (erf(x / sqrt 2) + 1) * 0.5 in the orders torch and Hugging Face
/// export it, anchored at the Erf node.
std::optional<Fusion> matchGeluErf(const PatternMatcher &m,
                                   const onnx::NodeProto &erf) {
  const std::string &a = erf.input(0);
  if (m.usersOf(a).size() != 1)
    return std::nullopt;
  const onnx::NodeProto *pre = m.def(a, "Div");
  if (pre && !m.isScalar(pre->input(1), M_SQRT2, 1e-5))
    pre = nullptr;
  if (!pre) {
    pre = m.def(a, "Mul");
    if (pre && !m.isScalar(pre->input(1), M_SQRT1_2, 1e-5))
      pre = nullptr;
  }
  if (!pre)
    return std::nullopt;
  const std::string &x = pre->input(0);
  auto addOne = m.soleBinaryUse(erf.output(0), "Add");
  if (!addOne || !m.isScalar(addOne->other, 1.0))
    return std::nullopt;
  auto mul = m.soleBinaryUse(addOne->node->output(0), "Mul");
  if (!mul)
    return std::nullopt;
  const std::string &t = mul->other;
  SmallVector<const onnx::NodeProto *> nodes = {pre, &erf, addOne->node,
                                                mul->node};
  const onnx::NodeProto *last = nullptr;
  if (t == x || m.isScalar(t, 0.5)) {
    // (x * c) * 0.5 or (c * 0.5) * x.
    auto mul2 = m.soleBinaryUse(mul->node->output(0), "Mul");
    if (!mul2 || (t == x ? !m.isScalar(mul2->other, 0.5) : mul2->other != x))
      return std::nullopt;
    nodes.push_back(mul2->node);
    last = mul2->node;
  } else {
    // (x * 0.5) * c.
    const onnx::NodeProto *half = m.def(t, "Mul");
    std::optional<std::string> h =
        half ? PatternMatcher::other(*half, x) : std::nullopt;
    if (!h || !m.isScalar(*h, 0.5) || m.usersOf(t).size() != 1)
      return std::nullopt;
    nodes.push_back(half);
    last = mul->node;
  }
  Fusion fusion{nodes, makeNode("Gelu", {x}, *last)};
  return fusion;
}

} // namespace

void Importer::fuseDecomposedPatterns(const onnx::GraphProto &graph) {
  llvm::StringMap<ConstTensor> initializers;
  for (auto &entry : values)
    if (entry.second.constant)
      initializers[entry.first()] = *entry.second.constant;
  PatternMatcher matcher(graph, context, initializers);

  int n = graph.node_size();
  std::vector<const onnx::NodeProto *> replacementAt(n, nullptr);
  std::vector<bool> fused(n, false);
  for (int i = 0; i < n; ++i) {
    const onnx::NodeProto &node = graph.node(i);
    if (fused[i])
      continue;
    std::optional<Fusion> fusion;
    if (PatternMatcher::is(node, "ReduceMean"))
      fusion = matchLayerNorm(matcher, node);
    else if (PatternMatcher::is(node, "Erf"))
      fusion = matchGeluErf(matcher, node);
    if (!fusion ||
        llvm::any_of(fusion->nodes, [&](const onnx::NodeProto *member) {
          return fused[matcher.indexOf(*member)];
        }))
      continue;
    int lastIndex = 0;
    for (const onnx::NodeProto *member : fusion->nodes) {
      int index = matcher.indexOf(*member);
      fused[index] = true;
      lastIndex = std::max(lastIndex, index);
    }
    synthetic.push_back(std::move(fusion->replacement));
    replacementAt[lastIndex] = &synthetic.back();
  }

  nodes.clear();
  nodeIndices.clear();
  for (int i = 0; i < n; ++i) {
    if (replacementAt[i] || !fused[i]) {
      nodes.push_back(replacementAt[i] ? replacementAt[i] : &graph.node(i));
      nodeIndices.push_back(i);
    }
  }
}
