// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The function promises i16 but returns the i8 requantize result.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi16> {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1, 2>} : tensor<4xi32> -> tensor<4xi8>
  // CHECK: {{.*}}return-type-mismatch.mlir:[[@LINE+1]]:3: error: type of return operand 0 ('tensor<4xi8>') doesn't match function result type ('tensor<4xi16>') in function @main
  return %0 : tensor<4xi8>
}
