// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// vitq.matmul with a third operand.
func.func @main(%a: tensor<4x5xi8>, %b: tensor<5x6xi8>) -> tensor<4x6xi32> {
  // CHECK: {{.*}}generic-operand-count.mlir:[[@LINE+1]]:8: error: 'vitq.matmul' op expected 2 operands, but found 3
  %0 = "vitq.matmul"(%a, %b, %b) : (tensor<4x5xi8>, tensor<5x6xi8>, tensor<5x6xi8>) -> tensor<4x6xi32>
  return %0 : tensor<4x6xi32>
}
