// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// The float softmax lowering normalises the last axis only.
func.func @main(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // CHECK: {{.*}}compile-softmax-axis.mlir:[[@LINE+1]]:8: error: 'vitq.softmax' op lowering supports the last axis only
  %0 = vitq.softmax %x {axis = 0 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}
