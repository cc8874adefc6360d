// RUN: vitq-opt %s --convert-vitq-to-linalg --split-input-file --verify-diagnostics | FileCheck %s

// Requantize: one element-wise generic, 64-bit multiply, rounding shift,
// zero point, clamp and truncation.
// CHECK-LABEL: func.func @requantize
// CHECK: linalg.generic
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.shrui
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: arith.shrsi
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.trunci %{{.*}} : i64 to i8
// CHECK-NOT: vitq.
func.func @requantize(%x: tensor<4x8xi32>) -> tensor<4x8xi8> {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1518500250, 38>, output_zp = 3 : i32}
         : tensor<4x8xi32> -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

// Linear: an int32 contraction (reduction loop last) and an epilogue with
// the per-channel multipliers and shifts as constant vectors.
// CHECK-LABEL: func.func @linear
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.muli %{{.*}} : i32
// CHECK-DAG: %[[M:.*]] = arith.constant dense<[1073741824, 1518500250]> : tensor<2xi32>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[30, 31]> : tensor<2xi32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %arg2, %[[M]], %[[S]] : tensor<3x2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>)
func.func @linear(%x: tensor<3x4xi8>, %w: tensor<2x4xi8>, %b: tensor<2xi32>) -> tensor<3x2xi8> {
  %0 = vitq.linear %x, %w, %b {transpose_weight,
         rescale = #vitq.rescale<axis = 1, [(1073741824, 30), (1518500250, 31)]>}
         : (tensor<3x4xi8>, tensor<2x4xi8>, tensor<2xi32>) -> tensor<3x2xi8>
  return %0 : tensor<3x2xi8>
}

// -----

// Shiftmax: a row max, the shift exponential, a row sum, one 64-bit divide
// per row, and the normalising multiply.
// CHECK-LABEL: func.func @shiftmax
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.maxsi
// 8-bit input: the shift exponentials of the 256 values of x - max are a
// table the compiler evaluates (shiftexp(0) = 80 * 2^24 first), looked up
// in the row sum and again in the output instead of stored as i64.
// CHECK: %[[TABLE:.*]] = arith.constant dense<"0x00000050{{.*}}"> : tensor<256xi32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: tensor.extract %[[TABLE]]
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<4xi64>)
// CHECK: arith.divsi
// CHECK: linalg.generic
// CHECK: tensor.extract %[[TABLE]]
// CHECK: arith.trunci %{{.*}} : i64 to i16
func.func @shiftmax(%x: tensor<4x17xi8>) -> tensor<4x17xi16> {
  %0 = vitq.shiftmax %x {x0 = -80 : i32, exp_shift = 24 : i32}
         : tensor<4x17xi8> -> tensor<4x17xi16>
  return %0 : tensor<4x17xi16>
}

// -----

// Wider input (here i32): the shift exponential is computed per element.
// CHECK-LABEL: func.func @shiftmax_i32
// CHECK-NOT: tensor.extract
// CHECK: arith.floordivsi
// CHECK: arith.shli
// CHECK: arith.divsi
func.func @shiftmax_i32(%x: tensor<4x17xi32>) -> tensor<4x17xi16> {
  %0 = vitq.shiftmax %x {x0 = -80 : i32, exp_shift = 24 : i32}
         : tensor<4x17xi32> -> tensor<4x17xi16>
  return %0 : tensor<4x17xi16>
}

// -----

// ShiftGELU on int8 with at least as many elements as its table (one row
// of 256 entries per row maximum from the zero point to 127: 126 rows
// here): the row maximum of x, then per element one lookup. With a
// per-tensor rescale the table holds the int8 outputs themselves.
// CHECK-LABEL: func.func @shiftgelu_table
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: %[[TABLE:.*]] = arith.constant dense<{{.*}}> : tensor<32256xi8>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-NOT: arith.muli %{{.*}} : i32
// CHECK: %[[OUT:.*]] = tensor.extract %[[TABLE]]
// CHECK-NEXT: linalg.yield %[[OUT]] : i8
// CHECK-NOT: arith.divsi
// CHECK: return
func.func @shiftgelu_table(%x: tensor<197x768xi8>) -> tensor<197x768xi8> {
  %0 = vitq.shiftgelu %x {x0 = -20 : i32, exp_shift = 26 : i32,
         rescale = #vitq.rescale<1518500250, 46>,
         input_zp = 2 : i32, output_zp = -3 : i32}
         : tensor<197x768xi8> -> tensor<197x768xi8>
  return %0 : tensor<197x768xi8>
}

// -----

// Per channel, the table holds 2^15-scaled sigmoids: one lookup, an i32
// product and the channel's rescale per element.
// CHECK-LABEL: func.func @shiftgelu_table_per_channel
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: %[[TABLE:.*]] = arith.constant dense<{{.*}}> : tensor<32256xi16>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: tensor.extract %[[TABLE]]
// CHECK: arith.extui %{{.*}} : i16 to i32
// CHECK: arith.muli %{{.*}} : i32
// CHECK-NOT: arith.divsi
// CHECK: return
func.func @shiftgelu_table_per_channel(%x: tensor<197x256xi8>) -> tensor<197x256xi8> {
  %0 = vitq.shiftgelu %x {x0 = -20 : i32, exp_shift = 26 : i32,
         rescale = #vitq.rescale<axis = 1, [(1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46), (1518500250, 46)]>,
         input_zp = 2 : i32, output_zp = -3 : i32}
         : tensor<197x256xi8> -> tensor<197x256xi8>
  return %0 : tensor<197x256xi8>
}

// -----

// A smaller int8 tensor computes the sigmoid per element.
// CHECK-LABEL: func.func @shiftgelu_small
// CHECK-NOT: tensor.extract
// CHECK: arith.divsi
func.func @shiftgelu_small(%x: tensor<4x64xi8>) -> tensor<4x64xi8> {
  %0 = vitq.shiftgelu %x {x0 = -20 : i32, exp_shift = 26 : i32,
         rescale = #vitq.rescale<1518500250, 46>,
         input_zp = 2 : i32, output_zp = -3 : i32}
         : tensor<4x64xi8> -> tensor<4x64xi8>
  return %0 : tensor<4x64xi8>
}

// -----

// I-LayerNorm: the integer square root is unrolled Newton steps from a
// count-leading-zeros start.
// CHECK-LABEL: func.func @ilayernorm
// CHECK: math.ctlz
// CHECK-COUNT-3: arith.divsi
// CHECK: arith.divsi
func.func @ilayernorm(%x: tensor<2x8xi16>) -> tensor<2x8xi8> {
  %0 = vitq.ilayernorm %x {rescale = #vitq.rescale<1342177280, 55>, bias = array<i32: 1>,
                           sqrt_iterations = 3 : i32}
         : tensor<2x8xi16> -> tensor<2x8xi8>
  return %0 : tensor<2x8xi8>
}

// -----

// Quantized types become their storage; storage casts disappear.
// CHECK-LABEL: func.func @boundary(%arg0: tensor<4xf32>) -> tensor<4xf32>
// CHECK: math.roundeven
// CHECK: arith.fptosi %{{.*}} : f32 to i8
// CHECK-NOT: quant.scast
// CHECK: arith.sitofp
// CHECK: arith.mulf
func.func @boundary(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5:1>>
  %s = quant.scast %q : tensor<4x!quant.uniform<i8:f32, 0.5:1>> to tensor<4xi8>
  %t = quant.scast %s : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 0.5:1>>
  %d = vitq.dequantize %t : tensor<4x!quant.uniform<i8:f32, 0.5:1>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// FP32 models: the float-semantic ops lower to float math.
// CHECK-LABEL: func.func @float_ops
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: math.erf
// CHECK: math.rsqrt
func.func @float_ops(%x: tensor<2x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  %0 = vitq.softmax %x : tensor<2x8xf32> -> tensor<2x8xf32>
  %1 = vitq.gelu %0 : tensor<2x8xf32> -> tensor<2x8xf32>
  %2 = vitq.layernorm %1, %g, %b : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %2 : tensor<2x8xf32>
}

// -----

func.func @quantized_softmax(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x8x!quant.uniform<i8:f32, 0.0078125>> {
  // expected-error @+2 {{on quantized tensors must be legalised to its integer form first (vitq-legalize-nonlinear)}}
  // expected-error @+1 {{failed to legalize operation 'vitq.softmax'}}
  %0 = vitq.softmax %x : tensor<2x8x!quant.uniform<i8:f32, 0.1>> -> tensor<2x8x!quant.uniform<i8:f32, 0.0078125>>
  return %0 : tensor<2x8x!quant.uniform<i8:f32, 0.0078125>>
}

// -----

func.func @dynamic_shape(%x: tensor<?x8xi32>) -> tensor<?x8xi8> {
  // expected-error @+1 {{has a dynamic shape; the lowering needs static shapes}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1073741824, 31>}
         : tensor<?x8xi32> -> tensor<?x8xi8>
  return %0 : tensor<?x8xi8>
}

// -----

// A rank-1 row op reduces into a rank-0 row tensor.
// CHECK-LABEL: func.func @shiftmax_rank1
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["reduction"]} ins(%arg0 : tensor<16xi8>) outs(%{{.*}} : tensor<i64>)
func.func @shiftmax_rank1(%x: tensor<16xi8>) -> tensor<16xi16> {
  %0 = vitq.shiftmax %x {x0 = -80 : i32, exp_shift = 24 : i32} : tensor<16xi8> -> tensor<16xi16>
  return %0 : tensor<16xi16>
}

// -----

// Quantize bounds are rounded towards zero: 2^31 - 1 clamps at the f32
// below 2^31.
// CHECK-LABEL: func.func @quantize_int32
// CHECK-DAG: arith.constant 2.14748352E+9 : f32
// CHECK-DAG: arith.constant -2.14748365E+9 : f32
func.func @quantize_int32(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i32:f32, 0.001>> {
  %0 = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i32:f32, 0.001>>
  return %0 : tensor<4x!quant.uniform<i32:f32, 0.001>>
}

// -----

// A patch embedding (stride = kernel, no padding) is a linear layer over the
// patches: one transpose gathers each 2x2x2 patch into a row of 8, the
// constant weight becomes an [O, C*KH*KW] constant, and the result goes
// back to NCHW.
// CHECK-LABEL: func.func @patch_embedding
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0], [1], [2, 3], [4, 5]] output_shape [1, 2, 2, 2, 2, 2] : tensor<1x2x4x4xi8> into tensor<1x2x2x2x2x2xi8>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x2x2x2x2x2xi8>) outs(%{{.*}} : tensor<1x2x2x2x2x2xi8>) permutation = [0, 2, 4, 1, 3, 5]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<1x2x2x2x2x2xi8> into tensor<4x8xi8>
// CHECK: arith.constant dense<1> : tensor<3x8xi8>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x8xi8>, tensor<3x8xi8>) outs(%{{.*}} : tensor<4x3xi32>) {
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x2x2x3xi32>) outs(%{{.*}} : tensor<1x3x2x2xi32>) permutation = [0, 3, 1, 2]
func.func @patch_embedding(%x: tensor<1x2x4x4xi8>) -> tensor<1x3x2x2xi32> {
  %w = arith.constant dense<1> : tensor<3x2x2x2xi8>
  %0 = vitq.conv2d %x, %w {strides = array<i64: 2, 2>} : (tensor<1x2x4x4xi8>, tensor<3x2x2x2xi8>) -> tensor<1x3x2x2xi32>
  return %0 : tensor<1x3x2x2xi32>
}
