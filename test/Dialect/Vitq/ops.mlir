// RUN: vitq-opt %s | vitq-opt | FileCheck %s
// RUN: vitq-opt %s --mlir-print-op-generic | vitq-opt | FileCheck %s

// Every vitq op round-trips through the custom and the generic printer.

// CHECK-LABEL: func.func @quantize_per_tensor
func.func @quantize_per_tensor(%x: tensor<1x197x768xf32>)
    -> tensor<1x197x768xf32> {
  // CHECK: vitq.quantize %{{.*}} : tensor<1x197x768xf32> -> tensor<1x197x768x!quant.uniform<i8:f32, 2.150000e-02>>
  %q = vitq.quantize %x : tensor<1x197x768xf32>
         -> tensor<1x197x768x!quant.uniform<i8:f32, 0.0215>>
  // CHECK: vitq.dequantize %{{.*}} : tensor<1x197x768x!quant.uniform<i8:f32, 2.150000e-02>> -> tensor<1x197x768xf32>
  %d = vitq.dequantize %q : tensor<1x197x768x!quant.uniform<i8:f32, 0.0215>>
         -> tensor<1x197x768xf32>
  return %d : tensor<1x197x768xf32>
}

// CHECK-LABEL: func.func @quantize_per_axis_zero_points
func.func @quantize_per_axis_zero_points(%w: tensor<3x2xf32>)
    -> tensor<3x2x!quant.uniform<i8:f32:0, {1.0:0, 2.0:-8, 0.5:2}>> {
  // CHECK: vitq.quantize %{{.*}} : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e+00,2.000000e+00:-8,5.000000e-01:2}>>
  %q = vitq.quantize %w : tensor<3x2xf32>
         -> tensor<3x2x!quant.uniform<i8:f32:0, {1.0:0, 2.0:-8, 0.5:2}>>
  return %q : tensor<3x2x!quant.uniform<i8:f32:0, {1.0:0, 2.0:-8, 0.5:2}>>
}

// CHECK-LABEL: func.func @quantize_int16
func.func @quantize_int16(%x: tensor<8xf16>)
    -> tensor<8x!quant.uniform<i16:f16, 0.001>> {
  // CHECK: vitq.quantize %{{.*}} : tensor<8xf16> -> tensor<8x!quant.uniform<i16:f16, 1.000000e-03>>
  %q = vitq.quantize %x : tensor<8xf16> -> tensor<8x!quant.uniform<i16:f16, 0.001>>
  return %q : tensor<8x!quant.uniform<i16:f16, 0.001>>
}

// CHECK-LABEL: func.func @requantize
func.func @requantize(%acc: tensor<197x4xi32>, %r: tensor<197x4xi16>)
    -> (tensor<197x4xi8>, tensor<197x4xi8>, tensor<197x4xi16>) {
  // CHECK: vitq.requantize %{{.*}} {rescale = #vitq.rescale<1518500250, 38>} : tensor<197x4xi32> -> tensor<197x4xi8>
  %0 = vitq.requantize %acc {rescale = #vitq.rescale<1518500250, 38>}
         : tensor<197x4xi32> -> tensor<197x4xi8>
  // CHECK: vitq.requantize %{{.*}} {output_zp = -3 : i32, rescale = #vitq.rescale<axis = 1, [(1518500250, 38), (1073741824, 37), (2147483647, 62), (1, 0)]>} : tensor<197x4xi32> -> tensor<197x4xi8>
  %1 = vitq.requantize %acc {
         rescale = #vitq.rescale<axis = 1, [(1518500250, 38), (1073741824, 37),
                                            (2147483647, 62), (1, 0)]>,
         output_zp = -3 : i32}
         : tensor<197x4xi32> -> tensor<197x4xi8>
  // CHECK: vitq.requantize %{{.*}} {input_zp = 5 : i32, rescale = #vitq.rescale<-1073741824, 31>} : tensor<197x4xi16> -> tensor<197x4xi16>
  %2 = vitq.requantize %r {rescale = #vitq.rescale<-1073741824, 31>,
                           input_zp = 5 : i32}
         : tensor<197x4xi16> -> tensor<197x4xi16>
  return %0, %1, %2 : tensor<197x4xi8>, tensor<197x4xi8>, tensor<197x4xi16>
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%q: tensor<3x197x64xi8>, %k: tensor<3x197x64xi8>,
                  %x: tensor<2x197x192xi8>, %w: tensor<192x576xi8>)
    -> (tensor<3x197x197xi32>, tensor<2x197x576xi32>) {
  // CHECK: vitq.matmul %{{.*}}, %{{.*}} {transpose_rhs} : tensor<3x197x64xi8>, tensor<3x197x64xi8> -> tensor<3x197x197xi32>
  %s = vitq.matmul %q, %k {transpose_rhs}
         : tensor<3x197x64xi8>, tensor<3x197x64xi8> -> tensor<3x197x197xi32>
  // CHECK: vitq.matmul %{{.*}}, %{{.*}} {lhs_zp = -128 : i32} : tensor<2x197x192xi8>, tensor<192x576xi8> -> tensor<2x197x576xi32>
  %h = vitq.matmul %x, %w {lhs_zp = -128 : i32}
         : tensor<2x197x192xi8>, tensor<192x576xi8> -> tensor<2x197x576xi32>
  return %s, %h : tensor<3x197x197xi32>, tensor<2x197x576xi32>
}

// CHECK-LABEL: func.func @matmul_dynamic
func.func @matmul_dynamic(%a: tensor<?x16xi8>, %b: tensor<16x?xi8>)
    -> tensor<?x?xi32> {
  // CHECK: vitq.matmul %{{.*}}, %{{.*}} : tensor<?x16xi8>, tensor<16x?xi8> -> tensor<?x?xi32>
  %0 = vitq.matmul %a, %b : tensor<?x16xi8>, tensor<16x?xi8> -> tensor<?x?xi32>
  return %0 : tensor<?x?xi32>
}

// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<197x192xi8>, %w: tensor<768x192xi8>,
                  %b: tensor<768xi32>, %w2: tensor<192x3xi8>)
    -> (tensor<197x768xi8>, tensor<197x3xi16>, tensor<197x768xi32>) {
  // CHECK: vitq.linear %{{.*}}, %{{.*}}, %{{.*}} {rescale = #vitq.rescale<1518500250, 38>, transpose_weight} : (tensor<197x192xi8>, tensor<768x192xi8>, tensor<768xi32>) -> tensor<197x768xi8>
  %0 = vitq.linear %x, %w, %b {rescale = #vitq.rescale<1518500250, 38>,
                               transpose_weight}
         : (tensor<197x192xi8>, tensor<768x192xi8>, tensor<768xi32>)
         -> tensor<197x768xi8>
  // CHECK: vitq.linear %{{.*}}, %{{.*}} {input_zp = 3 : i32, output_zp = 7 : i32, rescale = #vitq.rescale<axis = 1, [(1073741824, 30), (1073741824, 31), (1073741824, 32)]>} : (tensor<197x192xi8>, tensor<192x3xi8>) -> tensor<197x3xi16>
  %1 = vitq.linear %x, %w2 {
         rescale = #vitq.rescale<axis = 1, [(1073741824, 30), (1073741824, 31),
                                            (1073741824, 32)]>,
         input_zp = 3 : i32, output_zp = 7 : i32}
         : (tensor<197x192xi8>, tensor<192x3xi8>) -> tensor<197x3xi16>
  // CHECK: vitq.linear %{{.*}}, %{{.*}}, %{{.*}} {transpose_weight} : (tensor<197x192xi8>, tensor<768x192xi8>, tensor<768xi32>) -> tensor<197x768xi32>
  %2 = vitq.linear %x, %w, %b {transpose_weight}
         : (tensor<197x192xi8>, tensor<768x192xi8>, tensor<768xi32>)
         -> tensor<197x768xi32>
  return %0, %1, %2 : tensor<197x768xi8>, tensor<197x3xi16>, tensor<197x768xi32>
}

// CHECK-LABEL: func.func @conv2d
func.func @conv2d(%img: tensor<1x3x224x224xi8>, %w: tensor<192x3x16x16xi8>,
                  %b: tensor<192xi32>, %dw: tensor<8x1x3x3xi8>,
                  %x: tensor<1x8x14x14xi8>)
    -> (tensor<1x192x14x14xi8>, tensor<1x8x7x7xi32>) {
  // CHECK: vitq.conv2d %{{.*}}, %{{.*}}, %{{.*}} {rescale = #vitq.rescale<1518500250, 38>, strides = array<i64: 16, 16>} : (tensor<1x3x224x224xi8>, tensor<192x3x16x16xi8>, tensor<192xi32>) -> tensor<1x192x14x14xi8>
  %0 = vitq.conv2d %img, %w, %b {strides = array<i64: 16, 16>,
                                 rescale = #vitq.rescale<1518500250, 38>}
         : (tensor<1x3x224x224xi8>, tensor<192x3x16x16xi8>, tensor<192xi32>)
         -> tensor<1x192x14x14xi8>
  // Depthwise 3x3, stride 2, pad 1, no requantization: int32 accumulators.
  // CHECK: vitq.conv2d %{{.*}}, %{{.*}} {groups = 8 : i64, input_zp = -1 : i32, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x14x14xi8>, tensor<8x1x3x3xi8>) -> tensor<1x8x7x7xi32>
  %1 = vitq.conv2d %x, %dw {groups = 8 : i64, pads = array<i64: 1, 1, 1, 1>,
                            strides = array<i64: 2, 2>, input_zp = -1 : i32}
         : (tensor<1x8x14x14xi8>, tensor<8x1x3x3xi8>) -> tensor<1x8x7x7xi32>
  return %0, %1 : tensor<1x192x14x14xi8>, tensor<1x8x7x7xi32>
}

// CHECK-LABEL: func.func @conv2d_dilated
func.func @conv2d_dilated(%x: tensor<1x4x9x9xi8>, %w: tensor<4x4x3x3xi8>)
    -> tensor<1x4x5x5xi8> {
  // CHECK: vitq.conv2d {{.*}} {dilations = array<i64: 2, 2>, rescale = #vitq.rescale<axis = 1, [(1, 0), (2, 1), (3, 2), (4, 3)]>}
  %0 = vitq.conv2d %x, %w {
         dilations = array<i64: 2, 2>,
         rescale = #vitq.rescale<axis = 1, [(1, 0), (2, 1), (3, 2), (4, 3)]>}
         : (tensor<1x4x9x9xi8>, tensor<4x4x3x3xi8>) -> tensor<1x4x5x5xi8>
  return %0 : tensor<1x4x5x5xi8>
}

// CHECK-LABEL: func.func @add
func.func @add(%res: tensor<197x192xi16>, %branch: tensor<197x192xi8>,
               %pos: tensor<1x192xi8>)
    -> (tensor<197x192xi16>, tensor<197x192xi8>) {
  // CHECK: vitq.add %{{.*}}, %{{.*}} {lhs_multiplier = 1073741824 : i32, rhs_multiplier = 1518500250 : i32, shift = 30 : i32} : tensor<197x192xi16>, tensor<197x192xi8> -> tensor<197x192xi16>
  %0 = vitq.add %res, %branch {lhs_multiplier = 1073741824 : i32,
                               rhs_multiplier = 1518500250 : i32,
                               shift = 30 : i32}
         : tensor<197x192xi16>, tensor<197x192xi8> -> tensor<197x192xi16>
  // Broadcast add with zero points.
  // CHECK: vitq.add %{{.*}}, %{{.*}} {lhs_multiplier = 3 : i32, lhs_zp = 1 : i32, output_zp = -2 : i32, rhs_multiplier = 5 : i32, rhs_zp = -1 : i32, shift = 3 : i32} : tensor<197x192xi8>, tensor<1x192xi8> -> tensor<197x192xi8>
  %1 = vitq.add %branch, %pos {lhs_multiplier = 3 : i32, rhs_multiplier = 5 : i32,
                               shift = 3 : i32, lhs_zp = 1 : i32,
                               rhs_zp = -1 : i32, output_zp = -2 : i32}
         : tensor<197x192xi8>, tensor<1x192xi8> -> tensor<197x192xi8>
  return %0, %1 : tensor<197x192xi16>, tensor<197x192xi8>
}

// CHECK-LABEL: func.func @float_semantic_quantized
func.func @float_semantic_quantized(
    %s: tensor<3x197x197x!quant.uniform<i8:f32, 0.08>>,
    %h: tensor<197x768x!quant.uniform<i8:f32, 0.05>>,
    %x: tensor<197x192x!quant.uniform<i16:f32, 0.001>>,
    %gamma: tensor<192xf32>, %beta: tensor<192xf32>)
    -> (tensor<3x197x197x!quant.uniform<i8:f32, 0.0078125>>,
        tensor<197x768x!quant.uniform<i8:f32, 0.03>>,
        tensor<197x192x!quant.uniform<i8:f32, 0.04>>) {
  // CHECK: vitq.softmax %{{.*}} : tensor<3x197x197x!quant.uniform<i8:f32, 8.000000e-02>> -> tensor<3x197x197x!quant.uniform<i8:f32, 7.812500e-03>>
  %p = vitq.softmax %s {axis = -1 : i64}
         : tensor<3x197x197x!quant.uniform<i8:f32, 0.08>>
         -> tensor<3x197x197x!quant.uniform<i8:f32, 0.0078125>>
  // CHECK: vitq.gelu %{{.*}} : tensor<197x768x!quant.uniform<i8:f32, 5.000000e-02>> -> tensor<197x768x!quant.uniform<i8:f32, 3.000000e-02>>
  %g = vitq.gelu %h : tensor<197x768x!quant.uniform<i8:f32, 0.05>>
                   -> tensor<197x768x!quant.uniform<i8:f32, 0.03>>
  // CHECK: vitq.layernorm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999997E-7 : f32} : (tensor<197x192x!quant.uniform<i16:f32, 1.000000e-03>>, tensor<192xf32>, tensor<192xf32>) -> tensor<197x192x!quant.uniform<i8:f32, 4.000000e-02>>
  %n = vitq.layernorm %x, %gamma, %beta {epsilon = 1.0e-6 : f32}
         : (tensor<197x192x!quant.uniform<i16:f32, 0.001>>, tensor<192xf32>,
            tensor<192xf32>) -> tensor<197x192x!quant.uniform<i8:f32, 0.04>>
  return %p, %g, %n : tensor<3x197x197x!quant.uniform<i8:f32, 0.0078125>>,
                      tensor<197x768x!quant.uniform<i8:f32, 0.03>>,
                      tensor<197x192x!quant.uniform<i8:f32, 0.04>>
}

// CHECK-LABEL: func.func @float_semantic_fp32
func.func @float_semantic_fp32(%x: tensor<2x197x192xf32>,
                               %gamma: tensor<197x192xf32>,
                               %beta: tensor<197x192xf32>)
    -> (tensor<2x197x192xf32>, tensor<2x197x192xf32>, tensor<2x197x192xf32>) {
  // CHECK: vitq.softmax %{{.*}} {axis = 1 : i64} : tensor<2x197x192xf32> -> tensor<2x197x192xf32>
  %p = vitq.softmax %x {axis = 1 : i64}
         : tensor<2x197x192xf32> -> tensor<2x197x192xf32>
  // CHECK: vitq.gelu %{{.*}} {approximate = "tanh"} : tensor<2x197x192xf32> -> tensor<2x197x192xf32>
  %g = vitq.gelu %x {approximate = "tanh"}
         : tensor<2x197x192xf32> -> tensor<2x197x192xf32>
  // Normalising over the last two dimensions.
  // CHECK: vitq.layernorm %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x197x192xf32>, tensor<197x192xf32>, tensor<197x192xf32>) -> tensor<2x197x192xf32>
  %n = vitq.layernorm %x, %gamma, %beta {axis = 1 : i64}
         : (tensor<2x197x192xf32>, tensor<197x192xf32>, tensor<197x192xf32>)
         -> tensor<2x197x192xf32>
  return %p, %g, %n
      : tensor<2x197x192xf32>, tensor<2x197x192xf32>, tensor<2x197x192xf32>
}

// CHECK-LABEL: func.func @integer_nonlinear
func.func @integer_nonlinear(%s: tensor<3x197x197xi32>, %h: tensor<197x768xi8>,
                             %x: tensor<197x4xi16>)
    -> (tensor<3x197x197xi8>, tensor<197x768xi8>, tensor<197x4xi8>,
        tensor<197x4xi8>) {
  // CHECK: vitq.shiftmax %{{.*}} {exp_shift = 15 : i32, x0 = -114 : i32} : tensor<3x197x197xi32> -> tensor<3x197x197xi8>
  %p = vitq.shiftmax %s {x0 = -114 : i32, exp_shift = 15 : i32}
         : tensor<3x197x197xi32> -> tensor<3x197x197xi8>
  // CHECK: vitq.shiftgelu %{{.*}} {exp_shift = 26 : i32, input_zp = 3 : i32, output_zp = -4 : i32, rescale = #vitq.rescale<1518500250, 44>, x0 = -20 : i32} : tensor<197x768xi8> -> tensor<197x768xi8>
  %g = vitq.shiftgelu %h {x0 = -20 : i32, exp_shift = 26 : i32,
                          rescale = #vitq.rescale<1518500250, 44>,
                          input_zp = 3 : i32, output_zp = -4 : i32}
         : tensor<197x768xi8> -> tensor<197x768xi8>
  // CHECK: vitq.ilayernorm %{{.*}} {bias = array<i32: 3>, rescale = #vitq.rescale<1073741824, 40>, variance_offset = 480 : i64} : tensor<197x4xi16> -> tensor<197x4xi8>
  %n = vitq.ilayernorm %x {rescale = #vitq.rescale<1073741824, 40>,
                           bias = array<i32: 3>, variance_offset = 480 : i64}
         : tensor<197x4xi16> -> tensor<197x4xi8>
  // Per-channel gamma (one negative) and beta.
  // CHECK: vitq.ilayernorm %{{.*}} {bias = array<i32: 1, -2, 3, 0>, rescale = #vitq.rescale<axis = 1, [(1073741824, 40), (-1073741824, 40), (0, 0), (5, 1)]>, sqrt_iterations = 12 : i32} : tensor<197x4xi16> -> tensor<197x4xi8>
  %m = vitq.ilayernorm %x {
         rescale = #vitq.rescale<axis = 1, [(1073741824, 40), (-1073741824, 40),
                                            (0, 0), (5, 1)]>,
         bias = array<i32: 1, -2, 3, 0>, sqrt_iterations = 12 : i32}
         : tensor<197x4xi16> -> tensor<197x4xi8>
  return %p, %g, %n, %m : tensor<3x197x197xi8>, tensor<197x768xi8>,
                          tensor<197x4xi8>, tensor<197x4xi8>
}

// The kernel library's destination-style ops, on tensors and on memrefs.
// CHECK-LABEL: func.func @kernel_ops
func.func @kernel_ops(%x: tensor<4x3xi8>, %p: tensor<128xi8>, %b: tensor<2xi32>,
                      %q: tensor<2x4x8xi8>, %k: tensor<2x5x8xi8>,
                      %xm: memref<4x3xi8>, %pm: memref<128xi8>,
                      %ym: memref<4x2xi16>, %qm: memref<2x4x8xi8>,
                      %vm: memref<8x6xi8>, %sm: memref<2x4x6xi32>)
    -> (tensor<4x2xi8>, tensor<2x4x5xi32>) {
  %i = tensor.empty() : tensor<4x2xi8>
  // CHECK: vitq.packed_linear ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xi8>, tensor<128xi8>, tensor<2xi32>) outs(%{{.*}} : tensor<4x2xi8>) {input_zp = 1 : i32, output_zp = -3 : i32, rescale = #vitq.rescale<1073741824, 33>} -> tensor<4x2xi8>
  %y = vitq.packed_linear ins(%x, %p, %b : tensor<4x3xi8>, tensor<128xi8>, tensor<2xi32>) outs(%i : tensor<4x2xi8>) {input_zp = 1 : i32, output_zp = -3 : i32, rescale = #vitq.rescale<1073741824, 33>} -> tensor<4x2xi8>
  // CHECK: vitq.packed_linear ins(%{{.*}}, %{{.*}} : memref<4x3xi8>, memref<128xi8>) outs(%{{.*}} : memref<4x2xi16>) {rescale = #vitq.rescale<1073741824, 33>}
  vitq.packed_linear ins(%xm, %pm : memref<4x3xi8>, memref<128xi8>) outs(%ym : memref<4x2xi16>) {rescale = #vitq.rescale<1073741824, 33>}
  %s0 = tensor.empty() : tensor<2x4x5xi32>
  // CHECK: vitq.kernel_matmul ins(%{{.*}}, %{{.*}} : tensor<2x4x8xi8>, tensor<2x5x8xi8>) outs(%{{.*}} : tensor<2x4x5xi32>) {lhs_zp = 2 : i32, transpose_rhs} -> tensor<2x4x5xi32>
  %s = vitq.kernel_matmul ins(%q, %k : tensor<2x4x8xi8>, tensor<2x5x8xi8>) outs(%s0 : tensor<2x4x5xi32>) {transpose_rhs, lhs_zp = 2 : i32} -> tensor<2x4x5xi32>
  // CHECK: vitq.kernel_matmul ins(%{{.*}}, %{{.*}} : memref<2x4x8xi8>, memref<8x6xi8>) outs(%{{.*}} : memref<2x4x6xi32>) {rhs_zp = -1 : i32}
  vitq.kernel_matmul ins(%qm, %vm : memref<2x4x8xi8>, memref<8x6xi8>) outs(%sm : memref<2x4x6xi32>) {rhs_zp = -1 : i32}
  return %y, %s : tensor<4x2xi8>, tensor<2x4x5xi32>
}

// Activations (float and quantized), their integer table form, and the
// exact integer sum.
// CHECK-LABEL: func.func @activations_and_sums
func.func @activations_and_sums(%x: tensor<2x8xf32>,
                                %q: tensor<2x8x!quant.uniform<i8:f32, 0.05:3>>,
                                %i: tensor<2x8xi8>)
    -> (tensor<2x8xf32>, tensor<2x8x!quant.uniform<i8:f32, 0.02:-7>>,
        tensor<2x8xi16>, tensor<2xi32>) {
  // CHECK: vitq.activation %{{.*}} {alpha = 2.500000e-01 : f32, kind = "hard_sigmoid"} : tensor<2x8xf32> -> tensor<2x8xf32>
  %a = vitq.activation %x {kind = "hard_sigmoid", alpha = 0.25 : f32} : tensor<2x8xf32> -> tensor<2x8xf32>
  // CHECK: vitq.activation %{{.*}} {kind = "silu"}
  %b = vitq.activation %q {kind = "silu"} : tensor<2x8x!quant.uniform<i8:f32, 0.05:3>> -> tensor<2x8x!quant.uniform<i8:f32, 0.02:-7>>
  // CHECK: vitq.lookup %{{.*}} {table = dense<7> : tensor<256xi16>} : tensor<2x8xi8> -> tensor<2x8xi16>
  %c = vitq.lookup %i {table = dense<7> : tensor<256xi16>} : tensor<2x8xi8> -> tensor<2x8xi16>
  // CHECK: vitq.reduce_sum %{{.*}} {dims = array<i64: 1>, input_zp = -4 : i32} : tensor<2x8xi8> -> tensor<2xi32>
  %d = vitq.reduce_sum %i {dims = array<i64: 1>, input_zp = -4 : i32} : tensor<2x8xi8> -> tensor<2xi32>
  return %a, %b, %c, %d : tensor<2x8xf32>, tensor<2x8x!quant.uniform<i8:f32, 0.02:-7>>, tensor<2x8xi16>, tensor<2xi32>
}

// CHECK-LABEL: func.func @resize
// CHECK: vitq.resize %{{.*}} {columns = array<i32: 4, 0, 0, 4>, input_zp = 3 : i32, rows = array<i32: 3, 1, 1, 3, 0, 4>} : tensor<1x2x2x2xi8> -> tensor<1x2x3x2xi32>
func.func @resize(%x: tensor<1x2x2x2xi8>) -> tensor<1x2x3x2xi32> {
  %y = vitq.resize %x {rows = array<i32: 3, 1, 1, 3, 0, 4>, columns = array<i32: 4, 0, 0, 4>, input_zp = 3 : i32} : tensor<1x2x2x2xi8> -> tensor<1x2x3x2xi32>
  return %y : tensor<1x2x3x2xi32>
}

// CHECK-LABEL: func.func @affine
// CHECK: vitq.affine %{{.*}} {bias = array<i32: 3, -7>, input_zp = 2 : i32, rescale = #vitq.rescale<axis = 1, [(1518500250, 31), (-1073741824, 30)]>} : tensor<1x2x3xi8> -> tensor<1x2x3xi16>
func.func @affine(%x: tensor<1x2x3xi8>) -> tensor<1x2x3xi16> {
  %y = vitq.affine %x {rescale = #vitq.rescale<axis = 1, [(1518500250, 31), (-1073741824, 30)]>, bias = array<i32: 3, -7>, input_zp = 2 : i32} : tensor<1x2x3xi8> -> tensor<1x2x3xi16>
  return %y : tensor<1x2x3xi16>
}

// CHECK-LABEL: func.func @products
// CHECK: vitq.mul %{{.*}}, %{{.*}} {lhs_zp = 3 : i32, rescale = #vitq.rescale<1518500250, 38>} : tensor<1x4x7x7xi8>, tensor<1x4x1x1xi8> -> tensor<1x4x7x7xi8>
// CHECK: vitq.div %{{.*}}, %{{.*}} {output_zp = -2 : i32, rescale = #vitq.rescale<1518500250, 20>} : tensor<1x4x7x7xi8>, tensor<1x4x1x1xi8> -> tensor<1x4x7x7xi16>
func.func @products(%a: tensor<1x4x7x7xi8>, %b: tensor<1x4x1x1xi8>) -> (tensor<1x4x7x7xi8>, tensor<1x4x7x7xi16>) {
  %m = vitq.mul %a, %b {rescale = #vitq.rescale<1518500250, 38>, lhs_zp = 3 : i32} : tensor<1x4x7x7xi8>, tensor<1x4x1x1xi8> -> tensor<1x4x7x7xi8>
  %d = vitq.div %a, %b {rescale = #vitq.rescale<1518500250, 20>, output_zp = -2 : i32} : tensor<1x4x7x7xi8>, tensor<1x4x1x1xi8> -> tensor<1x4x7x7xi16>
  return %m, %d : tensor<1x4x7x7xi8>, tensor<1x4x7x7xi16>
}

// CHECK-LABEL: func.func @avg_pool
// CHECK: vitq.avg_pool2d %{{.*}} {count_include_pad, input_zp = 2 : i32, kernel = array<i64: 2, 1>, multipliers = array<i32: 1073741824, 1073741824>, pads = array<i64: 1, 0, 0, 0>, shifts = array<i32: 31, 32>, strides = array<i64: 2, 1>} : tensor<1x3x4x5xi8> -> tensor<1x3x3x5xi8>
func.func @avg_pool(%x: tensor<1x3x4x5xi8>) -> tensor<1x3x3x5xi8> {
  %y = vitq.avg_pool2d %x {kernel = array<i64: 2, 1>, strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 0, 0>, count_include_pad, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: 31, 32>, input_zp = 2 : i32} : tensor<1x3x4x5xi8> -> tensor<1x3x3x5xi8>
  return %y : tensor<1x3x3x5xi8>
}
