//===- OnnxPatterns.cpp - Fusion of decomposed ONNX subgraphs -------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Exporters decompose LayerNorm (below opset 17), GELU (below opset 20),
// SiLU (x * sigmoid(x)) and sometimes Softmax into elementwise chains.
// Before conversion, such chains are replaced by one synthetic
// LayerNormalization, Gelu, Swish or Softmax node, so they import as
// vitq.layernorm / gelu / activation / softmax and later legalise to their
// integer forms. A chain is fused only when its constants have the expected
// values and none of its inner values is used outside it.
//
// Quantizers (onnxruntime's among them) put QuantizeLinear/DequantizeLinear
// pairs on values inside such chains. When the chain's input is dequantized
// and its output quantized, the chain is still one unit: its inner pairs are
// absorbed, as I-ViT replaces a whole non-linear by its integer form, and a
// remark names each of them (docs/integer-semantics.md says what this does
// to the numerics). The same holds for the pair onnxruntime puts between a
// MatMul and its bias Add: the bias joins the int32 accumulator.
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

/// A QuantizeLinear immediately dequantized with the same parameters.
struct QdqPair {
  const onnx::NodeProto *q;
  const onnx::NodeProto *dq;
};

/// Producer/consumer view of the graph and its compile-time tensors.
class PatternMatcher {
public:
  PatternMatcher(ArrayRef<const onnx::NodeProto *> nodes,
                 const onnx::GraphProto &graph, MLIRContext *context,
                 const llvm::StringMap<ConstTensor> &initializers)
      : nodes(nodes), context(context), initializers(initializers) {
    for (auto [index, nodePtr] : llvm::enumerate(nodes)) {
      const onnx::NodeProto &node = *nodePtr;
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
    return is(*nodes[u[0]], op) ? nodes[u[0]] : nullptr;
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
    const onnx::NodeProto *node = producerOf(name);
    return node && is(*node, op) ? node : nullptr;
  }
  const onnx::NodeProto *producerOf(llvm::StringRef name) const {
    auto it = producer.find(name);
    return it == producer.end() ? nullptr : nodes[it->second];
  }
  const onnx::NodeProto &node(int index) const { return *nodes[index]; }
  int indexOf(const onnx::NodeProto &node) const {
    return producer.lookup(node.output(0));
  }

  /// A compile-time tensor: an initializer, a Constant node's value, or
  /// what Identity/QuantizeLinear/DequantizeLinear compute from them.
  std::optional<ConstTensor> constant(llvm::StringRef name) const {
    auto cached = constants.find(name);
    if (cached != constants.end())
      return cached->second;
    std::optional<ConstTensor> result = evaluate(name);
    constants[name] = result;
    return result;
  }
  bool isConstant(llvm::StringRef name) const {
    return constantShape(name).has_value();
  }
  /// The shape of a compile-time tensor, without evaluating it (a weight
  /// behind a DequantizeLinear has millions of elements).
  std::optional<SmallVector<int64_t>>
  constantShape(llvm::StringRef name) const {
    auto it = initializers.find(name);
    if (it != initializers.end())
      return SmallVector<int64_t>(it->second.type.getShape());
    const onnx::NodeProto *node = producerOf(name);
    if (node && node->input_size() >= 1 &&
        (is(*node, "Identity") || is(*node, "DequantizeLinear") ||
         is(*node, "QuantizeLinear"))) {
      for (int i = 1; i < node->input_size(); ++i)
        if (!node->input(i).empty() && !constant(node->input(i)))
          return std::nullopt; // scales and zero points are small
      return constantShape(node->input(0));
    }
    if (std::optional<ConstTensor> c = constant(name))
      return SmallVector<int64_t>(c->type.getShape());
    return std::nullopt;
  }
  /// Whether `name` is a one-element float constant within `tolerance`
  /// (relative) of `expected`.
  bool isScalar(llvm::StringRef name, double expected,
                double tolerance = 1e-5) const {
    std::optional<double> v = scalar(name);
    return v && std::fabs(*v - expected) <= tolerance * std::fabs(expected);
  }
  std::optional<double> scalar(llvm::StringRef name) const {
    std::optional<ConstTensor> c = constant(name);
    if (!c || c->numElements() != 1 || !c->isFloat())
      return std::nullopt;
    return c->floatAt(0);
  }

  /// Whether reduction `node` runs over the last axis only, keeping dims.
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
    if (llvm::is_contained({"ReduceMean", "ReduceMax", "ReduceSum"}, op))
      return node.input_size() >= 1;
    if (llvm::is_contained({"QuantizeLinear", "DequantizeLinear"}, op))
      return node.input_size() >= 2;
    int arity = llvm::StringSwitch<int>(op)
                    .Cases({"Add", "Sub", "Mul", "Div", "Pow", "MatMul"}, 2)
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

  //===--------------------------------------------------------------------===//
  // Quantize/dequantize pairs
  //===--------------------------------------------------------------------===//

  /// The pair right after `name`: its only user quantizes, and the only
  /// user of that dequantizes with the same per-tensor parameters.
  std::optional<QdqPair> pairAfter(llvm::StringRef name) const {
    const onnx::NodeProto *q = soleUse(name, "QuantizeLinear");
    if (!q || q->input(0) != name)
      return std::nullopt;
    const onnx::NodeProto *dq = soleUse(q->output(0), "DequantizeLinear");
    if (!dq || dq->input(0) != q->output(0) || !sameParameters(*q, *dq))
      return std::nullopt;
    return QdqPair{q, dq};
  }
  /// `name` after the pairs that follow it; the pairs are appended.
  std::string forward(llvm::StringRef name,
                      SmallVectorImpl<QdqPair> &pairs) const {
    std::string current = name.str();
    while (std::optional<QdqPair> pair = pairAfter(current)) {
      pairs.push_back(*pair);
      current = pair->dq->output(0);
    }
    return current;
  }
  /// `name` before the pairs that lead to it; the pairs are appended.
  std::string backward(llvm::StringRef name,
                       SmallVectorImpl<QdqPair> &pairs) const {
    std::string current = name.str();
    while (const onnx::NodeProto *dq = def(current, "DequantizeLinear")) {
      const onnx::NodeProto *q = def(dq->input(0), "QuantizeLinear");
      // The pair is absorbed: nothing else may read either of its values.
      if (!q || usersOf(q->output(0)).size() != 1 ||
          usersOf(current).size() != 1 || !sameParameters(*q, *dq) ||
          isConstant(q->input(0)))
        break;
      pairs.push_back(QdqPair{q, dq});
      current = q->input(0);
    }
    return current;
  }
  /// Whether two names hold the same value: one name, or dequantizations
  /// of one integer tensor with the same parameters (quantizers may give
  /// each consumer its own DequantizeLinear).
  bool same(llvm::StringRef a, llvm::StringRef b) const {
    if (a == b)
      return true;
    const onnx::NodeProto *da = def(a, "DequantizeLinear");
    const onnx::NodeProto *db = def(b, "DequantizeLinear");
    return da && db && da->input(0) == db->input(0) && sameParameters(*da, *db);
  }
  /// The other input of binary `node` when one of its inputs is `known`.
  std::optional<std::string> otherThan(const onnx::NodeProto &node,
                                       llvm::StringRef known) const {
    if (node.input_size() != 2)
      return std::nullopt;
    if (same(node.input(0), known))
      return node.input(1);
    if (same(node.input(1), known))
      return node.input(0);
    return std::nullopt;
  }
  /// The scale and zero point of a quantize or dequantize node, if constant
  /// and per-tensor.
  std::optional<std::pair<double, int64_t>>
  parameters(const onnx::NodeProto &node) const {
    std::optional<double> scale = scalar(node.input(1));
    int64_t zp = 0;
    if (node.input_size() > 2 && !node.input(2).empty()) {
      std::optional<ConstTensor> z = constant(node.input(2));
      if (!z || z->numElements() != 1 || z->isFloat())
        return std::nullopt;
      zp = z->intAt(0);
    }
    if (!scale)
      return std::nullopt;
    return std::make_pair(*scale, zp);
  }

private:
  bool sameParameters(const onnx::NodeProto &a,
                      const onnx::NodeProto &b) const {
    auto pa = parameters(a), pb = parameters(b);
    return pa && pb && *pa == *pb;
  }

  /// Evaluates the (small) constant subgraphs quantizers write.
  std::optional<ConstTensor> evaluate(llvm::StringRef name) const {
    auto it = initializers.find(name);
    if (it != initializers.end())
      return it->second;
    const onnx::NodeProto *node = producerOf(name);
    if (!node || node->output_size() != 1)
      return std::nullopt;
    if (is(*node, "Constant")) {
      for (const auto &attribute : node->attribute()) {
        ConstTensor tensor;
        if (attribute.name() == "value" && attribute.has_t() &&
            readTensor(attribute.t(), context, "", tensor).empty())
          return tensor;
      }
      return std::nullopt;
    }
    if (is(*node, "Identity"))
      return constant(node->input(0));
    bool dequantize = is(*node, "DequantizeLinear");
    if (!dequantize && !is(*node, "QuantizeLinear"))
      return std::nullopt;
    std::optional<ConstTensor> x = constant(node->input(0));
    std::optional<ConstTensor> scale = constant(node->input(1));
    std::optional<ConstTensor> z =
        node->input_size() > 2 && !node->input(2).empty()
            ? constant(node->input(2))
            : std::nullopt;
    if (!x || !scale || !scale->isFloat() || x->isFloat() == dequantize ||
        (node->input_size() > 2 && !node->input(2).empty() &&
         (!z || z->isFloat() || z->numElements() != scale->numElements())))
      return std::nullopt;
    // Per-tensor, or per-axis along `axis` (default 1).
    int64_t channels = scale->numElements(), inner = 1;
    if (channels != 1) {
      int64_t axis = 1, rank = x->type.getRank();
      for (const auto &attribute : node->attribute())
        if (attribute.name() == "axis")
          axis = attribute.i();
      axis = axis < 0 ? axis + rank : axis;
      if (axis < 0 || axis >= rank || x->type.getDimSize(axis) != channels)
        return std::nullopt;
      for (int64_t d = axis + 1; d < rank; ++d)
        inner *= x->type.getDimSize(d);
    }
    std::vector<double> scales = scale->floats();
    std::vector<int64_t> zps = z ? z->ints() : std::vector<int64_t>(channels);
    if (llvm::any_of(scales, [](double v) { return !(v > 0); }))
      return std::nullopt;
    auto channel = [&](size_t i) { return (i / inner) % channels; };
    if (dequantize) {
      std::vector<int64_t> ints = x->ints();
      std::vector<double> real(ints.size());
      for (size_t i = 0; i < ints.size(); ++i)
        real[i] =
            static_cast<double>(ints[i] - zps[channel(i)]) * scales[channel(i)];
      return ConstTensor::fromFloats(
          RankedTensorType::get(x->type.getShape(), scale->elementType()),
          real);
    }
    bool isUnsigned = !z || z->isUnsigned;
    unsigned width = z ? z->elementType().getIntOrFloatBitWidth() : 8;
    double lo = isUnsigned ? 0 : -std::ldexp(1.0, width - 1);
    double hi = isUnsigned ? std::ldexp(1.0, width) - 1
                           : std::ldexp(1.0, width - 1) - 1;
    std::vector<double> real = x->floats();
    std::vector<int64_t> ints(real.size());
    for (size_t i = 0; i < real.size(); ++i)
      ints[i] = toInt64(std::clamp(
          std::nearbyint(real[i] / scales[channel(i)]) + zps[channel(i)], lo,
          hi));
    ConstTensor result = ConstTensor::fromInts(
        RankedTensorType::get(x->type.getShape(),
                              IntegerType::get(context, width)),
        ints);
    result.isUnsigned = isUnsigned;
    return result;
  }

  ArrayRef<const onnx::NodeProto *> nodes;
  MLIRContext *context;
  const llvm::StringMap<ConstTensor> &initializers;
  llvm::StringMap<int> producer;
  llvm::StringMap<SmallVector<int, 2>> users;
  mutable llvm::StringMap<std::optional<ConstTensor>> constants;
};

/// A matched chain: the nodes it replaces and the node standing for it,
/// which takes the place of the chain's last node.
struct Fusion {
  SmallVector<const onnx::NodeProto *> nodes;
  onnx::NodeProto replacement;
  /// What the chain is and becomes, for remarks.
  const char *kind = "";
  const char *effect = "becomes one integer op";
  /// Inner quantize/dequantize pairs the fused node absorbs.
  SmallVector<QdqPair> absorbed = {};
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

/// Fills in the absorbed pairs and their nodes. Inner pairs are only
/// absorbed when the chain is quantized at its boundary (its input
/// dequantized, its only user a QuantizeLinear): then it becomes one
/// integer op. Otherwise a chain with inner pairs is left alone.
std::optional<Fusion> finish(const PatternMatcher &m, Fusion fusion,
                             llvm::StringRef input, ArrayRef<QdqPair> pairs) {
  if (!pairs.empty()) {
    if (!m.def(input, "DequantizeLinear") ||
        !m.soleUse(fusion.replacement.output(0), "QuantizeLinear"))
      return std::nullopt;
    for (const QdqPair &pair : pairs) {
      fusion.nodes.push_back(pair.q);
      fusion.nodes.push_back(pair.dq);
    }
    fusion.absorbed.assign(pairs.begin(), pairs.end());
  }
  return fusion;
}

/// ReduceMean -> Sub -> Pow 2 (or Mul d d) -> ReduceMean -> Add eps -> Sqrt
/// -> Div -> Mul gamma [-> Add beta], anchored at the first ReduceMean.
std::optional<Fusion> matchLayerNorm(const PatternMatcher &m,
                                     const onnx::NodeProto &mean) {
  if (!m.reducesLastAxis(mean))
    return std::nullopt;
  SmallVector<QdqPair> pairs;
  const std::string &x = mean.input(0);
  std::string meanOut = m.forward(mean.output(0), pairs);
  const onnx::NodeProto *sub = m.soleUse(meanOut, "Sub");
  if (!sub || !m.same(sub->input(0), x) || sub->input(1) != meanOut)
    return std::nullopt;
  // The centred value feeds exactly the squaring and the division.
  std::string d = m.forward(sub->output(0), pairs);
  const onnx::NodeProto *square = nullptr, *div = nullptr;
  for (int user : m.usersOf(d)) {
    if (user < 0)
      return std::nullopt;
    const onnx::NodeProto &n = m.node(user);
    // Each role once: a second square or division is not part of it.
    if (((PatternMatcher::is(n, "Pow") && n.input(0) == d &&
          m.isScalar(n.input(1), 2.0)) ||
         (PatternMatcher::is(n, "Mul") && n.input(0) == d &&
          n.input(1) == d)) &&
        !square)
      square = &n;
    else if (PatternMatcher::is(n, "Div") && n.input(0) == d && !div)
      div = &n;
    else
      return std::nullopt;
  }
  if (!square || !div)
    return std::nullopt;
  const onnx::NodeProto *var =
      m.soleUse(m.forward(square->output(0), pairs), "ReduceMean");
  if (!var || !m.reducesLastAxis(*var))
    return std::nullopt;
  auto addEps = m.soleBinaryUse(m.forward(var->output(0), pairs), "Add");
  std::optional<double> epsValue =
      addEps ? m.scalar(addEps->other) : std::nullopt;
  if (!epsValue || *epsValue < 0)
    return std::nullopt;
  std::string root = m.forward(addEps->node->output(0), pairs);
  const onnx::NodeProto *sqrt = m.soleUse(root, "Sqrt");
  if (!sqrt)
    return std::nullopt;
  std::string stddev = m.forward(sqrt->output(0), pairs);
  if (div->input(1) != stddev || m.usersOf(stddev).size() != 1)
    return std::nullopt;
  auto mulGamma = m.soleBinaryUse(m.forward(div->output(0), pairs), "Mul");
  if (!mulGamma || !m.isConstant(mulGamma->other))
    return std::nullopt;
  // The bias is optional (LayerNorm without one); a pair before it counts
  // only when the Add is there.
  SmallVector<QdqPair> betaPairs;
  auto addBeta =
      m.soleBinaryUse(m.forward(mulGamma->node->output(0), betaPairs), "Add");
  if (addBeta && !m.isConstant(addBeta->other))
    addBeta.reset();
  const onnx::NodeProto *last = addBeta ? addBeta->node : mulGamma->node;
  if (addBeta)
    pairs.append(betaPairs);
  SmallVector<std::string> inputs = {x, mulGamma->other};
  if (addBeta)
    inputs.push_back(addBeta->other);
  Fusion fusion{
      {&mean, sub, square, var, addEps->node, sqrt, div, mulGamma->node},
      makeNode("LayerNormalization", inputs, *last),
      "LayerNorm"};
  if (addBeta)
    fusion.nodes.push_back(addBeta->node);
  addIntAttr(fusion.replacement, "axis", -1);
  addFloatAttr(fusion.replacement, "epsilon", static_cast<float>(*epsValue));
  return finish(m, std::move(fusion), x, pairs);
}

/// x * (erf(x / sqrt 2) + 1) * 0.5 in the orders torch and Hugging Face
/// export it, anchored at the Erf node.
std::optional<Fusion> matchGeluErf(const PatternMatcher &m,
                                   const onnx::NodeProto &erf) {
  SmallVector<QdqPair> pairs;
  std::string a = m.backward(erf.input(0), pairs);
  if (m.usersOf(a).size() != 1)
    return std::nullopt;
  const onnx::NodeProto *pre = m.def(a, "Div");
  if (pre && !m.isScalar(pre->input(1), M_SQRT2))
    pre = nullptr;
  if (!pre) {
    pre = m.def(a, "Mul");
    if (pre && !m.isScalar(pre->input(1), M_SQRT1_2))
      pre = nullptr;
  }
  if (!pre)
    return std::nullopt;
  const std::string &x = pre->input(0);
  auto addOne = m.soleBinaryUse(m.forward(erf.output(0), pairs), "Add");
  if (!addOne || !m.isScalar(addOne->other, 1.0))
    return std::nullopt;
  std::string onePlusErf = m.forward(addOne->node->output(0), pairs);
  const onnx::NodeProto *mul = m.soleUse(onePlusErf, "Mul");
  std::optional<std::string> t =
      mul ? PatternMatcher::other(*mul, onePlusErf) : std::nullopt;
  if (!t)
    return std::nullopt;
  SmallVector<const onnx::NodeProto *> nodes = {pre, &erf, addOne->node, mul};
  const onnx::NodeProto *last = nullptr;
  if (m.same(*t, x) || m.isScalar(*t, 0.5)) {
    // (x * c) * 0.5 or (c * 0.5) * x.
    std::string product = m.forward(mul->output(0), pairs);
    const onnx::NodeProto *mul2 = m.soleUse(product, "Mul");
    std::optional<std::string> o =
        mul2 ? PatternMatcher::other(*mul2, product) : std::nullopt;
    if (!o || (m.same(*t, x) ? !m.isScalar(*o, 0.5) : !m.same(*o, x)))
      return std::nullopt;
    nodes.push_back(mul2);
    last = mul2;
  } else {
    // (x * 0.5) * c.
    std::string halfX = m.backward(*t, pairs);
    const onnx::NodeProto *half = m.def(halfX, "Mul");
    std::optional<std::string> h = half ? m.otherThan(*half, x) : std::nullopt;
    if (!h || !m.isScalar(*h, 0.5) || m.usersOf(halfX).size() != 1 ||
        m.usersOf(*t).size() != 1)
      return std::nullopt;
    nodes.push_back(half);
    last = mul;
  }
  return finish(m, Fusion{nodes, makeNode("Gelu", {x}, *last), "GELU"}, x,
                pairs);
}

/// x * sigmoid(x) (SiLU, Swish), anchored at the Sigmoid node.
std::optional<Fusion> matchSilu(const PatternMatcher &m,
                                const onnx::NodeProto &sigmoid) {
  SmallVector<QdqPair> pairs;
  const std::string &x = sigmoid.input(0);
  std::string s = m.forward(sigmoid.output(0), pairs);
  const onnx::NodeProto *mul = m.soleUse(s, "Mul");
  std::optional<std::string> o =
      mul ? PatternMatcher::other(*mul, s) : std::nullopt;
  if (!o || !m.same(*o, x))
    return std::nullopt;
  return finish(m,
                Fusion{{&sigmoid, mul}, makeNode("Swish", {x}, *mul), "SiLU"},
                x, pairs);
}

/// exp(x - max(x)) / sum(exp(x - max(x))) over the last axis (the max is
/// optional), anchored at the Exp node.
std::optional<Fusion> matchSoftmax(const PatternMatcher &m,
                                   const onnx::NodeProto &exp) {
  SmallVector<QdqPair> pairs;
  SmallVector<const onnx::NodeProto *> nodes = {&exp};
  std::string x = m.backward(exp.input(0), pairs);
  if (const onnx::NodeProto *sub = m.def(x, "Sub")) {
    const onnx::NodeProto *max =
        m.def(m.backward(sub->input(1), pairs), "ReduceMax");
    if (!max || !m.reducesLastAxis(*max) ||
        !m.same(max->input(0), sub->input(0)) ||
        m.usersOf(max->output(0)).size() != 1 || m.usersOf(x).size() != 1)
      return std::nullopt;
    nodes.append({sub, max});
    x = sub->input(0);
  }
  std::string e = m.forward(exp.output(0), pairs);
  const onnx::NodeProto *sum = nullptr, *div = nullptr;
  for (int user : m.usersOf(e)) {
    if (user < 0)
      return std::nullopt;
    const onnx::NodeProto &n = m.node(user);
    if (PatternMatcher::is(n, "ReduceSum") && m.reducesLastAxis(n) && !sum)
      sum = &n;
    else if (PatternMatcher::is(n, "Div") && n.input(0) == e && !div)
      div = &n;
    else
      return std::nullopt;
  }
  if (!sum || !div)
    return std::nullopt;
  std::string total = m.forward(sum->output(0), pairs);
  if (div->input(1) != total || m.usersOf(total).size() != 1)
    return std::nullopt;
  nodes.append({sum, div});
  Fusion fusion{nodes, makeNode("Softmax", {x}, *div), "Softmax"};
  addIntAttr(fusion.replacement, "axis", -1);
  return finish(m, std::move(fusion), x, pairs);
}

/// MatMul -> Q -> DQ -> Add bias -> Q, as onnxruntime quantizes a linear
/// layer exported as MatMul + Add: the bias Add takes the MatMul's output
/// directly, so the bias joins the int32 accumulator. Anchored at the
/// MatMul, which must have a dequantized input and a constant weight.
std::optional<Fusion> matchBiasAdd(const PatternMatcher &m,
                                   const onnx::NodeProto &matmul) {
  if (!m.def(matmul.input(0), "DequantizeLinear"))
    return std::nullopt;
  std::optional<SmallVector<int64_t>> weight = m.constantShape(matmul.input(1));
  if (!weight || weight->size() != 2)
    return std::nullopt;
  // Only a symmetric weight makes a linear layer whose accumulator takes a
  // bias (an asymmetric one is a matmul with the pair kept).
  const onnx::NodeProto *weightDq = m.def(matmul.input(1), "DequantizeLinear");
  if (!weightDq)
    return std::nullopt;
  if (weightDq->input_size() > 2 && !weightDq->input(2).empty()) {
    std::optional<ConstTensor> zp = m.constant(weightDq->input(2));
    if (!zp || zp->isUnsigned || zp->bitWidth() != 8 ||
        llvm::any_of(zp->ints(), [](int64_t z) { return z != 0; }))
      return std::nullopt;
  }
  // Per-channel scales must run along N (the weight's last axis), and the
  // activation must be 8-bit, or the MatMul is no linear layer.
  std::optional<ConstTensor> weightScale = m.constant(weightDq->input(1));
  if (!weightScale)
    return std::nullopt;
  if (weightScale->numElements() > 1) {
    int64_t axis = 1;
    for (const auto &attribute : weightDq->attribute())
      if (attribute.name() == "axis")
        axis = attribute.i();
    if (axis != 1 && axis != -1)
      return std::nullopt;
  }
  const onnx::NodeProto *inputDq = m.def(matmul.input(0), "DequantizeLinear");
  std::optional<ConstTensor> inputZp =
      inputDq->input_size() > 2 && !inputDq->input(2).empty()
          ? m.constant(inputDq->input(2))
          : std::nullopt;
  if (!inputZp || inputZp->bitWidth() != 8)
    return std::nullopt;
  std::optional<QdqPair> pair = m.pairAfter(matmul.output(0));
  if (!pair)
    return std::nullopt;
  auto add = m.soleBinaryUse(pair->dq->output(0), "Add");
  std::optional<ConstTensor> bias = add ? m.constant(add->other) : std::nullopt;
  int64_t n = (*weight)[1];
  if (!bias || !bias->isFloat() || bias->numElements() != n ||
      (bias->type.getRank() > 0 && bias->type.getShape().back() != n) ||
      !m.soleUse(add->node->output(0), "QuantizeLinear"))
    return std::nullopt;
  Fusion fusion{{add->node, pair->q, pair->dq},
                makeNode("Add", {matmul.output(0), add->other}, *add->node),
                "bias Add",
                "joins the int32 accumulator of its MatMul"};
  fusion.absorbed.push_back(*pair);
  return fusion;
}

std::string describePair(const PatternMatcher &m, const QdqPair &pair) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "'" << pair.q->output(0) << "'";
  if (auto p = m.parameters(*pair.q))
    os << " (scale " << p->first << ", zero point " << p->second << ")";
  return text;
}

/// The float op and operand layout of the com.microsoft QOperator ops that
/// are imported through their QDQ form: DequantizeLinear of each operand,
/// the float op, QuantizeLinear of the result.
struct QOperatorForm {
  const char *floatOp;
  /// Input positions of the (data, scale, zero point) triples, and of the
  /// output's scale and zero point.
  SmallVector<unsigned> operands;
  unsigned outputScale;
  bool variadic = false; // QLinearConcat: triples from `operands[0]` on
};

std::optional<QOperatorForm> qoperatorForm(const onnx::NodeProto &node) {
  if (node.domain() != "com.microsoft")
    return std::nullopt;
  llvm::StringRef op = node.op_type();
  if (op == "QLinearAdd" || op == "QLinearMul")
    return QOperatorForm{op == "QLinearAdd" ? "Add" : "Mul", {0, 3}, 6};
  if (op == "QLinearConcat")
    return QOperatorForm{"Concat", {2}, 0, /*variadic=*/true};
  // QLinearSigmoid, QLinearLeakyRelu and the pools join once their float
  // ops import; until then they are reported under their own names.
  return std::nullopt;
}

} // namespace

bool Importer::expandQOperator(const onnx::NodeProto &node, int index,
                               const llvm::StringSet<> &taken) {
  std::optional<QOperatorForm> form = qoperatorForm(node);
  if (!form || node.output_size() != 1 || node.output(0).empty())
    return false;
  int inputs = node.input_size();
  auto present = [&](unsigned i) {
    return static_cast<int>(i) < inputs && !node.input(i).empty();
  };
  SmallVector<unsigned> operands(form->operands);
  if (form->variadic) {
    operands.clear();
    for (int i = form->operands[0]; i + 2 < inputs + 1; i += 3)
      operands.push_back(i);
    if ((inputs - form->operands[0]) % 3 != 0 || operands.empty())
      return false;
  }
  // The output's zero point fixes its type; without it the QuantizeLinear
  // form would guess (uint8), so such a node keeps its own converter.
  if (!present(form->outputScale) || !present(form->outputScale + 1))
    return false;
  for (unsigned i : operands)
    if (!present(i) || !present(i + 1))
      return false;
  // The float op keeps the node's name for diagnostics; the values in
  // between are named after the node's output, which is unique.
  const std::string &name = node.name().empty()
                                ? node.op_type() + "_" + std::to_string(index)
                                : node.name();
  const std::string &base = node.output(0);
  for (unsigned k = 0; k < operands.size(); ++k)
    if (taken.contains(base + "/dequantized_" + std::to_string(k)))
      return false;
  if (taken.contains(base + "/real"))
    return false;
  auto add = [&](onnx::NodeProto n) {
    synthetic.push_back(std::move(n));
    nodes.push_back(&synthetic.back());
    nodeIndices.push_back(index);
  };
  onnx::NodeProto op;
  op.set_op_type(form->floatOp);
  op.set_name(name);
  for (const onnx::AttributeProto &attribute : node.attribute())
    *op.add_attribute() = attribute;
  for (auto [k, i] : llvm::enumerate(operands)) {
    onnx::NodeProto dq;
    dq.set_op_type("DequantizeLinear");
    dq.set_name(name + "/DequantizeLinear_" + std::to_string(k));
    for (unsigned j = i; j < i + 3; ++j)
      dq.add_input(present(j) ? node.input(j) : "");
    std::string value = base + "/dequantized_" + std::to_string(k);
    dq.add_output(value);
    op.add_input(value);
    add(std::move(dq));
  }
  std::string real = base + "/real";
  op.add_output(real);
  add(std::move(op));
  onnx::NodeProto q;
  q.set_op_type("QuantizeLinear");
  q.set_name(name + "/QuantizeLinear");
  q.add_input(real);
  q.add_input(node.input(form->outputScale));
  q.add_input(node.input(form->outputScale + 1));
  q.add_output(node.output(0));
  add(std::move(q));
  return true;
}

void Importer::fuseDecomposedPatterns(const onnx::GraphProto &graph) {
  // QOperator ops with a QDQ form join the graph as that form, so that the
  // patterns below see through them like through any Q/DQ pair.
  llvm::StringSet<> taken;
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &output : node.output())
      taken.insert(output);
  for (auto &entry : values)
    taken.insert(entry.first());
  nodes.clear();
  nodeIndices.clear();
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    if (expandQOperator(node, index, taken))
      continue;
    nodes.push_back(&node);
    nodeIndices.push_back(index);
  }
  std::vector<const onnx::NodeProto *> expanded = nodes;
  std::vector<int> expandedIndices = nodeIndices;

  llvm::StringMap<ConstTensor> initializers;
  for (auto &entry : values)
    if (entry.second.constant)
      initializers[entry.first()] = *entry.second.constant;
  PatternMatcher matcher(expanded, graph, context, initializers);

  int n = expanded.size();
  std::vector<const onnx::NodeProto *> replacementAt(n, nullptr);
  std::vector<bool> fused(n, false);
  for (int i = 0; i < n; ++i) {
    const onnx::NodeProto &node = *expanded[i];
    if (fused[i])
      continue;
    std::optional<Fusion> fusion;
    if (PatternMatcher::is(node, "ReduceMean"))
      fusion = matchLayerNorm(matcher, node);
    else if (PatternMatcher::is(node, "Erf"))
      fusion = matchGeluErf(matcher, node);
    else if (PatternMatcher::is(node, "Exp"))
      fusion = matchSoftmax(matcher, node);
    else if (PatternMatcher::is(node, "Sigmoid"))
      fusion = matchSilu(matcher, node);
    else if (PatternMatcher::is(node, "MatMul"))
      fusion = matchBiasAdd(matcher, node);
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
    if (!fusion->absorbed.empty()) {
      InFlightDiagnostic remark =
          emitRemark(
              nodeLocation(*expanded[lastIndex], expandedIndices[lastIndex]))
          << fusion->kind << " '" << fusion->replacement.name() << "' "
          << fusion->effect << "; it absorbs " << fusion->absorbed.size()
          << " inner QuantizeLinear/DequantizeLinear pair"
          << (fusion->absorbed.size() == 1 ? "" : "s") << ": ";
      for (auto [k, pair] : llvm::enumerate(fusion->absorbed))
        remark << (k ? ", " : "") << describePair(matcher, pair);
    }
    synthetic.push_back(std::move(fusion->replacement));
    replacementAt[lastIndex] = &synthetic.back();
  }

  nodes.clear();
  nodeIndices.clear();
  for (int i = 0; i < n; ++i) {
    if (replacementAt[i] || !fused[i]) {
      nodes.push_back(replacementAt[i] ? replacementAt[i] : expanded[i]);
      nodeIndices.push_back(expandedIndices[i]);
    }
  }
}
