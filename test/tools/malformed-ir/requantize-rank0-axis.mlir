// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// A per-channel rescale on a scalar tensor.
func.func @main(%x: tensor<i32>) -> tensor<i8> {
  // CHECK: {{.*}}requantize-rank0-axis.mlir:[[@LINE+1]]:8: error: 'vitq.requantize' op rescale axis 0 is out of range for rank 0
  %0 = vitq.requantize %x {rescale = #vitq.rescale<axis = 0, [(1, 2)]>} : tensor<i32> -> tensor<i8>
  return %0 : tensor<i8>
}
