//===- vitq-translate.cpp - vitq translation driver -----------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mlir-translate for vitq: the entry point for translations into vitq IR
// (ONNX import) and out of it (LLVM IR, object code). The upstream MLIR ->
// LLVM IR translation is registered so lowered vitq modules translate here.
//
//===----------------------------------------------------------------------===//

#include "vitq/Target/ONNX/OnnxImporter.h"

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::registerToLLVMIRTranslation();
  mlir::vitq::registerImportOnnxTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "vitq translation driver\n"));
}
