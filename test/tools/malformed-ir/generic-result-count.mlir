// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// vitq.matmul with two results.
func.func @main(%a: tensor<4x5xi8>, %b: tensor<5x6xi8>) -> tensor<4x6xi32> {
  // CHECK: {{.*}}generic-result-count.mlir:[[@LINE+1]]:10: error: 'vitq.matmul' op requires one result
  %0:2 = "vitq.matmul"(%a, %b) : (tensor<4x5xi8>, tensor<5x6xi8>) -> (tensor<4x6xi32>, tensor<4x6xi32>)
  return %0#0 : tensor<4x6xi32>
}
