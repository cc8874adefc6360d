//===- VitqAttrs.cpp - vitq attribute parsing, printing, checks -----------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Support/Dyadic.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
using namespace mlir::vitq;

#define GET_ATTRDEF_CLASSES
#include "vitq/Dialect/Vitq/VitqAttrs.cpp.inc"

void VitqDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "vitq/Dialect/Vitq/VitqAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// RescaleAttr
//===----------------------------------------------------------------------===//

/// Parses one `multiplier, shift` pair.
static ParseResult parsePair(AsmParser &parser,
                             SmallVectorImpl<int32_t> &multipliers,
                             SmallVectorImpl<int32_t> &shifts) {
  int32_t multiplier, shift;
  if (parser.parseInteger(multiplier) || parser.parseComma() ||
      parser.parseInteger(shift))
    return failure();
  multipliers.push_back(multiplier);
  shifts.push_back(shift);
  return success();
}

Attribute RescaleAttr::parse(AsmParser &parser, Type) {
  SmallVector<int32_t> multipliers, shifts;
  std::optional<int64_t> axis;
  if (parser.parseLess())
    return {};
  if (succeeded(parser.parseOptionalKeyword("axis"))) {
    // axis = N, [(m, s), (m, s), ...]
    int64_t dim;
    if (parser.parseEqual() || parser.parseInteger(dim) ||
        parser.parseComma() ||
        parser.parseCommaSeparatedList(
            AsmParser::Delimiter::Square, [&]() -> ParseResult {
              return failure(parser.parseLParen() ||
                             parsePair(parser, multipliers, shifts) ||
                             parser.parseRParen());
            }))
      return {};
    axis = dim;
  } else if (parsePair(parser, multipliers, shifts)) {
    return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<RescaleAttr>(parser.getContext(), multipliers,
                                        shifts, axis);
}

void RescaleAttr::print(AsmPrinter &printer) const {
  printer << '<';
  if (isPerTensor()) {
    printer << getMultipliers()[0] << ", " << getShifts()[0] << '>';
    return;
  }
  printer << "axis = " << *getAxis() << ", [";
  llvm::interleaveComma(
      llvm::zip(getMultipliers(), getShifts()), printer, [&](auto pair) {
        printer << '(' << std::get<0>(pair) << ", " << std::get<1>(pair) << ')';
      });
  printer << "]>";
}

LogicalResult RescaleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int32_t> multipliers,
                                  ArrayRef<int32_t> shifts,
                                  std::optional<int64_t> axis) {
  if (multipliers.empty())
    return emitError() << "rescale needs at least one multiplier";
  if (multipliers.size() != shifts.size())
    return emitError() << "rescale has " << multipliers.size()
                       << " multipliers but " << shifts.size() << " shifts";
  for (auto [multiplier, shift] : llvm::zip(multipliers, shifts)) {
    // -2^31 is excluded so |multiplier| < 2^31 and products stay in 63 bits.
    if (multiplier == std::numeric_limits<int32_t>::min())
      return emitError() << "rescale multiplier must be in (-2^31, 2^31)";
    if (shift < 0 || shift > kMaxDyadicShift)
      return emitError() << "rescale shift " << shift << " is outside [0, "
                         << kMaxDyadicShift << "]";
  }
  if (!axis && multipliers.size() != 1)
    return emitError() << "a per-tensor rescale has exactly one multiplier; "
                          "give an axis for per-channel factors";
  if (axis && *axis < 0)
    return emitError() << "rescale axis must be non-negative, got " << *axis;
  return success();
}

bool RescaleAttr::isIdentity() const {
  return llvm::all_of(llvm::zip(getMultipliers(), getShifts()), [](auto p) {
    auto [multiplier, shift] = p;
    return shift < 31 && multiplier == (int64_t(1) << shift);
  });
}

int64_t RescaleAttr::apply(int64_t value, size_t channel) const {
  size_t i = isPerTensor() ? 0 : channel;
  return applyDyadicScale(value, getMultipliers()[i], getShifts()[i]);
}
