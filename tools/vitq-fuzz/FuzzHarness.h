//===- FuzzHarness.h - Shared pieces of the libFuzzer targets ----*- C++
//-*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The fuzz targets check two properties on every input: the compiler never
// crashes (the sanitisers and libFuzzer catch that), and it never fails
// silently: every failure comes with an error diagnostic, and whatever a
// front end accepts verifies and compiles to the LLVM dialect or fails with
// an error.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_TOOLS_VITQ_FUZZ_FUZZHARNESS_H
#define VITQ_TOOLS_VITQ_FUZZ_FUZZHARNESS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace mlir::vitq::fuzz {

/// A fresh context per input (interned constants would otherwise pile up
/// across millions of inputs) that counts the errors it reports and prints
/// nothing.
class FuzzContext {
public:
  FuzzContext();
  MLIRContext &get() { return *context; }
  /// Whether an error diagnostic was reported since construction.
  bool sawError() const { return errors > 0; }

private:
  std::unique_ptr<MLIRContext> context;
  unsigned errors = 0;
};

/// Aborts (a finding) with `message` on stderr.
[[noreturn]] void fail(const char *message);

/// What a front end (`frontEnd`, e.g. "the parser") produced: no module must
/// come with an error; a module goes on to compileAccepted.
void checkFrontEnd(FuzzContext &context, ModuleOp module, const char *frontEnd,
                   uint8_t selector);

/// Runs what vitq-compile runs on an accepted module: integer legalisation,
/// the model pipeline with the int8 kernels of an ISA picked by `selector`,
/// and the translation to LLVM IR. A failure without an error diagnostic is
/// a finding.
void compileAccepted(FuzzContext &context, ModuleOp module, uint8_t selector);

} // namespace mlir::vitq::fuzz

#endif // VITQ_TOOLS_VITQ_FUZZ_FUZZHARNESS_H
