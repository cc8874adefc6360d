// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The op's type list disagrees with the type %x was defined with.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  // CHECK: {{.*}}value-type-mismatch.mlir:[[@LINE+1]]:24: error: use of value '%x' expects different type than prior uses: 'tensor<8xi32>' vs 'tensor<4xi32>'
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1, 2>} : tensor<8xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
