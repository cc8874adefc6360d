// RUN: vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=avx512vnni" | FileCheck %s --check-prefix=VNNI
// RUN: vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=avx2" | FileCheck %s --check-prefix=AVX2
// RUN: vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=avx2 k-tile=4 row-tile=4 rows=2 column-blocks=1" | FileCheck %s --check-prefix=FORCED
// The chosen tiles, as remarks:
// RUN: vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=avx512vnni remark=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=VNNI-REMARK
// RUN: vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=avx2 remark=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX2-REMARK
// RUN: vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=avx2 k-tile=4 row-tile=4 rows=2 column-blocks=1 remark=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORCED-REMARK
// RUN: not vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=sse2" 2>&1 | FileCheck %s --check-prefix=BADISA
// RUN: not vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=avx2 rows=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=avx2 rows=9 column-blocks=8" 2>&1 | FileCheck %s --check-prefix=SPILL
// Overrides beyond the shapes are clamped to them.
// RUN: vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="isa=avx2 k-tile=9223372036854775807 row-tile=9223372036854775807 rows=64" -o /dev/null
// NEGATIVE: error: vitq-int8-linear: rows, column-blocks, k-tile and row-tile must not be negative (0 derives them)
// SPILL: error: vitq-int8-linear: rows x column-blocks = 72 accumulators; at most 64

// A linear with a constant 8 x 32 weight and input zero point 3.
// With avx512vnni it is packed as [N/16][K/4][64], the accumulators start
// at -(128 + 3) * colsum(w) = -131 * 8 (x enters as x + 128); two 16-column
// blocks per register block, as many rows as the registers hold (4 rows
// here: M = 4).
// VNNI-REMARK: remark: avx512vnni kernel: M=4 K=8 N=32, register block 4x32, k tile 8, row tile 4
// VNNI-DAG: memref.global "private" constant @__vitq_avx512vnni_0_weight : memref<2x2x64xi8>
// VNNI-DAG: memref.global "private" constant @__vitq_avx512vnni_0_start : memref<32xi32> = dense<-1048>
// VNNI-LABEL: func.func @linear
// VNNI-NOT: linalg.fill
// The row tile's activations are packed once as x xor 0x80 ...
// VNNI: memref.alloc() {alignment = 64 : i64} : memref<4x8xi8>
// VNNI: arith.xori {{.*}} : i8
// VNNI: memref.store {{.*}} : memref<4x8xi8>
// ... and each k group is one broadcast 32-bit word.
// VNNI: vector.load {{.*}} : memref<4x8xi8>, vector<4xi8>
// VNNI: vector.broadcast {{.*}} : i32 to vector<16xi32>
// VNNI-COUNT-2: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI: vector.store {{.*}} : memref<4x32xi32>, vector<16xi32>
// VNNI-NOT: vitq.linear_input_zp
// With avx2 it is packed as [N/8][K/2][16], the accumulators start at
// -3 * colsum(w), the operands are sign-extended to int16 for vpmaddwd.
// AVX2-REMARK: remark: avx2 kernel: M=4 K=8 N=32, register block 4x16, k tile 8, row tile 4
// AVX2-DAG: memref.global "private" constant @__vitq_avx2_0_weight : memref<4x4x16xi8>
// AVX2-DAG: memref.global "private" constant @__vitq_avx2_0_start : memref<32xi32> = dense<-24>
// AVX2-LABEL: func.func @linear
// AVX2: memref.alloc() {alignment = 64 : i64} : memref<4x8xi16>
// AVX2: arith.extsi {{.*}} : i8 to i16
// AVX2: arith.extsi {{.*}} : vector<16xi8> to vector<16xi16>
// AVX2: vector.load {{.*}} : memref<4x8xi16>, vector<2xi16>
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// AVX2: arith.addi {{.*}} : vector<8xi32>
// AVX2: memref.dealloc
// FORCED-REMARK: remark: avx2 kernel: M=4 K=8 N=32, register block 2x8, k tile 4, row tile 4
// FORCED-REMARK: remark: avx2 kernel: M=7 K=8 N=20, register block 2x8, k tile 4, row tile 4
// FORCED-REMARK: remark: avx2 kernel: M=4 K=6 N=16, register block 2x8, k tile 4, row tile 4
// FORCED-LABEL: func.func @linear
// The second k tile adds to the partial sums in the output.
// FORCED: scf.for
// FORCED: vector.load %{{.*}} : memref<32xi32>, vector<8xi32>
// FORCED: scf.for
// FORCED: vector.load %{{.*}} : memref<4x32xi32>, vector<8xi32>
// BADISA: error: vitq-int8-linear: unknown isa 'sse2' (avx512vnni, avx512bw, avx2)
func.func @linear(%x: tensor<4x8xi8>) -> tensor<4x32xi32> {
  %w = arith.constant dense<1> : tensor<8x32xi8>
  %0 = vitq.linear %x, %w {input_zp = 3 : i32} : (tensor<4x8xi8>, tensor<8x32xi8>) -> tensor<4x32xi32>
  return %0 : tensor<4x32xi32>
}

// -----

// N = 20: the last column block is padded with zero weights and its
// accumulators are stored under a mask; 7 rows are one block of 6 and a
// single-row tail.
// AVX2-REMARK: remark: avx2 kernel: M=7 K=8 N=20, register block 6x8, k tile 8, row tile 6
// AVX2-LABEL: func.func @ragged
// AVX2: memref<3x4x16xi8>
// AVX2: vector.create_mask
// AVX2: vector.maskedstore
// VNNI-LABEL: func.func @ragged
// VNNI: vector.maskedstore
func.func @ragged(%x: tensor<7x8xi8>) -> tensor<7x20xi32> {
  %w = arith.constant dense<1> : tensor<8x20xi8>
  %0 = vitq.linear %x, %w : (tensor<7x8xi8>, tensor<8x20xi8>) -> tensor<7x20xi32>
  return %0 : tensor<7x20xi32>
}

// -----

// K = 6 is not a multiple of VNNI's group of 4: the contraction stays (for
// AVX2's pairs it is taken).
// VNNI-LABEL: func.func @odd_k
// VNNI-NOT: vpdpbusd
// VNNI: linalg.generic
// AVX2-REMARK: remark: avx2 kernel: M=4 K=6 N=16, register block 4x16, k tile 6, row tile 4
// AVX2-LABEL: func.func @odd_k
// AVX2: pmadd.wd
func.func @odd_k(%x: tensor<4x6xi8>) -> tensor<4x16xi32> {
  %w = arith.constant dense<1> : tensor<6x16xi8>
  %0 = vitq.linear %x, %w : (tensor<4x6xi8>, tensor<6x16xi8>) -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}

// -----

// A weight that is not a constant (here a function argument) stays a
// contraction.
// AVX2-LABEL: func.func @dynamic_weight
// AVX2-NOT: pmadd.wd
// AVX2: linalg.generic
func.func @dynamic_weight(%x: tensor<4x8xi8>, %w: tensor<8x16xi8>) -> tensor<4x16xi32> {
  %0 = vitq.linear %x, %w : (tensor<4x8xi8>, tensor<8x16xi8>) -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}

// -----

// A rank-1 input (one row) stays a contraction: the kernel needs [M, K].
// AVX2-LABEL: func.func @rank1
// AVX2-NOT: pmadd.wd
// AVX2: linalg.generic
func.func @rank1(%x: tensor<8xi8>) -> tensor<16xi32> {
  %w = arith.constant dense<1> : tensor<8x16xi8>
  %0 = vitq.linear %x, %w : (tensor<8xi8>, tensor<8x16xi8>) -> tensor<16xi32>
  return %0 : tensor<16xi32>
}

// -----

// A global with the packed weight's name already exists: the new one is
// renamed.
// AVX2: memref.global "private" constant @__vitq_avx2_0_weight_0 : memref<2x4x16xi8>
// AVX2: memref.global "private" constant @__vitq_avx2_0_weight : memref<2xi8>
// AVX2-LABEL: func.func @clash
// AVX2: memref.get_global @__vitq_avx2_0_weight_0
memref.global "private" constant @__vitq_avx2_0_weight : memref<2xi8> = dense<1>
func.func @keep() -> memref<2xi8> {
  %0 = memref.get_global @__vitq_avx2_0_weight : memref<2xi8>
  return %0 : memref<2xi8>
}
func.func @clash(%x: tensor<4x8xi8>) -> tensor<4x16xi32> {
  %w = arith.constant dense<1> : tensor<8x16xi8>
  %0 = vitq.linear %x, %w : (tensor<4x8xi8>, tensor<8x16xi8>) -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}
