// RUN: not vitq-opt %s --vitq-legalize-nonlinear 2>&1 | FileCheck %s

// A GELU whose input/result scale ratio no dyadic rescale reaches.
func.func @main(%x: tensor<3x8x!quant.uniform<i8:f32, 0.05>>) -> tensor<3x8x!quant.uniform<i8:f32, 1.0e-35>> {
  // CHECK: {{.*}}legalize-gelu-scales.mlir:[[@LINE+1]]:8: error: 'vitq.gelu' op input/result scales 5.000000e-02 / 1.000000e-35 are out of range for a dyadic rescale
  %0 = vitq.gelu %x : tensor<3x8x!quant.uniform<i8:f32, 0.05>> -> tensor<3x8x!quant.uniform<i8:f32, 1.0e-35>>
  return %0 : tensor<3x8x!quant.uniform<i8:f32, 1.0e-35>>
}
