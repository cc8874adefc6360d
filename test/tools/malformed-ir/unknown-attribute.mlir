// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// The dialect has #vitq.rescale, not #vitq.scale.
func.func @main(%x: tensor<4xi32>) -> tensor<4xi8> {
  // CHECK: {{.*}}unknown-attribute.mlir:[[@LINE+1]]:44: error: unknown attribute `scale` in dialect `vitq`
  %0 = vitq.requantize %x {rescale = #vitq.scale<1, 2>} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
