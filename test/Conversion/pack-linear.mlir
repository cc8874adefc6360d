// vitq-pack-linear packs a constant int8 weight at compile time in the
// kernel library's layout (vitq/kernels.h): per block of 16 columns and
// group of 4 reduction steps, each column's 4 bytes in a row, zero outside
// K and N; then the int32 column sums. Only where the target has kernels
// (x86-64) or with `force`.
// RUN: vitq-opt %s --split-input-file --vitq-pack-linear | FileCheck %s
// RUN: vitq-opt %s --split-input-file --vitq-pack-linear=force | FileCheck %s --check-prefix=FORCE

// CHECK-LABEL: func.func @linear
// CHECK: %[[PACKED:.*]] = arith.constant dense_resource<vitq_packed_weight> : tensor<128xi8>
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<4x2xi8>
// CHECK: vitq.packed_linear ins(%arg0, %[[PACKED]], %arg1 : tensor<4x3xi8>, tensor<128xi8>, tensor<2xi32>) outs(%[[INIT]] : tensor<4x2xi8>)
// CHECK-SAME: {input_zp = -3 : i32, output_zp = 5 : i32, rescale = #vitq.rescale<axis = 1, [(1073741824, 31), (1518500250, 33)]>} -> tensor<4x2xi8>
// CHECK-NOT: vitq.linear
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell", features = #llvm.target_features<["+avx2", "+fma"]>>} {
  func.func @linear(%x: tensor<4x3xi8>, %b: tensor<2xi32>) -> tensor<4x2xi8> {
    %w = arith.constant dense<[[1, 2], [3, 4], [5, -7]]> : tensor<3x2xi8>
    %y = vitq.linear %x, %w, %b {input_zp = -3 : i32, output_zp = 5 : i32, rescale = #vitq.rescale<axis = 1, [(1073741824, 31), (1518500250, 33)]>} : (tensor<4x3xi8>, tensor<3x2xi8>, tensor<2xi32>) -> tensor<4x2xi8>
    return %y : tensor<4x2xi8>
  }
}
// The alignment (8), column 0 (1 3 5 0), column 1 (2 4 -7 0), 14 empty
// columns; the column sums 9 and -1, then 14 zeros.
// CHECK: vitq_packed_weight: "0x08000000010305000204F900000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000009000000FFFFFFFF0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

// -----

// A transposed weight (N x K) packs to the same bytes.
// CHECK-LABEL: func.func @transposed
// CHECK: vitq.packed_linear
// CHECK: vitq_packed_weight: "0x08000000010305000204F900000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000009000000FFFFFFFF0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell", features = #llvm.target_features<["+avx2", "+fma"]>>} {
  func.func @transposed(%x: tensor<4x3xi8>) -> tensor<4x2xi32> {
    %w = arith.constant dense<[[1, 3, 5], [2, 4, -7]]> : tensor<2x3xi8>
    %y = vitq.linear %x, %w {transpose_weight} : (tensor<4x3xi8>, tensor<2x3xi8>) -> tensor<4x2xi32>
    return %y : tensor<4x2xi32>
  }
}

// -----

// A weight computed at run time stays a vitq.linear.
// CHECK-LABEL: func.func @dynamic_weight
// CHECK: vitq.linear
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell", features = #llvm.target_features<["+avx2", "+fma"]>>} {
  func.func @dynamic_weight(%x: tensor<4x3xi8>, %w: tensor<3x2xi8>) -> tensor<4x2xi32> {
    %y = vitq.linear %x, %w : (tensor<4x3xi8>, tensor<3x2xi8>) -> tensor<4x2xi32>
    return %y : tensor<4x2xi32>
  }
}

// -----

// No kernels for another architecture, or without a target, unless forced.
// CHECK-LABEL: func.func @arm
// CHECK: vitq.linear
// FORCE-LABEL: func.func @arm
// FORCE: vitq.packed_linear
module attributes {llvm.target = #llvm.target<triple = "aarch64-unknown-linux-gnu", chip = "generic", features = #llvm.target_features<[]>>} {
  func.func @arm(%x: tensor<4x3xi8>) -> tensor<4x2xi32> {
    %w = arith.constant dense<1> : tensor<3x2xi8>
    %y = vitq.linear %x, %w : (tensor<4x3xi8>, tensor<3x2xi8>) -> tensor<4x2xi32>
    return %y : tensor<4x2xi32>
  }
}
