// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// A storage range wider than i8.
// CHECK: {{.*}}quant-storage-range.mlir:[[@LINE+1]]:66: error: illegal storage type minimum: -200
func.func @main(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8<-200:100>:f32, 0.1>> {
  %0 = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8<-200:100>:f32, 0.1>>
  return %0 : tensor<4x!quant.uniform<i8<-200:100>:f32, 0.1>>
}
