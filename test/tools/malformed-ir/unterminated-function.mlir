// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The file ends inside the function body.
// CHECK: {{.*}}unterminated-function.mlir:[[@LINE+3]]:27: error: expected operation name in quotes
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1, 2>} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
