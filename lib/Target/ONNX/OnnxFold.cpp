//===- OnnxFold.cpp - Import-time folding of constant subgraphs -----------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Quantizers write constants the way they write activations: a weight,
// a LayerNorm gamma, the 0.5 of a GELU or a class token reaches its consumer
// through DequantizeLinear (often QuantizeLinear first), Transpose, Expand
// and the like. Such nodes are evaluated here, at import time, so that every
// consumer sees a constant: float for the ops that fold parameters (LayerNorm
// gamma and beta, a Mul by a scalar), and the integers with their quantized
// type for the ops that compute on them (weights, int32 biases). Data
// movement carries both.
//
//===----------------------------------------------------------------------===//

#include "OnnxImporterImpl.h"

#include "vitq/Dialect/Vitq/VitqQuant.h"

#include "mlir/Dialect/Traits.h"
#include "llvm/ADT/StringSwitch.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::vitq;
using namespace mlir::vitq::onnx_import;

/// Compile-time tensors built by folding stay below this many elements (the
/// largest ViT weight has 2.4M), and all of one import below the budget
/// (DeiT-Base has 86M weights); a model asking for more is malformed, or
/// computes those tensors at run time.
static constexpr int64_t kFoldLimit = int64_t(1) << 24;
static constexpr int64_t kFoldBudget = int64_t(1) << 27;

/// Normalises a possibly negative axis; -1 when out of range.
static int64_t normalizedAxis(int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : -1;
}

quant::QuantizedType onnx_import::withQuantizedAxis(quant::QuantizedType type,
                                                    int64_t axis) {
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type);
  if (!perAxis)
    return type;
  return quant::UniformQuantizedPerAxisType::get(
      perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
      perAxis.getScales(), perAxis.getZeroPoints(), axis,
      perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
}

int64_t onnx_import::reshapedAxis(ArrayRef<int64_t> in, ArrayRef<int64_t> out,
                                  int64_t axis) {
  int64_t before = 1;
  for (int64_t d = 0; d < axis; ++d)
    before *= in[d];
  int64_t prefix = 1;
  for (int64_t d = 0, e = out.size(); d < e; ++d) {
    if (prefix == before && out[d] == in[axis])
      return d;
    prefix *= out[d];
  }
  return -1;
}

FailureOr<bool> Importer::foldConstantNode(const NodeContext &node) {
  llvm::StringRef op = node.proto.op_type();
  if (op == "DequantizeLinear")
    return foldDequantize(node);
  if (llvm::is_contained({"Reshape", "Flatten", "Squeeze", "Unsqueeze",
                          "Transpose", "Concat", "Gather", "Slice", "Split",
                          "Expand"},
                         op))
    return foldMovement(node);
  if (llvm::is_contained({"Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg",
                          "Reciprocal", "Erf", "Tanh", "Exp", "Relu", "Sigmoid",
                          "HardSigmoid", "HardSwish", "Mod"},
                         op))
    return foldFloatArithmetic(node);
  return false;
}

FailureOr<bool> Importer::foldDequantize(const NodeContext &node) {
  const ConstTensor *data = constant(node, 0);
  if (!data || data->isFloat() || !constant(node, 1) ||
      (node.hasInput(2) && !constant(node, 2)))
    return false;
  FailureOr<Type> qtype =
      quantizedType(node, 1, 2, data->type, /*defaultAxis=*/1,
                    /*expressed=*/{}, data->isUnsigned, data->bitWidth());
  if (failed(qtype))
    return failure();
  // ONNX requires the data and the zero point to have one type.
  const ConstTensor *zp = constant(node, 2);
  if (zp && (zp->elementType() != data->elementType() ||
             zp->isUnsigned != data->isUnsigned ||
             zp->bitWidth() != data->bitWidth()))
    return node.error() << "the data and the zero point have different "
                           "types",
           failure();
  // The integers are kept as they are (signed storage: unsigned values
  // lose 2^(bits-1), as the zero point did); the float values are only
  // computed for a consumer that asks (weights never do).
  Entry entry;
  entry.quantized =
      QuantizedConstant{data->isUnsigned ? toSignedStorage(*data) : *data,
                        cast<quant::QuantizedType>(*qtype)};
  values[node.proto.output(0)] = std::move(entry);
  return true;
}

ConstTensor onnx_import::dequantizeConstant(const ConstTensor &storage,
                                            quant::QuantizedType type) {
  SmallVector<double> scales = getScales(type);
  std::optional<int32_t> axis = getQuantizedAxis(type);
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type);
  int64_t inner = 1;
  if (axis)
    for (int64_t d = *axis + 1; d < storage.type.getRank(); ++d)
      inner *= storage.type.getDimSize(d);
  std::vector<double> real(storage.numElements());
  for (int64_t i = 0, e = real.size(); i < e; ++i) {
    size_t ch = axis ? (i / inner) % scales.size() : 0;
    int64_t z = perAxis
                    ? perAxis.getZeroPoints()[ch]
                    : cast<quant::UniformQuantizedType>(type).getZeroPoint();
    real[i] = static_cast<double>(storage.intAt(i) - z) * scales[ch];
  }
  return ConstTensor::fromFloats(
      RankedTensorType::get(storage.type.getShape(), type.getExpressedType()),
      real);
}

namespace {

/// The per-axis type `type` with its quantized dimension at `axis` and the
/// given scales and zero points; a per-tensor type when one channel is
/// left and `axis` is negative.
quant::QuantizedType withChannels(quant::UniformQuantizedPerAxisType type,
                                  int64_t axis, ArrayRef<double> scales,
                                  ArrayRef<int64_t> zps) {
  if (axis < 0)
    return quant::UniformQuantizedType::get(
        type.getFlags(), type.getStorageType(), type.getExpressedType(),
        scales[0], zps[0], type.getStorageTypeMin(), type.getStorageTypeMax());
  return quant::UniformQuantizedPerAxisType::get(
      type.getFlags(), type.getStorageType(), type.getExpressedType(), scales,
      zps, axis, type.getStorageTypeMin(), type.getStorageTypeMax());
}

/// The quantized type after picking channels `picked` of the per-axis
/// dimension, which lands at `axis` (-1: removed, one channel picked).
quant::QuantizedType pickChannels(quant::UniformQuantizedPerAxisType type,
                                  ArrayRef<int64_t> picked, int64_t axis) {
  SmallVector<double> scales;
  SmallVector<int64_t> zps;
  for (int64_t c : picked) {
    scales.push_back(type.getScales()[c]);
    zps.push_back(type.getZeroPoints()[c]);
  }
  return withChannels(type, axis, scales, zps);
}

/// One result of a data-movement node: how its elements and its quantized
/// type (null: the integers cannot follow) come from the operands'.
struct Movement {
  std::function<ConstTensor(ArrayRef<const ConstTensor *>)> apply;
  std::function<quant::QuantizedType(ArrayRef<quant::QuantizedType>)> type;
  /// Elements of the result.
  int64_t elements;
};

/// The common type of `types` when they are all one per-tensor type.
quant::QuantizedType samePerTensor(ArrayRef<quant::QuantizedType> types) {
  for (quant::QuantizedType t : types)
    if (t != types.front() || !isa<quant::UniformQuantizedType>(t))
      return nullptr;
  return types.front();
}

} // namespace

FailureOr<bool> Importer::foldMovement(const NodeContext &node) {
  llvm::StringRef op = node.proto.op_type();
  if (llvm::is_contained({"Reshape", "Flatten", "Squeeze", "Unsqueeze"}, op))
    return false; // convertReshapeLike computes the shape and reports errors
  unsigned dataInputs = op == "Concat" ? node.proto.input_size() : 1;
  if (dataInputs == 0)
    return false;
  // The operands: compile-time entries, of which a dequantized constant
  // may not have its float values computed yet.
  SmallVector<Entry *> entries;
  for (unsigned i = 0; i < dataInputs; ++i) {
    auto it =
        node.hasInput(i) ? values.find(node.proto.input(i)) : values.end();
    if (it == values.end() || (!it->second.constant && !it->second.quantized))
      return false;
    entries.push_back(&it->second);
  }
  auto shapeOf = [](const Entry *e) {
    return e->constant ? e->constant->type : e->quantized->storage.type;
  };
  RankedTensorType type = shapeOf(entries[0]);
  int64_t rank = type.getRank();
  auto outputCount = [](RankedTensorType t) { return t.getNumElements(); };

  SmallVector<Movement> results;
  if (op == "Transpose") {
    SmallVector<int64_t> perm;
    if (auto attr = node.intsAttr("perm"))
      perm = *attr;
    else
      for (int64_t d = rank - 1; d >= 0; --d)
        perm.push_back(d);
    SmallVector<int64_t> sorted(perm);
    llvm::sort(sorted);
    if (static_cast<int64_t>(sorted.size()) != rank)
      return false; // the converter reports the bad permutation
    for (int64_t d = 0; d < rank; ++d)
      if (sorted[d] != d)
        return false;
    results.push_back(
        {[perm](ArrayRef<const ConstTensor *> in) {
           return transposeConstant(*in[0], perm);
         },
         [perm](ArrayRef<quant::QuantizedType> t) -> quant::QuantizedType {
           std::optional<int32_t> axis = getQuantizedAxis(t[0]);
           if (!axis)
             return t[0];
           return withQuantizedAxis(t[0],
                                    llvm::find(perm, *axis) - perm.begin());
         },
         type.getNumElements()});
  } else if (op == "Expand") {
    const ConstTensor *shapeInput = constant(node, 1);
    SmallVector<int64_t> target;
    if (!shapeInput || shapeInput->isFloat() ||
        !OpTrait::util::getBroadcastedShape(type.getShape(), shapeInput->ints(),
                                            target) ||
        !checkShape(target).empty() ||
        outputCount(RankedTensorType::get(target, type.getElementType())) >
            kFoldLimit)
      return false;
    int64_t shift = target.size() - rank;
    results.push_back(
        {[target](ArrayRef<const ConstTensor *> in) {
           return broadcastConstant(*in[0], target);
         },
         [=](ArrayRef<quant::QuantizedType> t) -> quant::QuantizedType {
           auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(t[0]);
           if (!perAxis)
             return t[0];
           int64_t axis = perAxis.getQuantizedDimension();
           int64_t size = target[axis + shift];
           // One channel broadcast to many repeats its parameters.
           SmallVector<int64_t> picked(size, 0);
           if (perAxis.getScales().size() != 1)
             for (int64_t c = 0; c < size; ++c)
               picked[c] = c;
           return pickChannels(perAxis, picked, axis + shift);
         },
         outputCount(RankedTensorType::get(target, type.getElementType()))});
  } else if (op == "Concat") {
    int64_t axis = normalizedAxis(node.intAttr("axis", 0), rank);
    if (axis < 0)
      return false;
    int64_t total = 0;
    for (const Entry *e : entries) {
      RankedTensorType t = shapeOf(e);
      if (t.getRank() != rank)
        return false;
      for (int64_t d = 0; d < rank; ++d)
        if (d != axis && t.getDimSize(d) != type.getDimSize(d))
          return false;
      total += t.getNumElements();
    }
    if (total > kFoldLimit)
      return false;
    results.push_back(
        {[axis](ArrayRef<const ConstTensor *> in) {
           return concatConstants(in, axis);
         },
         [axis](ArrayRef<quant::QuantizedType> t) -> quant::QuantizedType {
           if (quant::QuantizedType same = samePerTensor(t))
             return same;
           // Per-axis parts along the concatenated dimension join their
           // channels; along another one they must agree.
           SmallVector<double> scales;
           SmallVector<int64_t> zps;
           for (quant::QuantizedType part : t) {
             auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(part);
             if (!perAxis ||
                 perAxis.getQuantizedDimension() !=
                     cast<quant::UniformQuantizedPerAxisType>(t.front())
                         .getQuantizedDimension() ||
                 perAxis.getStorageType() != t.front().getStorageType() ||
                 perAxis.getStorageTypeMin() != t.front().getStorageTypeMin())
               return nullptr;
             if (perAxis.getQuantizedDimension() != axis && part != t.front())
               return nullptr;
             scales.append(perAxis.getScales().begin(),
                           perAxis.getScales().end());
             zps.append(perAxis.getZeroPoints().begin(),
                        perAxis.getZeroPoints().end());
           }
           auto first = cast<quant::UniformQuantizedPerAxisType>(t.front());
           if (first.getQuantizedDimension() != axis)
             return first;
           return withChannels(first, axis, scales, zps);
         },
         total});
  } else if (op == "Gather") {
    const ConstTensor *indices = constant(node, 1);
    int64_t axis = normalizedAxis(node.intAttr("axis", 0), rank);
    if (!indices || indices->isFloat() || axis < 0)
      return false;
    std::vector<int64_t> idx = indices->ints();
    int64_t size = type.getDimSize(axis);
    for (int64_t &i : idx) {
      if (i < -size || i >= size)
        return node.error()
                   << "index " << i << " is out of range for size " << size,
               failure();
      i = i < 0 ? i + size : i;
    }
    SmallVector<int64_t> indexShape(indices->type.getShape());
    int64_t k = indexShape.size();
    // outer x indices x inner elements, computed without overflow.
    int64_t count = static_cast<int64_t>(idx.size());
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && llvm::MulOverflow(count, type.getDimSize(d), count))
        return false;
    if (count > kFoldLimit)
      return false;
    results.push_back(
        {[axis, idx, indexShape](ArrayRef<const ConstTensor *> in) {
           return gatherConstant(*in[0], axis, idx, indexShape);
         },
         [=](ArrayRef<quant::QuantizedType> t) -> quant::QuantizedType {
           auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(t[0]);
           if (!perAxis)
             return t[0];
           int64_t a = perAxis.getQuantizedDimension();
           if (a < axis)
             return t[0];
           if (a > axis)
             return withQuantizedAxis(t[0], a + k - 1);
           // Gathering channels picks their parameters (one index: the
           // dimension is gone, one channel left).
           if (k > 1)
             return nullptr;
           return pickChannels(perAxis, idx, k == 0 ? -1 : axis);
         },
         count});
  } else if (op == "Slice" || op == "Split") {
    // Both are slices along axes; Split has one per output.
    struct Piece {
      SmallVector<int64_t> offsets, sizes, steps;
    };
    SmallVector<Piece> pieces;
    Piece whole{SmallVector<int64_t>(rank, 0),
                SmallVector<int64_t>(type.getShape()),
                SmallVector<int64_t>(rank, 1)};
    if (op == "Slice") {
      FailureOr<SliceRanges> ranges =
          sliceRanges(node, type.getShape(), /*report=*/false);
      if (failed(ranges))
        return false; // the converter reports what is wrong
      pieces.push_back(Piece{ranges->offsets, ranges->sizes, ranges->steps});
    } else {
      int64_t axis = normalizedAxis(node.intAttr("axis", 0), rank);
      int64_t outputs = node.proto.output_size();
      if (axis < 0 || outputs == 0 || (node.hasInput(1) && !constant(node, 1)))
        return false;
      int64_t dim = type.getDimSize(axis);
      std::vector<int64_t> sizes;
      if (const ConstTensor *c = constant(node, 1))
        sizes = c->ints();
      else if (auto attr = node.intsAttr("split"))
        sizes.assign(attr->begin(), attr->end());
      else
        sizes.assign(outputs, (dim + outputs - 1) / outputs);
      if (static_cast<int64_t>(sizes.size()) != outputs ||
          llvm::any_of(sizes, [](int64_t v) { return v < 0; }))
        return false;
      int64_t offset = 0;
      for (int64_t size : sizes) {
        Piece piece = whole;
        size = std::clamp<int64_t>(size, 0, dim - offset);
        piece.offsets[axis] = size ? offset : 0;
        piece.sizes[axis] = size;
        pieces.push_back(piece);
        offset += size;
      }
      if ((constant(node, 1) || node.intsAttr("split")) && offset != dim)
        return false; // the converter reports the sizes
    }
    for (const Piece &piece : pieces)
      if (llvm::is_contained(piece.sizes, 0))
        return false; // empty results are the converter's to reject
    for (const Piece &piece : pieces)
      results.push_back(
          {[piece](ArrayRef<const ConstTensor *> in) {
             return sliceConstant(*in[0], piece.offsets, piece.sizes,
                                  piece.steps);
           },
           [piece](ArrayRef<quant::QuantizedType> t) -> quant::QuantizedType {
             auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(t[0]);
             if (!perAxis)
               return t[0];
             // The channels sliced keep their parameters.
             int64_t a = perAxis.getQuantizedDimension();
             SmallVector<int64_t> picked;
             for (int64_t i = 0; i < piece.sizes[a]; ++i)
               picked.push_back(piece.offsets[a] + i * piece.steps[a]);
             return pickChannels(perAxis, picked, a);
           },
           RankedTensorType::get(piece.sizes, type.getElementType())
               .getNumElements()});
  } else {
    return false;
  }

  // Everything folded in one import stays within a budget, so that many
  // small nodes cannot build gigabytes of constants.
  int64_t elements = 0;
  for (const Movement &movement : results)
    elements += movement.elements;
  if (elements > kFoldLimit || foldedElements + elements > kFoldBudget)
    return false;
  foldedElements += elements;
  // Each result carries the integers while every operand has them and the
  // quantized type follows; the float values are moved when they exist
  // already or the integers cannot follow.
  SmallVector<quant::QuantizedType> types;
  for (const Entry *e : entries)
    if (e->quantized)
      types.push_back(e->quantized->type);
  bool integers = types.size() == entries.size();
  for (auto [i, movement] : llvm::enumerate(results)) {
    if (i >= static_cast<size_t>(node.proto.output_size()) ||
        node.proto.output(i).empty())
      continue;
    Entry result;
    if (quant::QuantizedType t = integers ? movement.type(types) : nullptr) {
      SmallVector<const ConstTensor *> storages;
      for (const Entry *e : entries)
        storages.push_back(&e->quantized->storage);
      result.quantized = QuantizedConstant{movement.apply(storages), t};
    }
    bool haveFloats = llvm::all_of(
        entries, [](const Entry *e) { return e->constant.has_value(); });
    if (!result.quantized || haveFloats) {
      SmallVector<const ConstTensor *> floats;
      for (Entry *e : entries)
        floats.push_back(floatsOf(*e));
      if (llvm::any_of(floats, [&](const ConstTensor *f) {
            return f->elementType() != floats.front()->elementType();
          }))
        return false; // the converter reports mixed element types
      result.constant = movement.apply(floats);
    }
    values[node.proto.output(i)] = std::move(result);
  }
  return true;
}

FailureOr<bool> Importer::foldFloatArithmetic(const NodeContext &node) {
  llvm::StringRef op = node.proto.op_type();
  bool binary =
      llvm::is_contained({"Add", "Sub", "Mul", "Div", "Pow", "Mod"}, op);
  unsigned arity = binary ? 2 : 1;
  if (op == "Mod" && !node.intAttr("fmod", 0))
    return false; // a float Mod needs fmod = 1: the converter says so
  std::optional<StringRef> activation = activationKind(op);
  double alpha = node.floatAttr("alpha", 0.2f),
         beta = node.floatAttr("beta", 0.5f);
  SmallVector<const ConstTensor *> in;
  for (unsigned i = 0; i < arity; ++i) {
    const ConstTensor *c = constant(node, i);
    if (!c || !c->isFloat())
      return false;
    in.push_back(c);
  }
  SmallVector<int64_t> shape(in[0]->type.getShape());
  if (binary && (in[1]->elementType() != in[0]->elementType() ||
                 !OpTrait::util::getBroadcastedShape(
                     in[0]->type.getShape(), in[1]->type.getShape(), shape)))
    return false;
  auto type = RankedTensorType::get(shape, in[0]->elementType());
  if (type.getNumElements() > kFoldLimit ||
      foldedElements + type.getNumElements() > kFoldBudget)
    return false;
  foldedElements += type.getNumElements();
  SmallVector<std::vector<double>> operands;
  for (const ConstTensor *c : in)
    operands.push_back(broadcastConstant(*c, shape).floats());
  std::vector<double> result(type.getNumElements());
  for (size_t i = 0; i < result.size(); ++i) {
    double a = operands[0][i], b = binary ? operands[1][i] : 0.0;
    if (activation) {
      result[i] = evaluateActivation(*activation, a, alpha, beta);
      continue;
    }
    result[i] = llvm::StringSwitch<double>(op)
                    .Case("Mod", std::fmod(a, b))
                    .Case("Add", a + b)
                    .Case("Sub", a - b)
                    .Case("Mul", a * b)
                    .Case("Div", a / b)
                    .Case("Pow", std::pow(a, b))
                    .Case("Sqrt", std::sqrt(a))
                    .Case("Neg", -a)
                    .Case("Reciprocal", 1.0 / a)
                    .Case("Erf", std::erf(a))
                    .Case("Tanh", std::tanh(a))
                    .Case("Exp", std::exp(a))
                    .Default(std::max(a, 0.0)); // Relu
  }
  setConstant(node, 0, ConstTensor::fromFloats(type, result));
  return true;
}
