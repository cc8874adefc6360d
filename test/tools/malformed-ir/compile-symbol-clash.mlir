// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// A function already takes the name of the generated entry point.
// CHECK: {{.*}}compile-symbol-clash.mlir:0:0: error: symbol 'vitq_model_run' already exists
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @vitq_model_run(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
