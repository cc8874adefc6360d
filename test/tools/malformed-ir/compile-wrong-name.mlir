// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// The model function must be called @main.
// CHECK: {{.*}}compile-wrong-name.mlir:0:0: error: no model function 'main' to compile
func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
