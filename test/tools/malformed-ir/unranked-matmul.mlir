// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// vitq ops take ranked tensors only.
func.func @main(%a: tensor<*xi8>, %b: tensor<5x6xi8>) -> tensor<4x6xi32> {
  // CHECK: {{.*}}unranked-matmul.mlir:[[@LINE+1]]:29: error: custom op 'vitq.matmul' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xi8>'
  %0 = vitq.matmul %a, %b : tensor<*xi8>, tensor<5x6xi8> -> tensor<4x6xi32>
  return %0 : tensor<4x6xi32>
}
