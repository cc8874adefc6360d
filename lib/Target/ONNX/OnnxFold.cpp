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
#include <numeric>

using namespace mlir;
using namespace mlir::vitq;
using namespace mlir::vitq::onnx_import;

/// Compile-time tensors built by folding stay below this many elements (the
/// largest ViT weight has 2.4M); a model asking for more is malformed.
static constexpr int64_t kFoldLimit = int64_t(1) << 24;

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
                          "Reciprocal", "Erf", "Tanh", "Exp", "Relu"},
                         op))
    return foldFloatArithmetic(node);
  return false;
}

FailureOr<bool> Importer::foldDequantize(const NodeContext &node) {
  const ConstTensor *data = constant(node, 0);
  if (!data || data->isFloat() || !constant(node, 1) ||
      (node.hasInput(2) && !constant(node, 2)))
    return false;
  unsigned dataWidth = data->elementType().getIntOrFloatBitWidth();
  FailureOr<Type> qtype =
      quantizedType(node, 1, 2, data->type, /*defaultAxis=*/1,
                    /*expressed=*/{}, data->isUnsigned, dataWidth);
  if (failed(qtype))
    return failure();
  auto qt = cast<quant::QuantizedType>(*qtype);
  // ONNX requires the data and the zero point to have one type.
  const ConstTensor *zp = constant(node, 2);
  if (zp && (zp->elementType() != data->elementType() ||
             zp->isUnsigned != data->isUnsigned))
    return node.error() << "the data and the zero point have different "
                           "types",
           failure();
  // Signed storage: unsigned integers lose 2^(w-1), as the zero point did.
  std::vector<int64_t> ints = data->ints();
  unsigned width = qt.getStorageTypeIntegralWidth();
  int64_t offset = data->isUnsigned ? int64_t(1) << (width - 1) : 0;
  SmallVector<double> scales = getScales(qt);
  std::optional<int32_t> axis = getQuantizedAxis(qt);
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(qt);
  int64_t inner = 1;
  if (axis)
    for (int64_t d = *axis + 1; d < data->type.getRank(); ++d)
      inner *= data->type.getDimSize(d);
  std::vector<double> real(ints.size());
  for (auto [i, q] : llvm::enumerate(ints)) {
    size_t ch = axis ? (i / inner) % scales.size() : 0;
    int64_t z = perAxis ? perAxis.getZeroPoints()[ch]
                        : cast<quant::UniformQuantizedType>(qt).getZeroPoint();
    q -= offset;
    real[i] = static_cast<double>(q - z) * scales[ch];
  }
  auto storageType = RankedTensorType::get(data->type.getShape(),
                                           builder.getIntegerType(width));
  auto realType =
      RankedTensorType::get(data->type.getShape(), qt.getExpressedType());
  Entry entry;
  entry.constant = ConstTensor::fromFloats(realType, real);
  entry.quantized =
      QuantizedConstant{ConstTensor::fromInts(storageType, ints), qt};
  values[node.proto.output(0)] = std::move(entry);
  return true;
}

FailureOr<bool> Importer::foldMovement(const NodeContext &node) {
  llvm::StringRef op = node.proto.op_type();
  unsigned dataInputs = op == "Concat" ? node.proto.input_size() : 1;
  if (dataInputs == 0)
    return false;
  SmallVector<const ConstTensor *> data;
  SmallVector<const QuantizedConstant *> quantized;
  for (unsigned i = 0; i < dataInputs; ++i) {
    const ConstTensor *c = constant(node, i);
    if (!c)
      return false;
    data.push_back(c);
    quantized.push_back(quantizedConstant(node, i));
  }
  RankedTensorType type = data[0]->type;
  int64_t rank = type.getRank();

  // Each op is one function applied to the constant and, when it is a
  // dequantized one, to its integers; `axisMap` says where a per-axis
  // quantization dimension goes (-1: lost, the integers are dropped).
  std::function<ConstTensor(ArrayRef<const ConstTensor *>)> apply;
  std::function<int64_t(int64_t)> axisMap = [](int64_t) { return -1; };
  SmallVector<ConstTensor> splitPieces;
  if (llvm::is_contained({"Reshape", "Flatten", "Squeeze", "Unsqueeze"}, op)) {
    // convertReshapeLike computes the target shape and reports errors.
    return false;
  } else if (op == "Transpose") {
    SmallVector<int64_t> perm;
    if (auto attr = node.intsAttr("perm"))
      perm = *attr;
    else
      for (int64_t d = rank - 1; d >= 0; --d)
        perm.push_back(d);
    SmallVector<int64_t> sorted(perm);
    llvm::sort(sorted);
    for (int64_t d = 0; d < static_cast<int64_t>(sorted.size()); ++d)
      if (sorted[d] != d || static_cast<int64_t>(sorted.size()) != rank)
        return false; // the converter reports the bad permutation
    apply = [perm](ArrayRef<const ConstTensor *> in) {
      return transposeConstant(*in[0], perm);
    };
    axisMap = [perm](int64_t a) -> int64_t {
      return llvm::find(perm, a) - perm.begin();
    };
  } else if (op == "Expand") {
    const ConstTensor *shapeInput = constant(node, 1);
    if (!shapeInput)
      return false;
    SmallVector<int64_t> target;
    if (!OpTrait::util::getBroadcastedShape(type.getShape(), shapeInput->ints(),
                                            target) ||
        !checkShape(target).empty() ||
        RankedTensorType::get(target, type.getElementType()).getNumElements() >
            kFoldLimit)
      return false;
    apply = [target](ArrayRef<const ConstTensor *> in) {
      return broadcastConstant(*in[0], target);
    };
    int64_t shift = target.size() - rank;
    axisMap = [shift](int64_t a) { return a + shift; };
  } else if (op == "Concat") {
    int64_t axis = normalizedAxis(node.intAttr("axis", 0), rank);
    if (axis < 0)
      return false;
    int64_t total = 0;
    for (const ConstTensor *c : data) {
      if (c->type.getRank() != rank ||
          c->elementType() != type.getElementType())
        return false;
      for (int64_t d = 0; d < rank; ++d)
        if (d != axis && c->type.getDimSize(d) != type.getDimSize(d))
          return false;
      total += c->numElements();
    }
    if (total > kFoldLimit)
      return false;
    apply = [axis](ArrayRef<const ConstTensor *> in) {
      return concatConstants(in, axis);
    };
    // Integers concatenate when every part has one per-tensor type.
    bool sameType = llvm::all_of(quantized, [&](const QuantizedConstant *q) {
      return q && quantized[0] && q->type == quantized[0]->type &&
             isa<quant::UniformQuantizedType>(q->type);
    });
    if (!sameType)
      quantized.assign(quantized.size(), nullptr);
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
    apply = [axis, idx, indexShape](ArrayRef<const ConstTensor *> in) {
      return gatherConstant(*in[0], axis, idx, indexShape);
    };
    int64_t k = indexShape.size();
    axisMap = [axis, k](int64_t a) -> int64_t {
      return a < axis ? a : a > axis ? a + k - 1 : -1;
    };
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
      const ConstTensor *starts = constant(node, 1), *ends = constant(node, 2);
      for (unsigned i : {3u, 4u})
        if (node.hasInput(i) && !constant(node, i))
          return false;
      if (!starts || !ends)
        return false;
      std::vector<int64_t> s = starts->ints(), e = ends->ints();
      std::vector<int64_t> axes(s.size()), steps(s.size(), 1);
      std::iota(axes.begin(), axes.end(), 0);
      if (const ConstTensor *c = constant(node, 3))
        axes = c->ints();
      if (const ConstTensor *c = constant(node, 4))
        steps = c->ints();
      if (e.size() != s.size() || axes.size() != s.size() ||
          steps.size() != s.size())
        return false;
      Piece piece = whole;
      for (size_t i = 0; i < s.size(); ++i) {
        int64_t a = normalizedAxis(axes[i], rank);
        if (a < 0 || steps[i] == 0)
          return false;
        int64_t dim = type.getDimSize(a), step = steps[i];
        // ONNX clamps starts and ends per direction.
        auto clampIndex = [&](int64_t v) {
          v = v < 0 ? v + dim : v;
          return step > 0 ? std::clamp<int64_t>(v, 0, dim)
                          : std::clamp<int64_t>(v, -1, dim - 1);
        };
        int64_t begin = clampIndex(s[i]), end = clampIndex(e[i]);
        int64_t count = step > 0
                            ? (end > begin ? (end - begin - 1) / step + 1 : 0)
                            : (begin > end ? (begin - end - 1) / -step + 1 : 0);
        piece.offsets[a] = count ? begin : 0;
        piece.sizes[a] = count;
        piece.steps[a] = step;
      }
      pieces.push_back(piece);
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
    // A per-axis dimension survives where it is not sliced.
    auto keeps = [&](int64_t a) {
      return llvm::all_of(pieces, [&](const Piece &p) {
        return p.sizes[a] == type.getDimSize(a) && p.steps[a] == 1;
      });
    };
    axisMap = [keeps](int64_t a) -> int64_t { return keeps(a) ? a : -1; };
    // Split has several results: fold each piece.
    for (auto [i, piece] : llvm::enumerate(pieces)) {
      if (i >= static_cast<size_t>(node.proto.output_size()) ||
          node.proto.output(i).empty())
        continue;
      Entry entry;
      entry.constant =
          sliceConstant(*data[0], piece.offsets, piece.sizes, piece.steps);
      if (quantized[0]) {
        std::optional<int32_t> axis = getQuantizedAxis(quantized[0]->type);
        int64_t mapped = axis ? axisMap(*axis) : 0;
        if (mapped >= 0)
          entry.quantized = QuantizedConstant{
              sliceConstant(quantized[0]->storage, piece.offsets, piece.sizes,
                            piece.steps),
              axis ? withQuantizedAxis(quantized[0]->type, mapped)
                   : quantized[0]->type};
      }
      values[node.proto.output(i)] = std::move(entry);
    }
    return true;
  } else {
    return false;
  }

  Entry entry;
  entry.constant = apply(data);
  bool keepIntegers = llvm::all_of(
      quantized, [](const QuantizedConstant *q) { return q != nullptr; });
  if (keepIntegers) {
    std::optional<int32_t> axis = getQuantizedAxis(quantized[0]->type);
    int64_t mapped = axis ? axisMap(*axis) : 0;
    if (mapped >= 0) {
      SmallVector<const ConstTensor *> storages;
      for (const QuantizedConstant *q : quantized)
        storages.push_back(&q->storage);
      entry.quantized = QuantizedConstant{
          apply(storages), axis ? withQuantizedAxis(quantized[0]->type, mapped)
                                : quantized[0]->type};
    }
  }
  values[node.proto.output(0)] = std::move(entry);
  return true;
}

FailureOr<bool> Importer::foldFloatArithmetic(const NodeContext &node) {
  llvm::StringRef op = node.proto.op_type();
  bool binary = llvm::is_contained({"Add", "Sub", "Mul", "Div", "Pow"}, op);
  unsigned arity = binary ? 2 : 1;
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
  if (type.getNumElements() > kFoldLimit)
    return false;
  SmallVector<std::vector<double>> operands;
  for (const ConstTensor *c : in)
    operands.push_back(broadcastConstant(*c, shape).floats());
  std::vector<double> result(type.getNumElements());
  for (size_t i = 0; i < result.size(); ++i) {
    double a = operands[0][i], b = binary ? operands[1][i] : 0.0;
    result[i] = llvm::StringSwitch<double>(op)
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
