//===- FuzzHarness.cpp - Shared pieces of the libFuzzer targets -----------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "FuzzHarness.h"

#include "vitq/Conversion/Passes.h"
#include "vitq/Dialect/Vitq/VitqDialect.h"
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

/// Runs `pipeline`; a failure must have reported an error. Returns whether
/// the pipeline succeeded.
bool run(FuzzContext &context, ModuleOp module, const std::string &pipeline) {
  PassManager pm(&context.get());
  if (failed(parsePassPipeline(pipeline, pm)))
    fail("built-in pipeline does not parse");
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
  if (!run(context, module, vitq::getIntegerLegalizationPipeline().str()))
    return;
  // No kernels, or one of the instruction sets vitq-int8-linear writes.
  ArrayRef<StringRef> isas = vitq::getInt8KernelIsas();
  size_t pick = selector % (isas.size() + 1);
  vitq::KernelTarget target{pick ? isas[pick - 1].str() : "", 32 * 1024,
                            1024 * 1024};
  if (!run(context, module,
           vitq::getModelToLLVMPipeline("fuzz", /*remarks=*/false, target)))
    return;
  llvm::LLVMContext llvmContext;
  if (!translateModuleToLLVMIR(module, llvmContext) && !context.sawError())
    fail("LLVM IR translation failed without an error diagnostic");
}
