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

#include "vitq/Support/Target.h"

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

/// What the code generator needs to know about the machine a
/// `TargetOptions` resolves to.
struct TargetDescription {
  /// The description the IR carries (setTargetInfo).
  TargetInfo info;
  /// "x86_64-unknown-linux-gnu, CPU znver4 (+avx2,+avx512f,...)".
  std::string summary;
};

/// Resolves `target`; `l2Bytes` (0: the running CPU's) is the L2 size the
/// kernels size their weight panels for. An error message if `target` is
/// invalid.
FailureOr<TargetDescription> describeTarget(const TargetOptions &target,
                                            int64_t l2Bytes,
                                            std::string &error);

/// The instruction sets (vitq/cpu.h names, from the most preferred) of
/// the kernel library code generation links into models for `triple`'s
/// architecture; empty when it has none.
SmallVector<std::string> getKernelLibraryIsas(StringRef triple);

/// Registers `--emit-llvmir`, `--emit-asm` and `--emit-obj` with
/// `--mtriple`, `--mcpu`, `--mattr` and `--opt-level` options.
void registerNativeCodeTranslations();

} // namespace mlir::vitq

#endif // VITQ_TARGET_LLVM_CODEGEN_H
