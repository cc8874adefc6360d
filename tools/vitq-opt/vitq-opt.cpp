//===- vitq-opt.cpp - vitq optimizer driver -------------------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with the vitq dialect: every upstream dialect and pass is
// registered as well, so vitq pipelines compose with upstream ones.
//
//===----------------------------------------------------------------------===//

#include "vitq/Conversion/Passes.h"
#include "vitq/Dialect/Vitq/VitqDialect.h"
#include "vitq/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::vitq::registerVitqConversionPasses();
  mlir::vitq::registerVitqPasses();
  mlir::vitq::registerVitqPipelines();

  mlir::DialectRegistry registry;
  mlir::vitq::registerVitqDialectAndModels(registry);
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "vitq optimizer driver: quantized ViT passes on MLIR\n",
      registry));
}
