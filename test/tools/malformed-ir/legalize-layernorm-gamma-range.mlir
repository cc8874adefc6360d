// RUN: not vitq-opt %s --vitq-legalize-nonlinear 2>&1 | FileCheck %s

// gamma = 1e30 over a result scale of 1e-30.
func.func @main(%x: tensor<2x4x!quant.uniform<i8:f32, 0.05>>) -> tensor<2x4x!quant.uniform<i8:f32, 1.0e-30>> {
  %g = arith.constant dense<1.0e30> : tensor<4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  // CHECK: {{.*}}legalize-layernorm-gamma-range.mlir:[[@LINE+1]]:8: error: 'vitq.layernorm' op gamma / result scale is out of range for a dyadic rescale
  %0 = vitq.layernorm %x, %g, %b : (tensor<2x4x!quant.uniform<i8:f32, 0.05>>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x!quant.uniform<i8:f32, 1.0e-30>>
  return %0 : tensor<2x4x!quant.uniform<i8:f32, 1.0e-30>>
}
