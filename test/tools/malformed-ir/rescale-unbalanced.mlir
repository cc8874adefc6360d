// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The per-channel factor list is never closed.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  // CHECK: {{.*}}rescale-unbalanced.mlir:[[@LINE+1]]:51: error: unbalanced '[' character in pretty dialect name
  %0 = vitq.requantize %x {rescale = #vitq.rescale<axis = 0, [(1, 2), (1, 2)>} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
