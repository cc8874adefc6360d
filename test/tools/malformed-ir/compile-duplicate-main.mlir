// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// Two entry points named @main.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
// CHECK: {{.*}}compile-duplicate-main.mlir:[[@LINE+1]]:1: error: redefinition of symbol named 'main'
func.func @main(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}
