// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// x0 is an i32 integer, not a float.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  // CHECK: {{.*}}shiftmax-float-x0.mlir:[[@LINE+1]]:25: error: custom op 'vitq.shiftmax' 'vitq.shiftmax' op attribute 'x0' failed to satisfy constraint: 32-bit signless integer attribute
  %0 = vitq.shiftmax %x {x0 = -1.5 : f32, exp_shift = 15 : i32} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
