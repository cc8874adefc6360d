// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// %w is never defined.
func.func @main(%x: tensor<4x5xi8>) -> tensor<4x6xi32> {
  // CHECK: {{.*}}undefined-value.mlir:[[@LINE+1]]:24: error: use of undeclared SSA value name
  %0 = vitq.matmul %x, %w : tensor<4x5xi8>, tensor<5x6xi8> -> tensor<4x6xi32>
  return %0 : tensor<4x6xi32>
}
