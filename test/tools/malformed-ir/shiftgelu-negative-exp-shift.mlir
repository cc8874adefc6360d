// RUN: not vitq-opt %s 2>&1 | FileCheck %s

func.func @main(%x: tensor<4xi8>) -> tensor<4xi8> {
  // CHECK: {{.*}}shiftgelu-negative-exp-shift.mlir:[[@LINE+1]]:8: error: 'vitq.shiftgelu' op exp_shift -1 is outside [0, 30]
  %0 = vitq.shiftgelu %x {x0 = -20 : i32, exp_shift = -1 : i32, rescale = #vitq.rescale<1, 2>} : tensor<4xi8> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
