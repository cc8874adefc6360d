//===- vitq-fuzz-ir.cpp - libFuzzer target over the textual IR front end --===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Parses each input as textual IR (the parser verifies what it builds); a
// module that parses goes on through the integer legalisation and the model
// pipeline, as vitq-compile would take it.
//
//===----------------------------------------------------------------------===//

#include "FuzzHarness.h"

#include "mlir/Parser/Parser.h"

#include <string>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vitq::fuzz::FuzzContext context;
  // MLIR's lexer stops at a NUL after the buffer, as every file the tools
  // read has (MemoryBuffer adds one); libFuzzer's data has none.
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
      llvm::StringRef(text.c_str(), text.size()), &context.get(), "fuzz.mlir");
  vitq::fuzz::checkFrontEnd(context, module.get(), "the parser",
                            size ? data[size / 2] : 0);
  return 0;
}
