//===- vitq-fuzz-onnx.cpp - libFuzzer target over the ONNX importer -------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Feeds each input to the ONNX importer as a model file; a model it accepts
// goes on through the integer legalisation and the model pipeline.
//
//===----------------------------------------------------------------------===//

#include "FuzzHarness.h"

#include "vitq/Target/ONNX/OnnxImporter.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vitq::fuzz::FuzzContext context;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  vitq::OnnxImportOptions options;
  // External data files resolve inside an empty directory: inputs name
  // arbitrary paths, which must not reach the host's files.
  options.externalDataDir = "/nonexistent-vitq-fuzz";
  OwningOpRef<ModuleOp> module = vitq::importOnnxModel(
      llvm::MemoryBufferRef(bytes, "fuzz.onnx"), &context.get(), options);
  vitq::fuzz::checkFrontEnd(context, module.get(), "the importer",
                            size ? data[size / 2] : 0);
  return 0;
}
