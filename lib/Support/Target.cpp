//===- Target.cpp - The machine a module is compiled for ------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Support/Target.h"

#include "vitq/cpu.h"

#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::vitq;

namespace {

/// The attribute names on the module.
constexpr llvm::StringLiteral kTargetAttr = "llvm.target";

constexpr llvm::StringLiteral kFeatures[] = {
#define VITQ_CPU_FEATURE_NAME(id, name, leaf, subleaf, reg, bit, xcr0) name,
    VITQ_CPU_FEATURES(VITQ_CPU_FEATURE_NAME)
#undef VITQ_CPU_FEATURE_NAME
};

ModuleOp enclosingModule(Operation *op) {
  if (auto module = dyn_cast<ModuleOp>(op))
    return module;
  return op->getParentOfType<ModuleOp>();
}

} // namespace

void vitq::setTargetInfo(ModuleOp module, const TargetInfo &target) {
  MLIRContext *context = module.getContext();
  context->loadDialect<LLVM::LLVMDialect, DLTIDialect>();
  SmallVector<std::string> sorted;
  for (const auto &feature : target.features)
    sorted.push_back(("+" + feature.getKey()).str());
  llvm::sort(sorted);
  SmallVector<StringRef> refs(sorted.begin(), sorted.end());
  auto features = LLVM::TargetFeaturesAttr::get(context, refs);
  module->setAttr(
      kTargetAttr,
      LLVM::TargetAttr::get(context, StringAttr::get(context, target.triple),
                            StringAttr::get(context, target.cpu), features));
  Builder b(context);
  SmallVector<DataLayoutEntryInterface> caches;
  if (target.l2Bytes > 0)
    caches.push_back(DataLayoutEntryAttr::get(
        b.getStringAttr(kL2CacheKey), b.getI64IntegerAttr(target.l2Bytes)));
  auto device = TargetDeviceSpecAttr::get(context, caches);
  auto system = TargetSystemSpecAttr::get(
      context, {DataLayoutEntryAttr::get(b.getStringAttr(kCpuDevice), device)});
  module->setAttr(DLTIDialect::kTargetSystemDescAttrName, system);
}

std::optional<TargetInfo> vitq::getTargetInfo(Operation *op) {
  ModuleOp module = enclosingModule(op);
  if (!module)
    return std::nullopt;
  auto target = module->getAttrOfType<LLVM::TargetAttr>(kTargetAttr);
  if (!target)
    return std::nullopt;
  TargetInfo info;
  info.triple = target.getTriple().str();
  info.cpu = target.getChip().str();
  if (LLVM::TargetFeaturesAttr features = target.getFeatures())
    for (StringAttr feature : features.getFeatures()) {
      StringRef name = feature.getValue();
      if (name.consume_front("+"))
        info.features.insert(name);
    }
  auto cache = [&](StringRef key) -> int64_t {
    FailureOr<Attribute> value =
        dlti::query(module, {kCpuDevice, key}, /*emitError=*/false);
    if (failed(value))
      return 0;
    auto integer = dyn_cast<IntegerAttr>(*value);
    return integer ? integer.getInt() : 0;
  };
  info.l2Bytes = cache(kL2CacheKey);
  return info;
}

SmallVector<std::string>
vitq::getRequiredCpuFeatures(const TargetInfo &target) {
  SmallVector<std::string> required;
  for (StringRef feature : kFeatures)
    if (target.has(feature))
      required.push_back(feature.str());
  return required;
}
