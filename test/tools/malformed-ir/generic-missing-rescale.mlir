// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The generic form can leave out the required rescale.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  // CHECK: {{.*}}generic-missing-rescale.mlir:[[@LINE+1]]:8: error: 'vitq.requantize' op requires attribute 'rescale'
  %0 = "vitq.requantize"(%x) : (tensor<4xi32>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
