//===- Target.h - The machine a module is compiled for ----------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// One typed description of the target in the IR, read wherever a pass needs
// it: LLVM's `llvm.target` attribute (triple, CPU, features) and DLTI's
// `dlti.target_system_spec` with the L2 cache size of the "CPU" device (when
// one is given). vitq-compile writes it from the resolved target machine;
// the passes that pick the kernels, size their panels and state the
// model's CPU requirements read it.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_SUPPORT_TARGET_H
#define VITQ_SUPPORT_TARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringSet.h"

#include <optional>
#include <string>

namespace mlir::vitq {

/// What the IR says about its target.
struct TargetInfo {
  std::string triple;
  std::string cpu;
  /// Enabled features, LLVM names without '+'.
  llvm::StringSet<> features;
  /// The L2 cache size; 0 when the IR does not say (the kernels then use
  /// the running CPU's).
  int64_t l2Bytes = 0;

  bool has(llvm::StringRef feature) const { return features.contains(feature); }
};

/// The DLTI key of the L2 size, on the "CPU" device.
constexpr llvm::StringLiteral kCpuDevice = "CPU";
constexpr llvm::StringLiteral kL2CacheKey = "L2_cache_size_in_bytes";

/// Attaches the target to `module`, replacing any earlier one.
void setTargetInfo(ModuleOp module, const TargetInfo &target);

/// The target of the module enclosing `op` (or `op` itself); nullopt when
/// it carries none.
std::optional<TargetInfo> getTargetInfo(Operation *op);

/// The features of `target` that a CPU must have to run code compiled for
/// it: those in vitq/cpu.h's table (the ones the runtime can check), in
/// table order.
SmallVector<std::string> getRequiredCpuFeatures(const TargetInfo &target);

} // namespace mlir::vitq

#endif // VITQ_SUPPORT_TARGET_H
