// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The type list of a custom-form op without its ':'.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  // CHECK: {{.*}}missing-colon.mlir:[[@LINE+1]]:58: error: expected ':'
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1, 2>} tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
