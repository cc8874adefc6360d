// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// A quantized type with a negative scale.
// CHECK: {{.*}}quant-negative-scale.mlir:[[@LINE+1]]:75: error: scale -1.000000e-01 out of expressed type range [1.401298e-45, 3.402823e+38]
func.func @main(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, -0.1>> {
  %0 = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, -0.1>>
  return %0 : tensor<4x!quant.uniform<i8:f32, -0.1>>
}
