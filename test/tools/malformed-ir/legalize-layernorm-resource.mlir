// RUN: not vitq-opt %s --vitq-legalize-nonlinear 2>&1 | FileCheck %s

// gamma is a resource blob of 2 floats typed as 4.
func.func @main(%x: tensor<2x4x!quant.uniform<i8:f32, 0.05>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.05>> {
  %g = arith.constant dense_resource<gamma> : tensor<4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  // CHECK: {{.*}}legalize-layernorm-resource.mlir:[[@LINE+1]]:8: error: 'vitq.layernorm' op gamma has unreadable constant data
  %0 = vitq.layernorm %x, %g, %b : (tensor<2x4x!quant.uniform<i8:f32, 0.05>>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x!quant.uniform<i8:f32, 0.05>>
  return %0 : tensor<2x4x!quant.uniform<i8:f32, 0.05>>
}
{-#
  dialect_resources: {
    builtin: {
      gamma: "0x040000000000803F0000803F"
    }
  }
#-}
