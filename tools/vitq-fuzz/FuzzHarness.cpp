//===- FuzzHarness.cpp - Shared pieces of the libFuzzer targets -----------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "FuzzHarness.h"

#include "vitq/Conversion/Passes.h"
#include "vitq/Dialect/Vitq/VitqDialect.h"
#include "vitq/Support/Target.h"
#include "vitq/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace mlir::vitq::fuzz;

namespace {

/// Registration is process-wide and done once.
const DialectRegistry &registry() {
  static const DialectRegistry *instance = [] {
    registerAllPasses();
    vitq::registerVitqConversionPasses();
    vitq::registerVitqPasses();
    vitq::registerVitqPipelines();
    auto *r = new DialectRegistry;
    vitq::registerVitqDialectAndModels(*r);
    registerAllDialects(*r);
    registerAllExtensions(*r);
    registerAllToLLVMIRTranslations(*r);
    return r;
  }();
  return *instance;
}

/// Runs the pipeline `build` makes; a failure must have reported an error.
/// Returns whether the pipeline succeeded.
bool run(FuzzContext &context, ModuleOp module,
         function_ref<void(OpPassManager &)> build) {
  PassManager pm(&context.get());
  build(pm);
  if (succeeded(pm.run(module)))
    return true;
  if (!context.sawError())
    fail("a pass pipeline failed without an error diagnostic");
  return false;
}

} // namespace

FuzzContext::FuzzContext()
    : context(std::make_unique<MLIRContext>(registry(),
                                            MLIRContext::Threading::DISABLED)) {
  context->getDiagEngine().registerHandler([this](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      ++errors;
    return success();
  });
}

void vitq::fuzz::fail(const char *message) {
  std::fprintf(stderr, "vitq-fuzz finding: %s\n", message);
  std::abort();
}

void vitq::fuzz::checkFrontEnd(FuzzContext &context, ModuleOp module,
                               const char *frontEnd, uint8_t selector) {
  if (module) {
    compileAccepted(context, module, selector);
    return;
  }
  if (!context.sawError()) {
    std::string message = std::string(frontEnd) + " rejected an input "
                                                  "without an error";
    fail(message.c_str());
  }
}

void vitq::fuzz::compileAccepted(FuzzContext &context, ModuleOp module,
                                 uint8_t selector) {
  if (failed(verify(module)))
    fail("an accepted module does not verify");
  if (!run(context, module, vitq::buildIntegerLegalizationPipeline))
    return;
  // No target (portable loops), or x86-64 with the kernel library's calls.
  if (selector & 1) {
    vitq::TargetInfo target;
    target.triple = "x86_64-unknown-linux-gnu";
    target.cpu = "x86-64";
    vitq::setTargetInfo(module, target);
  }
  if (!run(context, module, [](OpPassManager &pm) {
        vitq::buildModelToLLVMPipeline(pm, "fuzz", /*remarks=*/false);
      }))
    return;
  llvm::LLVMContext llvmContext;
  if (!translateModuleToLLVMIR(module, llvmContext) && !context.sawError())
    fail("LLVM IR translation failed without an error diagnostic");
}
