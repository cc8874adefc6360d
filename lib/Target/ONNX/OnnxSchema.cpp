//===- OnnxSchema.cpp - Nodes checked against ONNX's operator schemas -----===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// ONNX's schema registry (libonnx) knows every standard op's input and
// output counts and attribute types per opset. Checking each node against it
// before any converter or pattern looks at the graph keeps malformed nodes
// (a Div with one input, a QuantizeLinear without output, an attribute of
// the wrong type) out of code that indexes inputs and outputs. libonnx
// reports through exceptions, so this file alone is compiled with them.
//
//===----------------------------------------------------------------------===//

#include "OnnxImporterImpl.h"

#include <onnx/defs/schema.h>

#include <exception>

using namespace mlir::vitq::onnx_import;

std::optional<std::string>
mlir::vitq::onnx_import::checkNodeSchema(const onnx::NodeProto &node,
                                         int64_t opset) {
  // Contrib ops (com.microsoft) are checked by their converters; unknown
  // ops are reported by the converter table.
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return std::nullopt;
  // Debian's libonnx may predate the model's opset: its newest schema of an
  // op could then be an older version of it (ReduceMean before opset 18 had
  // no axes input), so newer models are left to the converters' checks.
  const auto &versions =
      onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto known = versions.find("");
  if (known == versions.end() || opset > known->second.second)
    return std::nullopt;
  const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
      node.op_type(), static_cast<int>(opset), "");
  if (!schema)
    return std::nullopt;
  try {
    schema->Verify(node);
  } catch (const std::exception &e) {
    return std::string(e.what());
  }
  return std::nullopt;
}
