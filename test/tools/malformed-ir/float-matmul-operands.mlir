// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// vitq.matmul multiplies int8 tensors, not float ones.
func.func @main(%a: tensor<4x5xf32>, %b: tensor<5x6xf32>) -> tensor<4x6xi32> {
  // CHECK: {{.*}}float-matmul-operands.mlir:[[@LINE+1]]:8: error: 'vitq.matmul' op operand #0 must be ranked tensor of 8-bit signless integer values, but got 'tensor<4x5xf32>'
  %0 = vitq.matmul %a, %b : tensor<4x5xf32>, tensor<5x6xf32> -> tensor<4x6xi32>
  return %0 : tensor<4x6xi32>
}
