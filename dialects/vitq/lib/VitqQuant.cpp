//===- VitqQuant.cpp - Quantisation parameters to vitq attributes ---------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Dialect/Vitq/VitqQuant.h"

#include "vitq/Support/Dyadic.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::vitq;

SmallVector<double> vitq::getScales(quant::QuantizedType type) {
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(type))
    return {perTensor.getScale()};
  auto perAxis = cast<quant::UniformQuantizedPerAxisType>(type);
  return SmallVector<double>(perAxis.getScales());
}

std::optional<int64_t> vitq::getUniformZeroPoint(quant::QuantizedType type) {
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(type))
    return perTensor.getZeroPoint();
  auto perAxis = cast<quant::UniformQuantizedPerAxisType>(type);
  ArrayRef<int64_t> zps = perAxis.getZeroPoints();
  if (zps.empty() || !llvm::all_equal(zps))
    return std::nullopt;
  return zps.front();
}

std::optional<int32_t> vitq::getQuantizedAxis(quant::QuantizedType type) {
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type))
    return perAxis.getQuantizedDimension();
  return std::nullopt;
}

IntegerType vitq::getStorageIntegerType(quant::QuantizedType type) {
  return IntegerType::get(type.getContext(),
                          type.getStorageTypeIntegralWidth());
}

quant::QuantizedType vitq::getSymmetricType(MLIRContext *context,
                                            ArrayRef<double> scales,
                                            std::optional<int32_t> axis,
                                            unsigned storageBits,
                                            FloatType expressed) {
  Type storage = IntegerType::get(context, storageBits);
  int64_t qmin = -(int64_t(1) << (storageBits - 1));
  int64_t qmax = (int64_t(1) << (storageBits - 1)) - 1;
  if (!axis)
    return quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                            storage, expressed, scales.front(),
                                            0, qmin, qmax);
  SmallVector<int64_t> zeros(scales.size(), 0);
  return quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, storage, expressed, scales, zeros,
      *axis, qmin, qmax);
}

FailureOr<RescaleAttr> vitq::getRescaleAttr(MLIRContext *context,
                                            ArrayRef<double> factors,
                                            std::optional<int64_t> axis) {
  SmallVector<int32_t> multipliers, shifts;
  for (double factor : factors) {
    std::optional<DyadicScale> dyadic = computeDyadicScale(factor);
    if (!dyadic)
      return failure();
    multipliers.push_back(dyadic->multiplier);
    shifts.push_back(dyadic->shift);
  }
  return RescaleAttr::get(context, multipliers, shifts,
                          factors.size() == 1 ? std::nullopt : axis);
}

/// Appends the values of a resource blob of element type T.
template <typename ResourceAttr>
static bool appendResource(ElementsAttr attr, SmallVectorImpl<int64_t> &out) {
  auto resource = dyn_cast<ResourceAttr>(attr);
  if (!resource)
    return false;
  auto data = resource.tryGetAsArrayRef();
  if (!data)
    return false;
  out.append(data->begin(), data->end());
  return true;
}

std::optional<SmallVector<int64_t>> vitq::getConstantInts(Value v) {
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return getConstantInts(attr);
}

std::optional<SmallVector<int64_t>> vitq::getConstantInts(ElementsAttr attr) {
  if (!attr || !isa<IntegerType>(attr.getElementType()))
    return std::nullopt;
  SmallVector<int64_t> values;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    for (const APInt &i : dense.getValues<APInt>())
      values.push_back(i.getSExtValue());
    return values;
  }
  bool found = appendResource<DenseI8ResourceElementsAttr>(attr, values) ||
               appendResource<DenseI16ResourceElementsAttr>(attr, values) ||
               appendResource<DenseI32ResourceElementsAttr>(attr, values) ||
               appendResource<DenseI64ResourceElementsAttr>(attr, values);
  // A resource blob's size is not checked against its type when parsed;
  // callers index by the type's shape, so a mismatch is no constant.
  if (!found || static_cast<int64_t>(values.size()) != attr.getNumElements())
    return std::nullopt;
  return values;
}

FailureOr<RescaleAttr> vitq::getSignedRescaleAttr(MLIRContext *context,
                                                  ArrayRef<double> factors,
                                                  int64_t axis) {
  if (factors.empty())
    return failure();
  SmallVector<int32_t> multipliers, shifts;
  for (double factor : factors) {
    if (!std::isfinite(factor))
      return failure();
    double magnitude = std::fabs(factor);
    if (magnitude < kMinDyadicScale) {
      multipliers.push_back(0);
      shifts.push_back(0);
      continue;
    }
    std::optional<DyadicScale> dyadic = computeDyadicScale(magnitude);
    if (!dyadic)
      return failure();
    multipliers.push_back(factor < 0 ? -dyadic->multiplier
                                     : dyadic->multiplier);
    shifts.push_back(dyadic->shift);
  }
  bool uniform = llvm::all_equal(multipliers) && llvm::all_equal(shifts);
  if (uniform)
    return RescaleAttr::get(context, multipliers[0], shifts[0]);
  return RescaleAttr::get(context, multipliers, shifts, axis);
}

std::optional<AddScales> vitq::computeAddScales(double lhs, double rhs) {
  if (!(lhs >= 0) || !(rhs >= 0) || !std::isfinite(lhs) || !std::isfinite(rhs))
    return std::nullopt;
  std::optional<DyadicScale> larger = computeDyadicScale(std::max(lhs, rhs));
  if (!larger)
    return std::nullopt;
  // The smaller factor shares the shift, so it keeps fewer mantissa bits;
  // it rounds to the nearest multiple of 2^-shift.
  double unit = std::ldexp(1.0, larger->shift);
  auto other = static_cast<int64_t>(std::llround(std::min(lhs, rhs) * unit));
  if (other >= (int64_t(1) << 31))
    return std::nullopt;
  bool lhsLarger = lhs >= rhs;
  return AddScales{lhsLarger ? larger->multiplier : static_cast<int32_t>(other),
                   lhsLarger ? static_cast<int32_t>(other) : larger->multiplier,
                   larger->shift};
}
