// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The file ends inside a resource blob.
// CHECK: {{.*}}truncated-resources.mlir:[[@LINE+7]]:21: error: expected '"' in string literal
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x04000000
