// vitq-use-kernels packs a constant int8 weight at compile time in the
// kernel library's layout (vitq/kernels.h): per block of 16 columns and
// group of 4 reduction steps, each column's 4 bytes in a row, zero outside
// K and N; then the int32 column sums. Only where the target has kernels
// (x86-64) or with `force`.
// RUN: vitq-opt %s --split-input-file --vitq-use-kernels | FileCheck %s
// RUN: vitq-opt %s --split-input-file --vitq-use-kernels=force | FileCheck %s --check-prefix=FORCE

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

// -----

// vitq.matmul (two run-time operands) becomes vitq.kernel_matmul.
// CHECK-LABEL: func.func @attention
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<3x5x5xi32>
// CHECK: vitq.kernel_matmul ins(%arg0, %arg1 : tensor<3x5x8xi8>, tensor<3x5x8xi8>) outs(%[[INIT]] : tensor<3x5x5xi32>) {lhs_zp = 3 : i32, rhs_zp = -2 : i32, transpose_rhs} -> tensor<3x5x5xi32>
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell", features = #llvm.target_features<["+avx2", "+fma"]>>} {
  func.func @attention(%q: tensor<3x5x8xi8>, %k: tensor<3x5x8xi8>) -> tensor<3x5x5xi32> {
    %s = vitq.matmul %q, %k {transpose_rhs, lhs_zp = 3 : i32, rhs_zp = -2 : i32} : tensor<3x5x8xi8>, tensor<3x5x8xi8> -> tensor<3x5x5xi32>
    return %s : tensor<3x5x5xi32>
  }
}

// -----

// A per-tensor requantize, the product's only user, moves into the
// kernel's epilogue; a per-channel one, or a product with a second user,
// stays a separate op on the int32 product.
// CHECK-LABEL: func.func @requantized
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<3x5x5xi8>
// CHECK: %[[S:.*]] = vitq.kernel_matmul ins(%arg0, %arg1 : tensor<3x5x8xi8>, tensor<3x5x8xi8>) outs(%[[INIT]] : tensor<3x5x5xi8>) {output_zp = -7 : i32, rescale = #vitq.rescale<1518500250, 37>, transpose_rhs} -> tensor<3x5x5xi8>
// CHECK-NOT: vitq.requantize
// CHECK: return %[[S]]
// CHECK-LABEL: func.func @per_channel
// CHECK: vitq.kernel_matmul {{.*}} -> tensor<3x5x5xi32>
// CHECK: vitq.requantize
// CHECK-LABEL: func.func @two_users
// CHECK: vitq.kernel_matmul {{.*}} -> tensor<3x5x5xi32>
// CHECK: vitq.requantize
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell", features = #llvm.target_features<["+avx2", "+fma"]>>} {
  func.func @requantized(%q: tensor<3x5x8xi8>, %k: tensor<3x5x8xi8>) -> tensor<3x5x5xi8> {
    %s = vitq.matmul %q, %k {transpose_rhs} : tensor<3x5x8xi8>, tensor<3x5x8xi8> -> tensor<3x5x5xi32>
    %r = vitq.requantize %s {output_zp = -7 : i32, rescale = #vitq.rescale<1518500250, 37>} : tensor<3x5x5xi32> -> tensor<3x5x5xi8>
    return %r : tensor<3x5x5xi8>
  }
  func.func @per_channel(%q: tensor<3x5x8xi8>, %k: tensor<3x5x8xi8>) -> tensor<3x5x5xi8> {
    %s = vitq.matmul %q, %k {transpose_rhs} : tensor<3x5x8xi8>, tensor<3x5x8xi8> -> tensor<3x5x5xi32>
    %r = vitq.requantize %s {rescale = #vitq.rescale<axis = 2, [(1518500250, 37), (1518500250, 36), (1518500250, 35), (1518500250, 34), (1518500250, 33)]>} : tensor<3x5x5xi32> -> tensor<3x5x5xi8>
    return %r : tensor<3x5x5xi8>
  }
  func.func @two_users(%q: tensor<3x5x8xi8>, %k: tensor<3x5x8xi8>) -> (tensor<3x5x5xi8>, tensor<3x5x5xi32>) {
    %s = vitq.matmul %q, %k {transpose_rhs} : tensor<3x5x8xi8>, tensor<3x5x8xi8> -> tensor<3x5x5xi32>
    %r = vitq.requantize %s {rescale = #vitq.rescale<1518500250, 37>} : tensor<3x5x5xi32> -> tensor<3x5x5xi8>
    return %r, %s : tensor<3x5x5xi8>, tensor<3x5x5xi32>
  }
}

// -----

// An ungrouped conv: the input padded with its zero point, gathered into
// rows of C * KH * KW by one linalg.generic, a packed linear layer, the
// result back to NCHW.
// CHECK-LABEL: func.func @conv
// CHECK: %[[PAD:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %{{.*}} : i8
// CHECK: %[[COLS:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[PAD]] : tensor<1x2x7x7xi8>) outs(%{{.*}} : tensor<1x3x3x2x3x3xi8>)
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[COLS]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x3x3x2x3x3xi8> into tensor<9x18xi8>
// CHECK: %[[Y:.*]] = vitq.packed_linear ins(%[[ROWS]], %{{.*}}, %arg1 : tensor<9x18xi8>, tensor<{{[0-9]+}}xi8>, tensor<4xi32>) outs(%{{.*}} : tensor<9x4xi8>) {input_zp = 7 : i32, rescale = #vitq.rescale<1073741824, 40>} -> tensor<9x4xi8>
// CHECK: %[[NHWC:.*]] = tensor.expand_shape %[[Y]] {{\[}}[0, 1, 2], [3]] output_shape [1, 3, 3, 4]
// CHECK: linalg.transpose ins(%[[NHWC]] : tensor<1x3x3x4xi8>) outs(%{{.*}} : tensor<1x4x3x3xi8>) permutation = [0, 3, 1, 2]
// CHECK-NOT: vitq.conv2d
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell", features = #llvm.target_features<["+avx2", "+fma"]>>} {
  func.func @conv(%x: tensor<1x2x5x5xi8>, %b: tensor<4xi32>) -> tensor<1x4x3x3xi8> {
    %w = arith.constant dense<1> : tensor<4x2x3x3xi8>
    %y = vitq.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, input_zp = 7 : i32, rescale = #vitq.rescale<1073741824, 40>} : (tensor<1x2x5x5xi8>, tensor<4x2x3x3xi8>, tensor<4xi32>) -> tensor<1x4x3x3xi8>
    return %y : tensor<1x4x3x3xi8>
  }
}

// -----

// Grouped (here depthwise) convs stay as they are.
// CHECK-LABEL: func.func @depthwise
// CHECK: vitq.conv2d
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell", features = #llvm.target_features<["+avx2", "+fma"]>>} {
  func.func @depthwise(%x: tensor<1x2x5x5xi8>) -> tensor<1x2x3x3xi32> {
    %w = arith.constant dense<1> : tensor<2x1x3x3xi8>
    %y = vitq.conv2d %x, %w {groups = 2 : i64} : (tensor<1x2x5x5xi8>, tensor<2x1x3x3xi8>) -> tensor<1x2x3x3xi32>
    return %y : tensor<1x2x3x3xi32>
  }
}
