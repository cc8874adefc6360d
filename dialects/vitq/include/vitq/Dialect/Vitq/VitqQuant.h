//===- VitqQuant.h - Quantisation parameters to vitq attributes -*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The arithmetic that turns `!quant.uniform` parameters into the integer
// attributes of vitq ops: dyadic rescale factors, the multiplier pair of an
// add, accumulator types. The ONNX importer and the legalisation passes share
// it, so both derive identical constants from identical parameters.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_DIALECT_VITQ_VITQQUANT_H
#define VITQ_DIALECT_VITQ_VITQQUANT_H

#include "vitq/Dialect/Vitq/VitqOps.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include <optional>

namespace mlir::vitq {

/// The scales of a per-tensor (one entry) or per-axis quantized type.
SmallVector<double> getScales(quant::QuantizedType type);

/// The zero point of a per-tensor type, or of a per-axis type whose zero
/// points are all equal; std::nullopt otherwise.
std::optional<int64_t> getUniformZeroPoint(quant::QuantizedType type);

/// The quantized dimension of a per-axis type; std::nullopt when per-tensor.
std::optional<int32_t> getQuantizedAxis(quant::QuantizedType type);

/// The signed integer storage type of `type`, e.g. i8.
IntegerType getStorageIntegerType(quant::QuantizedType type);

/// A signed, full-range quantized type with `scales` (one entry: per-tensor;
/// more: per-axis along `axis`) and zero point 0, stored in `storageBits`
/// bits: the type of int32 accumulators and of quantised constants.
quant::QuantizedType getSymmetricType(MLIRContext *context,
                                      ArrayRef<double> scales,
                                      std::optional<int32_t> axis,
                                      unsigned storageBits,
                                      FloatType expressed);

/// Dyadic approximations of `factors` (one: per-tensor; more: per-channel
/// along `axis`). Fails when a factor lies outside computeDyadicScale's
/// domain.
FailureOr<RescaleAttr> getRescaleAttr(MLIRContext *context,
                                      ArrayRef<double> factors,
                                      std::optional<int64_t> axis);

/// Like getRescaleAttr, for factors of any sign: a negative factor gets a
/// negative multiplier, and one too small for a dyadic scale (below 2^-32
/// in magnitude, including 0) becomes the multiplier 0. Equal pairs give a
/// per-tensor rescale. Fails only for factors that are too large or not
/// finite.
FailureOr<RescaleAttr> getSignedRescaleAttr(MLIRContext *context,
                                            ArrayRef<double> factors,
                                            int64_t axis);

/// The integer values of a constant tensor (a dense attribute or an i8 to
/// i64 resource blob), sign-extended; std::nullopt when `v` is not one.
std::optional<SmallVector<int64_t>> getConstantInts(Value v);

/// The same for integer elements held by an attribute (e.g. the initial
/// value of a memref.global).
std::optional<SmallVector<int64_t>> getConstantInts(ElementsAttr attr);

/// The integer constants of `vitq.add` for real factors `lhs` and `rhs`
/// (input scale / output scale): multipliers in [0, 2^31) sharing one
/// shift, the larger factor with a 31-bit mantissa.
struct AddScales {
  int32_t lhsMultiplier;
  int32_t rhsMultiplier;
  int32_t shift;
};
std::optional<AddScales> computeAddScales(double lhs, double rhs);

} // namespace mlir::vitq

#endif // VITQ_DIALECT_VITQ_VITQQUANT_H
