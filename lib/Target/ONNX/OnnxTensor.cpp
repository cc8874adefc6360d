//===- OnnxTensor.cpp - Constant ONNX tensors -----------------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "OnnxTensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::vitq;
using namespace mlir::vitq::onnx_import;

Type onnx_import::convertElementType(MLIRContext *context, int32_t onnxType,
                                     bool &isUnsigned) {
  Builder b(context);
  isUnsigned = false;
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::INT8:
    return b.getI8Type();
  case onnx::TensorProto::INT16:
    return b.getI16Type();
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  case onnx::TensorProto::UINT8:
    isUnsigned = true;
    return b.getI8Type();
  case onnx::TensorProto::UINT16:
    isUnsigned = true;
    return b.getI16Type();
  default:
    return nullptr;
  }
}

/// Bytes per element in MLIR's dense storage (i1 is stored as a byte).
static size_t storageBytes(Type type) {
  return std::max<size_t>(1, type.getIntOrFloatBitWidth() / 8);
}

size_t ConstTensor::bytesPerElement() const {
  return storageBytes(elementType());
}

int64_t onnx_import::toInt64(double v) {
  if (std::isnan(v))
    return 0;
  // 2^63 is exactly representable; everything below it converts.
  if (v >= 9223372036854775808.0)
    return std::numeric_limits<int64_t>::max();
  if (v <= -9223372036854775808.0)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

int64_t ConstTensor::intAt(int64_t i) const {
  if (isFloat())
    return toInt64(floatAt(i));
  size_t width = storageBytes(elementType());
  const char *p = bytes->data() + i * width;
  switch (width) {
  case 1: {
    uint8_t v;
    std::memcpy(&v, p, 1);
    if (elementType().isInteger(1))
      return v != 0;
    return isUnsigned ? int64_t(v) : int64_t(int8_t(v));
  }
  case 2: {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return isUnsigned ? int64_t(v) : int64_t(int16_t(v));
  }
  case 4: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  default: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  }
}

double ConstTensor::floatAt(int64_t i) const {
  Type element = elementType();
  if (!isFloat())
    return static_cast<double>(intAt(i));
  const char *p = bytes->data() + i * storageBytes(element);
  if (element.isF32()) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  if (element.isF64()) {
    double v;
    std::memcpy(&v, p, 8);
    return v;
  }
  // f16 / bf16: decode through APFloat.
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  llvm::APFloat value(cast<FloatType>(element).getFloatSemantics(),
                      llvm::APInt(16, bits));
  return value.convertToDouble();
}

std::vector<int64_t> ConstTensor::ints() const {
  std::vector<int64_t> values(numElements());
  for (int64_t i = 0, e = values.size(); i < e; ++i)
    values[i] = intAt(i);
  return values;
}

std::vector<double> ConstTensor::floats() const {
  std::vector<double> values(numElements());
  for (int64_t i = 0, e = values.size(); i < e; ++i)
    values[i] = floatAt(i);
  return values;
}

/// Appends `value` in the storage format of `element`.
static void appendValue(std::string &out, Type element, double fvalue,
                        int64_t ivalue, bool fromFloat) {
  char buffer[8];
  size_t width = storageBytes(element);
  if (auto floatType = dyn_cast<FloatType>(element)) {
    double v = fromFloat ? fvalue : static_cast<double>(ivalue);
    if (element.isF32()) {
      float f = static_cast<float>(v);
      std::memcpy(buffer, &f, 4);
    } else if (element.isF64()) {
      std::memcpy(buffer, &v, 8);
    } else {
      bool lost;
      llvm::APFloat ap(v);
      ap.convert(floatType.getFloatSemantics(),
                 llvm::APFloat::rmNearestTiesToEven, &lost);
      uint16_t bits = ap.bitcastToAPInt().getZExtValue();
      std::memcpy(buffer, &bits, 2);
    }
  } else {
    int64_t v = fromFloat ? toInt64(fvalue) : ivalue;
    if (element.isInteger(1))
      v = v != 0;
    std::memcpy(buffer, &v, width); // little-endian truncation
  }
  out.append(buffer, width);
}

ConstTensor ConstTensor::fromInts(RankedTensorType type,
                                  ArrayRef<int64_t> values) {
  auto bytes = std::make_shared<std::string>();
  for (int64_t v : values)
    appendValue(*bytes, type.getElementType(), 0, v, false);
  return ConstTensor{type, false, bytes};
}

ConstTensor ConstTensor::fromFloats(RankedTensorType type,
                                    ArrayRef<double> values) {
  auto bytes = std::make_shared<std::string>();
  for (double v : values)
    appendValue(*bytes, type.getElementType(), v, 0, true);
  return ConstTensor{type, false, bytes};
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string out = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    out += (i ? ", " : "") +
           (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return out + "]";
}

std::string onnx_import::checkShape(llvm::ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d) || d < 0)
      return "the shape " + shapeString(shape) + " has a negative dimension";
    if (d != 0 && count > kMaxElements / d)
      return "the shape " + shapeString(shape) + " has more than 2^36 elements";
    count *= d;
  }
  return "";
}

/// An unsigned decimal external-data field.
static std::optional<uint64_t> parseField(llvm::StringRef text) {
  uint64_t v;
  if (text.getAsInteger(10, v))
    return std::nullopt;
  return v;
}

/// Reads the bytes of an external-data tensor.
static std::string readExternal(const onnx::TensorProto &proto,
                                llvm::StringRef dir, std::string &bytes) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto &entry : proto.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
      continue;
    }
    if (entry.key() != "offset" && entry.key() != "length")
      continue;
    std::optional<uint64_t> v = parseField(entry.value());
    if (!v)
      return "external data " + entry.key() + " '" + entry.value() + "' of '" +
             proto.name() + "' is not a byte count";
    if (entry.key() == "offset")
      offset = *v;
    else
      length = *v;
  }
  if (location.empty())
    return "external data of '" + proto.name() + "' has no location";
  // The model names files next to itself; it must not reach elsewhere.
  if (llvm::sys::path::is_absolute(location) ||
      llvm::is_contained(llvm::make_range(llvm::sys::path::begin(location),
                                          llvm::sys::path::end(location)),
                         ".."))
    return "external data location '" + location + "' of '" + proto.name() +
           "' leaves the model's directory (absolute path or '..')";
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, location);
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return "cannot read external data file '" + std::string(path) + "' of '" +
           proto.name() + "': " + file.getError().message();
  llvm::StringRef data = (*file)->getBuffer();
  if (offset > data.size() || (length && *length > data.size() - offset))
    return "external data of '" + proto.name() + "' lies outside '" +
           std::string(path) + "'";
  bytes = data.substr(offset, length.value_or(data.size() - offset)).str();
  return "";
}

/// ONNX's TensorProto data types for 4-bit integers (onnx 1.16); Debian's
/// libonnx schema predates them.
constexpr int32_t kOnnxUInt4 = 21;
constexpr int32_t kOnnxInt4 = 22;

static std::string readInt4(const onnx::TensorProto &proto,
                            MLIRContext *context, llvm::StringRef dir,
                            ConstTensor &result) {
  bool isUnsigned = proto.data_type() == kOnnxUInt4;
  SmallVector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  if (std::string why = checkShape(dims); !why.empty())
    return "tensor '" + proto.name() + "': " + why;
  auto type = RankedTensorType::get(dims, IntegerType::get(context, 8));
  int64_t count = type.getNumElements();
  std::string packed;
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string error = readExternal(proto, dir, packed);
    if (!error.empty())
      return error;
  } else if (proto.has_raw_data()) {
    packed = proto.raw_data();
  } else {
    // One packed byte per int32_data entry.
    for (int32_t v : proto.int32_data())
      packed.push_back(static_cast<char>(v & 0xff));
  }
  if (static_cast<int64_t>(packed.size()) != (count + 1) / 2)
    return "tensor '" + proto.name() + "' holds " +
           std::to_string(packed.size()) + " bytes, its shape needs " +
           std::to_string((count + 1) / 2) + " (4-bit, packed)";
  auto bytes = std::make_shared<std::string>(count, '\0');
  for (int64_t i = 0; i < count; ++i) {
    int nibble = (static_cast<uint8_t>(packed[i / 2]) >> (4 * (i % 2))) & 0xf;
    int value = isUnsigned || nibble < 8 ? nibble : nibble - 16;
    (*bytes)[i] = static_cast<char>(value);
  }
  result = ConstTensor{type, isUnsigned, bytes, /*bits=*/4};
  return "";
}

std::string onnx_import::readTensor(const onnx::TensorProto &proto,
                                    MLIRContext *context,
                                    llvm::StringRef externalDataDir,
                                    ConstTensor &result) {
  // 4-bit integers (opset 21) are packed two to a byte, low nibble first;
  // they are unpacked into 8-bit storage, which holds every 4-bit value.
  if (proto.data_type() == kOnnxInt4 || proto.data_type() == kOnnxUInt4)
    return readInt4(proto, context, externalDataDir, result);
  bool isUnsigned;
  Type element = convertElementType(context, proto.data_type(), isUnsigned);
  if (!element)
    return "tensor '" + proto.name() + "' has unsupported data type " +
           onnx::TensorProto::DataType_Name(
               static_cast<onnx::TensorProto::DataType>(proto.data_type()));
  SmallVector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  if (std::string why = checkShape(dims); !why.empty())
    return "tensor '" + proto.name() + "': " + why;
  auto type = RankedTensorType::get(dims, element);
  int64_t count = type.getNumElements();
  size_t expected = count * storageBytes(element);
  auto bytes = std::make_shared<std::string>();

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string error = readExternal(proto, externalDataDir, *bytes);
    if (!error.empty())
      return error;
  } else if (proto.has_raw_data()) {
    *bytes = proto.raw_data();
  } else {
    // Typed fields: floats in float_data, doubles in double_data, 64-bit
    // integers in int64_data, everything else (incl. f16 bits) in
    // int32_data.
    if (element.isF32()) {
      for (float v : proto.float_data())
        appendValue(*bytes, element, v, 0, true);
    } else if (element.isF64()) {
      for (double v : proto.double_data())
        appendValue(*bytes, element, v, 0, true);
    } else if (element.isInteger(64)) {
      for (int64_t v : proto.int64_data())
        appendValue(*bytes, element, 0, v, false);
    } else {
      for (int32_t v : proto.int32_data()) {
        char buffer[4];
        std::memcpy(buffer, &v, 4);
        bytes->append(buffer, storageBytes(element));
      }
    }
  }
  // i1 is one byte per element in ONNX raw data too.
  if (bytes->size() != expected)
    return "tensor '" + proto.name() + "' holds " +
           std::to_string(bytes->size()) + " bytes, its shape needs " +
           std::to_string(expected);
  result = ConstTensor{type, isUnsigned, bytes};
  return "";
}

//===----------------------------------------------------------------------===//
// Data movement on compile-time tensors
//===----------------------------------------------------------------------===//

/// Builds a tensor of `type` whose element at each position is the element
/// of `src` that `source` names for that position's coordinates.
static ConstTensor
moveElements(const ConstTensor &src, RankedTensorType type,
             llvm::function_ref<int64_t(ArrayRef<int64_t>)> source) {
  size_t width = src.bytesPerElement();
  int64_t count = type.getNumElements();
  auto bytes = std::make_shared<std::string>();
  bytes->resize(count * width);
  SmallVector<int64_t> coords(type.getRank(), 0);
  ArrayRef<int64_t> shape = type.getShape();
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(bytes->data() + i * width,
                src.bytes->data() + source(coords) * width, width);
    // Advance the row-major coordinates.
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      if (++coords[d] < shape[d])
        break;
      coords[d] = 0;
    }
  }
  return ConstTensor{type, src.isUnsigned, bytes, src.bits};
}

/// Row-major strides of `shape`.
static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

ConstTensor onnx_import::transposeConstant(const ConstTensor &t,
                                           ArrayRef<int64_t> perm) {
  SmallVector<int64_t> shape, strides = stridesOf(t.type.getShape());
  for (int64_t p : perm)
    shape.push_back(t.type.getDimSize(p));
  return moveElements(t, t.type.clone(shape), [&](ArrayRef<int64_t> c) {
    int64_t index = 0;
    for (auto [i, p] : llvm::enumerate(perm))
      index += c[i] * strides[p];
    return index;
  });
}

ConstTensor onnx_import::sliceConstant(const ConstTensor &t,
                                       ArrayRef<int64_t> offsets,
                                       ArrayRef<int64_t> sizes,
                                       ArrayRef<int64_t> steps) {
  SmallVector<int64_t> strides = stridesOf(t.type.getShape());
  return moveElements(t, t.type.clone(sizes), [&](ArrayRef<int64_t> c) {
    int64_t index = 0;
    for (size_t d = 0; d < c.size(); ++d)
      index += (offsets[d] + c[d] * steps[d]) * strides[d];
    return index;
  });
}

ConstTensor onnx_import::gatherConstant(const ConstTensor &t, int64_t axis,
                                        ArrayRef<int64_t> indices,
                                        ArrayRef<int64_t> indicesShape) {
  ArrayRef<int64_t> in = t.type.getShape();
  SmallVector<int64_t> shape(in.begin(), in.begin() + axis);
  shape.append(indicesShape.begin(), indicesShape.end());
  shape.append(in.begin() + axis + 1, in.end());
  SmallVector<int64_t> strides = stridesOf(in);
  SmallVector<int64_t> indexStrides = stridesOf(indicesShape);
  int64_t k = indicesShape.size();
  return moveElements(t, t.type.clone(shape), [&](ArrayRef<int64_t> c) {
    int64_t which = 0;
    for (int64_t j = 0; j < k; ++j)
      which += c[axis + j] * indexStrides[j];
    int64_t index = indices[which] * strides[axis];
    for (int64_t d = 0; d < axis; ++d)
      index += c[d] * strides[d];
    for (int64_t d = axis + 1; d < static_cast<int64_t>(in.size()); ++d)
      index += c[d + k - 1] * strides[d];
    return index;
  });
}

ConstTensor onnx_import::concatConstants(ArrayRef<const ConstTensor *> parts,
                                         int64_t axis) {
  const ConstTensor &first = *parts.front();
  SmallVector<int64_t> shape(first.type.getShape());
  shape[axis] = 0;
  for (const ConstTensor *p : parts)
    shape[axis] += p->type.getDimSize(axis);
  // Row-major: every part contributes one contiguous run per outer index.
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  size_t width = first.bytesPerElement();
  auto bytes = std::make_shared<std::string>();
  bytes->reserve(
      RankedTensorType::get(shape, first.elementType()).getNumElements() *
      width);
  for (int64_t o = 0; o < outer; ++o)
    for (const ConstTensor *p : parts) {
      size_t run = p->numElements() / std::max<int64_t>(outer, 1) * width;
      if (p->numElements() == 0)
        continue;
      bytes->append(*p->bytes, o * run, run);
    }
  return ConstTensor{first.type.clone(shape), first.isUnsigned, bytes,
                     first.bits};
}

ConstTensor onnx_import::broadcastConstant(const ConstTensor &t,
                                           ArrayRef<int64_t> shape) {
  ArrayRef<int64_t> in = t.type.getShape();
  SmallVector<int64_t> strides = stridesOf(in);
  int64_t offset = shape.size() - in.size();
  return moveElements(t, t.type.clone(shape), [&](ArrayRef<int64_t> c) {
    int64_t index = 0;
    for (size_t d = 0; d < in.size(); ++d)
      if (in[d] != 1)
        index += c[offset + d] * strides[d];
    return index;
  });
}
