// RUN: not vitq-opt %s 2>&1 | FileCheck %s

func.func @main(%x: tensor<4xi8>) -> tensor<4xi8> {
  // CHECK: {{.*}}unknown-op.mlir:[[@LINE+1]]:8: error: custom op 'vitq.frobnicate' is unknown
  %0 = vitq.frobnicate %x : tensor<4xi8> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
