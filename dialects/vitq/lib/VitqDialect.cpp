//===- VitqDialect.cpp - vitq dialect registration ------------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Dialect/Vitq/VitqDialect.h"
#include "vitq/Dialect/Vitq/VitqOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "mlir/Transforms/InliningUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::vitq;

#include "vitq/Dialect/Vitq/VitqOpsDialect.cpp.inc"

namespace {
/// Every vitq op computes on its operands alone: a function holding them
/// inlines anywhere.
struct VitqInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void VitqDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "vitq/Dialect/Vitq/VitqOps.cpp.inc"
      >();
  addInterfaces<VitqInlinerInterface>();
}

Operation *VitqDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  // Folds produce plain integer tensors, which arith.constant represents.
  if (auto typed = dyn_cast<TypedAttr>(value);
      typed && arith::ConstantOp::isBuildableWith(typed, type))
    return arith::ConstantOp::create(builder, loc, type, typed);
  return nullptr;
}
