// RUN: not vitq-compile %s -o %t.so --quiet --integer-only 2>&1 | FileCheck %s
// RUN: not ls %t.so

// A float tanh between a dequantize and a quantize: --integer-only lists it.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  %1 = vitq.dequantize %0 : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4xf32>
  // CHECK: {{.*}}compile-integer-only.mlir:[[@LINE+1]]:8: error: 'math.tanh' computes in floating point between quantize and dequantize
  %2 = math.tanh %1 : tensor<4xf32>
  %3 = vitq.quantize %2 : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  %4 = vitq.dequantize %3 : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4xf32>
  return %4 : tensor<4xf32>
}
// CHECK: {{.*}}compile-integer-only.mlir:0:0: error: 1 float op between quantize and dequantize: the function is not integer-only
