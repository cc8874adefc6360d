//===- CodeGen.h - LLVM-dialect modules to native code ----------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Translates a module in the LLVM dialect to LLVM IR, optimises it for a
// target machine and emits LLVM IR text, assembly or an object file, all in
// process.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_TARGET_LLVM_CODEGEN_H
#define VITQ_TARGET_LLVM_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::vitq {

/// The machine to generate code for. Empty fields mean the host: its
/// triple, CPU and the features the host CPU reports.
struct TargetOptions {
  std::string triple;
  std::string cpu;
  /// Comma-separated LLVM features, added to (or, with "-x", removed from)
  /// the CPU's own: "+avx512vnni,-avx512f".
  std::string features;
  /// LLVM optimisation level, 0 to 3. O3 adds full unrolling of the
  /// scalar loop nests, which costs ten times the compile time here.
  unsigned optLevel = 2;
};

enum class OutputKind { LLVMIR, Assembly, Object };

/// Emits `module` (LLVM dialect only) for `target`. Errors, such as an
/// unknown CPU name, are reported as diagnostics at the module's location.
LogicalResult emitNativeCode(ModuleOp module, const TargetOptions &target,
                             OutputKind kind, llvm::raw_ostream &os);

/// Describes the machine `target` resolves to: "x86_64-unknown-linux-gnu,
/// CPU znver5 (+avx512vnni, ...)"; an error message if it is invalid.
FailureOr<std::string> describeTarget(const TargetOptions &target,
                                      std::string &error);

/// Whether the machine `target` resolves to has every one of `features`
/// (LLVM names without '+', e.g. "avx512vnni").
bool targetHasFeatures(const TargetOptions &target,
                       ArrayRef<StringRef> features);

/// Registers `--emit-llvmir`, `--emit-asm` and `--emit-obj` with
/// `--mtriple`, `--mcpu`, `--mattr` and `--opt-level` options.
void registerNativeCodeTranslations();

} // namespace mlir::vitq

#endif // VITQ_TARGET_LLVM_CODEGEN_H
