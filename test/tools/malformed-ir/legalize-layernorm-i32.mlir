// RUN: not vitq-opt %s --vitq-legalize-nonlinear 2>&1 | FileCheck %s

// The integer LayerNorm reads int8 or int16 activations, not int32.
func.func @main(%x: tensor<2x4x!quant.uniform<i32:f32, 0.05>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.05>> {
  %g = arith.constant dense<1.0> : tensor<4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  // CHECK: {{.*}}legalize-layernorm-i32.mlir:[[@LINE+1]]:8: error: 'vitq.layernorm' op integer LayerNorm takes int8 or int16 input
  %0 = vitq.layernorm %x, %g, %b : (tensor<2x4x!quant.uniform<i32:f32, 0.05>>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x!quant.uniform<i8:f32, 0.05>>
  return %0 : tensor<2x4x!quant.uniform<i8:f32, 0.05>>
}
