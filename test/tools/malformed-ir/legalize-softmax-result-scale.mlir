// RUN: not vitq-opt %s --vitq-legalize-nonlinear 2>&1 | FileCheck %s

// A softmax result scale of 1e-30: no int32 dyadic rescale reaches it.
func.func @main(%x: tensor<4x17x!quant.uniform<i8:f32, 0.0125>>) -> tensor<4x17x!quant.uniform<i8:f32, 1.0e-30>> {
  // CHECK: {{.*}}legalize-softmax-result-scale.mlir:[[@LINE+1]]:8: error: 'vitq.softmax' op result scale 1.000000e-30 is out of range for a dyadic rescale
  %0 = vitq.softmax %x : tensor<4x17x!quant.uniform<i8:f32, 0.0125>> -> tensor<4x17x!quant.uniform<i8:f32, 1.0e-30>>
  return %0 : tensor<4x17x!quant.uniform<i8:f32, 1.0e-30>>
}
