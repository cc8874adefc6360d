// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// A multiplier beyond 64 bits is rejected by the attribute parser.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  // CHECK: {{.*}}rescale-multiplier-too-large.mlir:[[@LINE+1]]:52: error: integer value too large
  %0 = vitq.requantize %x {rescale = #vitq.rescale<99999999999999999999999, 3>} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
