// RUN: not vitq-opt %s --vitq-intdilations// RUN: vitq-opt %s --vitq-fuse-requant --split-input-file | FileCheck %s

// A requantize of an accumulator-only linear becomes its fused rescale.
// CHECK-LABEL: func.func @requantize_into_linear
// CHECK: %[[L:.*]] = vitq.linear %arg0, %arg1, %arg2 {output_zp = 4 : i32, rescale = #vitq.rescale<1518500250, 38>} : (tensor<4x8xi8>, tensor<8x6xi8>, tensor<6xi32>) -> tensor<4x6xi8>
// CHECK-NEXT: return %[[L]]
func.func @requantize_into_linear(%x: tensor<4x8xi8>, %w: tensor<8x6xi8>, %b: tensor<6xi32>) -> tensor<4x6xi8> {
  %acc = vitq.linear %x, %w, %b : (tensor<4x8xi8>, tensor<8x6xi8>, tensor<6xi32>) -> tensor<4x6xi32>
  %y = vitq.requantize %acc {rescale = #vitq.rescale<1518500250, 38>, output_zp = 4 : i32}
         : tensor<4x6xi32> -> tensor<4x6xi8>
  return %y : tensor<4x6xi8>
}

// -----

// The same for conv2d, with a per-channel rescale along dimension 1.
// CHECK-LABEL: func.func @requantize_into_conv
// CHECK: vitq.conv2d %arg0, %arg1 {rescale = #vitq.rescale<axis = 1, [(1073741824, 31), (1073741824, 32)]>} : (tensor<1x2x4x4xi8>, tensor<2x2x2x2xi8>) -> tensor<1x2x3x3xi8>
// CHECK-NOT: vitq.requantize
func.func @requantize_into_conv(%x: tensor<1x2x4x4xi8>, %w: tensor<2x2x2x2xi8>) -> tensor<1x2x3x3xi8> {
  %acc = vitq.conv2d %x, %w : (tensor<1x2x4x4xi8>, tensor<2x2x2x2xi8>) -> tensor<1x2x3x3xi32>
  %y = vitq.requantize %acc {rescale = #vitq.rescale<axis = 1, [(1073741824, 31), (1073741824, 32)]>}
         : tensor<1x2x3x3xi32> -> tensor<1x2x3x3xi8>
  return %y : tensor<1x2x3x3xi8>
}

// -----

// Not fused: the accumulator has a second user.
// CHECK-LABEL: func.func @accumulator_used_twice
// CHECK: vitq.requantize
func.func @accumulator_used_twice(%x: tensor<4x8xi8>, %w: tensor<8x6xi8>) -> (tensor<4x6xi8>, tensor<4x6xi32>) {
  %acc = vitq.linear %x, %w : (tensor<4x8xi8>, tensor<8x6xi8>) -> tensor<4x6xi32>
  %y = vitq.requantize %acc {rescale = #vitq.rescale<1518500250, 38>}
         : tensor<4x6xi32> -> tensor<4x6xi8>
  return %y, %acc : tensor<4x6xi8>, tensor<4x6xi32>
}

// -----

// An input zero point of 2 moves into the bias: bias - 2 * column sums
// (columns of the transposed weight: 1+2 = 3 and -1+4 = 3).
// CHECK-LABEL: func.func @input_zero_point
// CHECK: %[[B:.*]] = arith.constant dense<[4, -16]> : tensor<2xi32>
// CHECK: vitq.linear %arg0, %{{.*}}, %[[B]] {rescale = #vitq.rescale<1073741824, 31>, transpose_weight}
// CHECK-NOT: input_zp
func.func @input_zero_point(%x: tensor<3x2xi8>) -> tensor<3x2xi8> {
  %w = arith.constant dense<[[1, 2], [-1, 4]]> : tensor<2x2xi8>
  %b = arith.constant dense<[10, -10]> : tensor<2xi32>
  %y = vitq.linear %x, %w, %b {transpose_weight, input_zp = 2 : i32,
                               rescale = #vitq.rescale<1073741824, 31>}
         : (tensor<3x2xi8>, tensor<2x2xi8>, tensor<2xi32>) -> tensor<3x2xi8>
  return %y : tensor<3x2xi8>
}

// -----

// A bias added after the requantisation (QDQ style) folds into the int32
// bias: the add computes y*1 + c*0.5 (shift 1 with multipliers 2 and 1), the
// linear's rescale is 2^-4, so bias += c * 0.5 / 2^-4 = 8c, and the rescale
// stays 2^-4 * 1.
// CHECK-LABEL: func.func @bias_add
// CHECK: %[[B:.*]] = arith.constant dense<[8, -24, 0]> : tensor<3xi32>
// CHECK: %[[L:.*]] = vitq.linear %arg0, %arg1, %[[B]] {rescale = #vitq.rescale<1073741824, 34>} : (tensor<2x4xi8>, tensor<4x3xi8>, tensor<3xi32>) -> tensor<2x3xi16>
// CHECK-NEXT: return %[[L]]
func.func @bias_add(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) -> tensor<2x3xi16> {
  %c = arith.constant dense<[1, -3, 0]> : tensor<3xi16>
  %l = vitq.linear %x, %w {rescale = #vitq.rescale<1073741824, 34>}
         : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi8>
  %y = vitq.add %l, %c {lhs_multiplier = 2 : i32, rhs_multiplier = 1 : i32, shift = 1 : i32}
         : tensor<2x3xi8>, tensor<3xi16> -> tensor<2x3xi16>
  return %y : tensor<2x3xi16>
}

// -----

// Not folded: a constant that varies along anot`her dimension (a position
// embedding) is not a per-channel bias.
// CHECK-LABEL: func.func @position_embedding
// CHECK: vitq.add
func.func @position_embedding(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) -> tensor<2x3xi8> {
  %c = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi8>
  %l = vitq.linear %x, %w {rescale = #vitq.rescale<1073741824, 34>}
         : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi8>
  %y = vitq.add %l, %c {lhs_multiplier = 2 : i32, rhs_multiplier = 1 : i32, shift = 1 : i32}
         : tensor<2x3xi8>, tensor<2x3xi8> -> tensor<2x3xi8>
  return %y : tensor<2x3xi8>
}

// -----

// Q(DQ(x)) with different parameters is one integer requantize.
// CHECK-LABEL: func.func @quantize_chain
// CHECK: %[[S:.*]] = quant.scast %arg0
// CHECK: %[[R:.*]] = vitq.requantize %[[S]] {input_zp = 1 : i32, output_zp = -2 : i32, rescale = #vitq.rescale<1073741824, 29>} : tensor<4xi8> -> tensor<4xi8>
// CHECK: quant.scast %[[R]]
// CHECK-NOT: vitq.dequantize
func.func @quantize_chain(%x: tensor<4x!quant.uniform<i8:f32, 0.2:1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:-2>> {
  %d = vitq.dequantize %x : tensor<4x!quant.uniform<i8:f32, 0.2:1>> -> tensor<4xf32>
  %q = vitq.quantize %d : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1:-2>>
  return %q : tensor<4x!quant.uniform<i8:f32, 0.1:-2>>
}

// -----

// A residual add of a requantized int16 value: the requantize's factor
// (2^-1) joins the lhs factor (0.5 -> 0.25, sharing the shift with the rhs
// factor 0.75), and the add reads the int16 value and its zero poi8-linear="isant.
// CHECK-LABEL: func.func @requantize_into_add
// CHECK: %[[A:.*]] = vitq.add %arg0, %arg1 {lhs_multiplier = 536870912 : i32, lhs_zp = 3 : i32, rhs_multiplier = 1610612736 : i32, shift = 31 : i32} : tensor<4x8xi16>, tensor<4x8xi8> -> tensor<4x8xi16>
// CHECK-NEXT: return %[[A]]
func.func @requantize_into_add(%x: tensor<4x8xi16>, %y: tensor<4x8xi8>) -> tensor<4x8xi16> {
  %r = vitq.requantize %x {rescale = #vitq.rescale<1073741824, 31>, input_zp = 3 : i32}
         : tensor<4x8xi16> -> tensor<4x8xi8>
  %a = vitq.add %r, %y {lhs_multiplier = 1073741824 : i32, rhs_multiplier = 1610612736 : i32, shift = 31 : i32}
         : tensor<4x8xi8>, tensor<4x8xi8> -> tensor<4x8xi16>
  return %a : tensor<4x8xi16>
}

// -----

// Not folded: an int32 accumulator cannot be an add operand.
// CHECK-LABEL: func.func @requantize_of_accumulato=mmx" 2>&1 | FileCheck %s

// CHECK: {{.*}}int8-linear-isa.mlir:0:0: ent8-linear: unknown isa 'mmx' (avx512vnni, avx512bw or avx2r
// CHECK: )
fvuitncq