// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// An integer where a #vitq.rescale is expected.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  // CHECK: {{.*}}generic-rescale-kind.mlir:[[@LINE+1]]:8: error: 'vitq.requantize' op attribute 'rescale' failed to satisfy constraint: Dyadic rescale factor(s): int32 multiplier and right shift
  %0 = "vitq.requantize"(%x) {rescale = 5 : i32} : (tensor<4xi32>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
