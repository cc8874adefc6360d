// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// The float LayerNorm lowering normalises the last axis only.
func.func @main(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %g = arith.constant dense<1.0> : tensor<2x4xf32>
  %b = arith.constant dense<0.0> : tensor<2x4xf32>
  // CHECK: {{.*}}compile-layernorm-axis.mlir:[[@LINE+1]]:8: error: 'vitq.layernorm' op lowering supports normalising the last axis only
  %0 = vitq.layernorm %x, %g, %b {axis = 0 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
