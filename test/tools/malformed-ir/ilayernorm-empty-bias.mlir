// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// An empty bias array.
func.func @main(%x: tensor<2x4xi16>) -> tensor<2x4xi8> {
  // CHECK: {{.*}}ilayernorm-empty-bias.mlir:[[@LINE+1]]:8: error: 'vitq.ilayernorm' op bias must have 1 or 4 entries, got 0
  %0 = vitq.ilayernorm %x {rescale = #vitq.rescale<1, 2>, bias = array<i32>} : tensor<2x4xi16> -> tensor<2x4xi8>
  return %0 : tensor<2x4xi8>
}
