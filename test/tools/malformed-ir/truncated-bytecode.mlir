// RUN: vitq-opt %s --emit-bytecode -o %t.mlirbc
// RUN: head -c 200 %t.mlirbc > %t.mlir
// RUN: not vitq-opt %t.mlir 2>&1 | FileCheck %s
// RUN: not vitq-compile %t.mlir -o %t.so --quiet 2>&1 | FileCheck %s

// MLIR bytecode cut short (this file, written as bytecode and truncated).
// CHECK: {{.*}}.mlir:0:0: error: attempting to parse {{[0-9]+}} bytes when only {{[0-9]+}} remain
!qi = !quant.uniform<i8:f32, 0.05>
!qo = !quant.uniform<i8:f32, 0.1>
func.func @main(%x: tensor<4x32xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<3> : tensor<32x16xi8>
  %q = vitq.quantize %x : tensor<4x32xf32> -> tensor<4x32x!qi>
  %i = quant.scast %q : tensor<4x32x!qi> to tensor<4x32xi8>
  %y = vitq.linear %i, %w {rescale = #vitq.rescale<1073741824, 32>} : (tensor<4x32xi8>, tensor<32x16xi8>) -> tensor<4x16xi8>
  %o = quant.scast %y : tensor<4x16xi8> to tensor<4x16x!qo>
  %d = vitq.dequantize %o : tensor<4x16x!qo> -> tensor<4x16xf32>
  return %d : tensor<4x16xf32>
}
