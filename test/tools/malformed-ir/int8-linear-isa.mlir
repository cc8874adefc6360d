// RUN: not vitq-opt %s --vitq-int8-linear="isa=mmx" 2>&1 | FileCheck %s

// CHECK: {{.*}}int8-linear-isa.mlir:0:0: error: vitq-int8-linear: unknown isa 'mmx' (avx512vnni, avx512bw, avx2)
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
