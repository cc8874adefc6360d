// vitq-lower-kernel-calls turns bufferised vitq.packed_linear into calls of
// the kernel library's entry point with raw pointers:
// (m, n, k, input, input_stride, input_zp, packed, bias, multiplier, shift,
//  output_zp, output_bits, output, output_stride, l2_bytes); l2_bytes is
// the target description's L2 size (0 without one: the running CPU's;
// lower-kernel-calls-l2.mlir).
// RUN: vitq-opt %s --vitq-lower-kernel-calls | FileCheck %s
// RUN: vitq-opt %s --vitq-lower-kernel-calls --canonicalize | FileCheck %s --check-prefix=CANON

// CHECK-DAG: func.func private @vitq_kernel_matmul_i8_call(i64, i64, i64, i64, !llvm.ptr, i64, i64, i32, !llvm.ptr, i64, i64, i32, i32, i32, i32, i32, i32, !llvm.ptr, i64, i64, !llvm.ptr, i64)
// CHECK-DAG: func.func private @vitq_kernel_linear_i8_call(i64, i64, i64, !llvm.ptr, i64, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i32, i32, !llvm.ptr, i64, i64)
// CHECK-DAG: memref.global "private" constant @[[SHIFT:__vitq_kernel_0_shift]] : memref<2xi32> = dense<[31, 33]> {alignment = 64 : i64}
// CHECK-DAG: memref.global "private" constant @[[MULT:__vitq_kernel_0_multiplier]] : memref<2xi32> = dense<[1073741824, 1518500250]> {alignment = 64 : i64}
// A per-tensor rescale is spread over the columns.
// CHECK-DAG: memref.global "private" constant @{{.*}}_multiplier : memref<3xi32> = dense<1073741824>
memref.global "private" constant @packed : memref<128xi8> = dense<0>

// Rows of a strided view are read in place (row stride 5, first element
// at offset 1).
// CHECK-LABEL: func.func @strided
// CHECK-NOT: memref.alloc
// CHECK-DAG: %[[M:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[STRIDE:.*]] = arith.constant 5 : i64
// CHECK-DAG: %[[ZP:.*]] = arith.constant -3 : i32
// CHECK-DAG: %[[OZP:.*]] = arith.constant 7 : i32
// CHECK-DAG: %[[BITS:.*]] = arith.constant 8 : i32
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-DAG: memref.get_global @[[MULT]]
// CHECK-DAG: memref.get_global @[[SHIFT]]
// CHECK: call @vitq_kernel_linear_i8_call(%[[M]], %[[N]], %[[K]], %{{.*}}, %[[STRIDE]], %[[ZP]], %{{.*}}, %[[NULL]], %{{.*}}, %{{.*}}, %[[OZP]], %[[BITS]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT: vitq.packed_linear
func.func @strided(%x: memref<4x5xi8>, %y: memref<4x2xi8>) {
  %p = memref.get_global @packed : memref<128xi8>
  %v = memref.subview %x[0, 1] [4, 3] [1, 1] : memref<4x5xi8> to memref<4x3xi8, strided<[5, 1], offset: 1>>
  vitq.packed_linear ins(%v, %p : memref<4x3xi8, strided<[5, 1], offset: 1>>, memref<128xi8>) outs(%y : memref<4x2xi8>) {input_zp = -3 : i32, output_zp = 7 : i32, rescale = #vitq.rescale<axis = 1, [(1073741824, 31), (1518500250, 33)]>}
  return
}

// Rows that are not evenly strided go through contiguous copies; int32
// accumulators out (no rescale: null multiplier and shift).
// CHECK-LABEL: func.func @uneven
// CHECK: %[[IN:.*]] = memref.alloc() : memref<2x2x3xi8>
// CHECK: linalg.copy ins(%{{.*}} : memref<2x2x3xi8, strided<[9, 3, 1]>>) outs(%[[IN]] : memref<2x2x3xi8>)
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<2x2x2xi32>
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-DAG: %[[BITS:.*]] = arith.constant 32 : i32
// CHECK: call @vitq_kernel_linear_i8_call({{.*}}, %[[NULL]], %[[NULL]], %{{.*}}, %[[BITS]],
// CHECK: linalg.copy ins(%[[OUT]] : memref<2x2x2xi32>) outs(%{{.*}} : memref<2x2x2xi32, strided<[8, 2, 1]>>)
// CHECK-DAG: memref.dealloc %[[OUT]]
// CHECK-DAG: memref.dealloc %[[IN]]
func.func @uneven(%x: memref<2x3x3xi8>, %b: memref<2xi32>, %y: memref<2x4x2xi32>) {
  %p = memref.get_global @packed : memref<128xi8>
  %v = memref.subview %x[0, 0, 0] [2, 2, 3] [1, 1, 1] : memref<2x3x3xi8> to memref<2x2x3xi8, strided<[9, 3, 1]>>
  %o = memref.subview %y[0, 0, 0] [2, 2, 2] [1, 1, 1] : memref<2x4x2xi32> to memref<2x2x2xi32, strided<[8, 2, 1]>>
  vitq.packed_linear ins(%v, %p, %b : memref<2x2x3xi8, strided<[9, 3, 1]>>, memref<128xi8>, memref<2xi32>) outs(%o : memref<2x2x2xi32, strided<[8, 2, 1]>>)
  return
}

// CHECK-LABEL: func.func @per_tensor
// CHECK: call @vitq_kernel_linear_i8_call
func.func @per_tensor(%x: memref<1x3xi8>, %y: memref<1x3xi16>) {
  %p = memref.get_global @packed : memref<128xi8>
  vitq.packed_linear ins(%x, %p : memref<1x3xi8>, memref<128xi8>) outs(%y : memref<1x3xi16>) {rescale = #vitq.rescale<1073741824, 31>}
  return
}

// A matmul: batches of strided views are read in place (batch stride 96,
// row stride 12 for the rows of 8 of a [2, 8, 12] buffer), a rank-2 rhs is
// shared (batch stride 0), and the workspace of the run-time packing is
// allocated around the call.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<{{[0-9]+}}xi8>
// CHECK-DAG: %[[B:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[M:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 6 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 8 : i64
// CHECK-DAG: %[[LB:.*]] = arith.constant 96 : i64
// CHECK-DAG: %[[LS:.*]] = arith.constant 12 : i64
// CHECK-DAG: %[[LZP:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[RZP:.*]] = arith.constant -1 : i32
// CHECK-DAG: %[[OB:.*]] = arith.constant 24 : i64
// CHECK: call @vitq_kernel_matmul_i8_call(%[[B]], %[[M]], %[[N]], %[[K]], %{{.*}}, %[[LB]], %[[LS]], %[[LZP]], %{{.*}}, %[[ZERO]], %{{.*}}, %{{.*}}, %[[RZP]], %{{c0_i32[_0-9]*}}, %{{c0_i32[_0-9]*}}, %{{c0_i32[_0-9]*}}, %c32_i32, %{{.*}}, %[[OB]], %{{.*}}, %{{.*}})
// CHECK: memref.dealloc %[[WS]]
func.func @matmul(%q: memref<2x8x12xi8>, %v: memref<8x6xi8>, %s: memref<2x4x6xi32>) {
  %view = memref.subview %q[0, 2, 4] [2, 4, 8] [1, 1, 1] : memref<2x8x12xi8> to memref<2x4x8xi8, strided<[96, 12, 1], offset: 28>>
  vitq.kernel_matmul ins(%view, %v : memref<2x4x8xi8, strided<[96, 12, 1], offset: 28>>, memref<8x6xi8>) outs(%s : memref<2x4x6xi32>) {lhs_zp = 1 : i32, rhs_zp = -1 : i32}
  return
}

// A requantized matmul passes its one rescale, output zero point and
// output width; the output strides count int8 elements.
// CANON-LABEL: func.func @matmul_requantized
// CANON-DAG: %[[MUL:.*]] = arith.constant 1518500250 : i32
// CANON-DAG: %[[SH:.*]] = arith.constant 37 : i32
// CANON-DAG: %[[OZP:.*]] = arith.constant -5 : i32
// CANON-DAG: %[[W8:.*]] = arith.constant 8 : i32
// CANON-DAG: %[[OBS:.*]] = arith.constant 24 : i64
// CANON-DAG: %[[OS:.*]] = arith.constant 6 : i64
// CANON: call @vitq_kernel_matmul_i8_call({{([^,]+, )+}}%[[MUL]], %[[SH]], %[[OZP]], %[[W8]], %{{[^,]+}}, %[[OBS]], %[[OS]], %{{[^,]+}}, %{{[^,]+}})
func.func @matmul_requantized(%q: memref<2x4x8xi8>, %v: memref<2x8x6xi8>, %s: memref<2x4x6xi8>) {
  vitq.kernel_matmul ins(%q, %v : memref<2x4x8xi8>, memref<2x8x6xi8>) outs(%s : memref<2x4x6xi8>) {rescale = #vitq.rescale<1518500250, 37>, output_zp = -5 : i32}
  return
}
