// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The largest int64 axis is out of range, without overflowing the check.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  // CHECK: {{.*}}rescale-axis-int64-max.mlir:[[@LINE+1]]:8: error: 'vitq.requantize' op rescale axis 9223372036854775807 is out of range for rank 1
  %0 = vitq.requantize %x {rescale = #vitq.rescale<axis = 9223372036854775807, [(1, 2)]>} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
