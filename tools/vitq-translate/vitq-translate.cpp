//===- vitq-translate.cpp - vitq translation driver -----------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mlir-translate for vitq: the entry point for translations into vitq IR
// (ONNX import) and out of it (optimised LLVM IR, assembly and object code
// for a target machine, in process). The upstream MLIR ->
// LLVM IR translation is registered so lowered vitq modules translate here.
//
//===----------------------------------------------------------------------===//

#include "vitq/Target/LLVM/CodeGen.h"
#include "vitq/Target/ONNX/OnnxImporter.h"

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::registerToLLVMIRTranslation();
  mlir::vitq::registerImportOnnxTranslation();
  mlir::vitq::registerNativeCodeTranslations();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "vitq translation driver\n"));
}
