// RUN: vitq-opt %s --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-vnni-linear | FileCheck %s

// A linear with a constant 8 x 32 weight and input zero point 3 becomes a
// vpdpbusd loop nest over a weight packed as [N/16][K/4][64] and an
// accumulator start of -(128 + 3) * colsum(w) = -131 * 8: two 16-column
// blocks share each activation broadcast.
// CHECK-DAG: memref.global "private" constant @__vitq_vnni_0_weight : memref<2x2x64xi8>
// CHECK-DAG: memref.global "private" constant @__vitq_vnni_0_start : memref<32xi32> = dense<-1048>
// CHECK-LABEL: func.func @linear
// CHECK: scf.for {{.*}} step %c2
// CHECK: scf.for
// CHECK: vector.load {{.*}} : memref<32xi32>, vector<16xi32>
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.xori {{.*}} : vector<4xi8>
// CHECK: vector.broadcast {{.*}} : i32 to vector<16xi32>
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: vector.store {{.*}} : memref<4x32xi32>, vector<16xi32>
// CHECK-NOT: linalg.generic {{.*}} vitq.linear_input_zp
func.func @linear(%x: tensor<4x8xi8>) -> tensor<4x32xi32> {
  %w = arith.constant dense<1> : tensor<8x32xi8>
  %0 = vitq.linear %x, %w {input_zp = 3 : i32} : (tensor<4x8xi8>, tensor<8x32xi8>) -> tensor<4x32xi32>
  return %0 : tensor<4x32xi32>
}

// N = 20 is not a multiple of 16: the loops stay.
// CHECK-LABEL: func.func @ragged
// CHECK-NOT: vpdpbusd
// CHECK: linalg.generic
func.func @ragged(%x: tensor<4x8xi8>) -> tensor<4x20xi32> {
  %w = arith.constant dense<1> : tensor<8x20xi8>
  %0 = vitq.linear %x, %w : (tensor<4x8xi8>, tensor<8x20xi8>) -> tensor<4x20xi32>
  return %0 : tensor<4x20xi32>
}
