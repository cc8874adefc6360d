// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The add multipliers are i32 attributes; a 64-bit one is not truncated.
func.func @main(%a: tensor<3xi8>, %b: tensor<3xi8>) -> tensor<3xi8> {
  // CHECK: {{.*}}add-multiplier-i64.mlir:[[@LINE+1]]:24: error: custom op 'vitq.add' 'vitq.add' op attribute 'lhs_multiplier' failed to satisfy constraint: 32-bit signless integer attribute
  %0 = vitq.add %a, %b {lhs_multiplier = 9223372036854775807 : i64, rhs_multiplier = 1 : i64, shift = 0 : i64} : tensor<3xi8>, tensor<3xi8> -> tensor<3xi8>
  return %0 : tensor<3xi8>
}
