// RUN: vitq-opt %s -split-input-file -verify-diagnostics

// One negative test for every verifier error of the vitq ops.

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

func.func @quantize_not_uniform(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected a !quant.uniform element type, got '!quant.any<i8:f32>'}}
  %0 = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.any<i8:f32>>
  return
}

// -----

func.func @quantize_expressed_type(%x: tensor<4xf16>) {
  // expected-error @+1 {{float type 'f16' differs from the expressed type 'f32'}}
  %0 = vitq.quantize %x : tensor<4xf16> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{result shape [5] does not match input shape [4]}}
  %0 = vitq.quantize %x : tensor<4xf32> -> tensor<5x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

func.func @quantize_axis_out_of_range(%x: tensor<2xf32>) {
  // expected-error @+1 {{quantized dimension 1 is out of range for rank 1}}
  %0 = vitq.quantize %x : tensor<2xf32> -> tensor<2x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
  return
}

// -----

func.func @quantize_axis_scale_count(%x: tensor<3x2xf32>) {
  // expected-error @+1 {{per-axis type has 2 scales but dimension 0 has size 3}}
  %0 = vitq.quantize %x : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
  return
}

// -----

func.func @quantize_not_float(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = vitq.quantize %x : tensor<4xi32> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

func.func @dequantize_expressed_type(%q: tensor<4x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{float type 'bf16' differs from the expressed type 'f32'}}
  %0 = vitq.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4xbf16>
  return
}

// -----

func.func @dequantize_shape(%q: tensor<4x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{result shape [2x2] does not match input shape [4]}}
  %0 = vitq.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<2x2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// #vitq.rescale
//===----------------------------------------------------------------------===//

func.func @rescale_empty(%x: tensor<4xi32>) {
  // expected-error @+1 {{rescale needs at least one multiplier}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<axis = 0, []>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @rescale_multiplier_min(%x: tensor<4xi32>) {
  // expected-error @+1 {{rescale multiplier must be in (-2^31, 2^31)}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<-2147483648, 3>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @rescale_shift_large(%x: tensor<4xi32>) {
  // expected-error @+1 {{rescale shift 64 is outside [0, 63]}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1, 64>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @rescale_shift_negative(%x: tensor<4xi32>) {
  // expected-error @+1 {{rescale shift -1 is outside [0, 63]}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<axis = 0, [(1, 2), (1, -1), (1, 2), (1, 2)]>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @rescale_axis_negative(%x: tensor<4xi32>) {
  // expected-error @+1 {{rescale axis must be non-negative, got -1}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<axis = -1, [(1, 2)]>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @rescale_syntax(%x: tensor<4xi32>) {
  // expected-error @+1 {{expected ','}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

//===----------------------------------------------------------------------===//
// requantize
//===----------------------------------------------------------------------===//

func.func @requantize_shape(%x: tensor<4xi32>) {
  // expected-error @+1 {{result shape [3] does not match input shape [4]}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1, 2>} : tensor<4xi32> -> tensor<3xi8>
  return
}

// -----

func.func @requantize_axis_range(%x: tensor<4xi32>) {
  // expected-error @+1 {{rescale axis 1 is out of range for rank 1}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<axis = 1, [(1, 2), (1, 2)]>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @requantize_channel_count(%x: tensor<4x3xi32>) {
  // expected-error @+1 {{per-channel rescale has 2 factors but dimension 1 has size 3}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<axis = 1, [(1, 2), (1, 2)]>} : tensor<4x3xi32> -> tensor<4x3xi8>
  return
}

// -----

func.func @requantize_input_zp(%x: tensor<4xi8>) {
  // expected-error @+1 {{input_zp 200 does not fit the operand type 'i8'}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1, 2>, input_zp = 200 : i32} : tensor<4xi8> -> tensor<4xi8>
  return
}

// -----

func.func @requantize_output_zp(%x: tensor<4xi32>) {
  // expected-error @+1 {{output_zp -40000 does not fit the operand type 'i16'}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1, 2>, output_zp = -40000 : i32} : tensor<4xi32> -> tensor<4xi16>
  return
}

// -----

func.func @requantize_result_type(%x: tensor<4xi32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 8-bit signless integer or 16-bit signless integer values}}
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1, 2>} : tensor<4xi32> -> tensor<4xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

func.func @matmul_lhs_rank(%a: tensor<4xi8>, %b: tensor<4x4xi8>) {
  // expected-error @+1 {{lhs must have rank >= 2, got 1}}
  %0 = vitq.matmul %a, %b : tensor<4xi8>, tensor<4x4xi8> -> tensor<4xi32>
  return
}

// -----

func.func @matmul_rhs_rank(%a: tensor<2x3x4x5xi8>, %b: tensor<3x5x6xi8>) {
  // expected-error @+1 {{rhs must have rank 2 or the rank of lhs (4), got 3}}
  %0 = vitq.matmul %a, %b : tensor<2x3x4x5xi8>, tensor<3x5x6xi8> -> tensor<2x3x4x6xi32>
  return
}

// -----

func.func @matmul_k(%a: tensor<4x5xi8>, %b: tensor<6x7xi8>) {
  // expected-error @+1 {{reduction dimensions differ: lhs has K = 5, rhs has K = 6}}
  %0 = vitq.matmul %a, %b : tensor<4x5xi8>, tensor<6x7xi8> -> tensor<4x7xi32>
  return
}

// -----

func.func @matmul_k_transposed(%a: tensor<4x5xi8>, %b: tensor<5x7xi8>) {
  // expected-error @+1 {{reduction dimensions differ: lhs has K = 5, rhs has K = 7}}
  %0 = vitq.matmul %a, %b {transpose_rhs} : tensor<4x5xi8>, tensor<5x7xi8> -> tensor<4x5xi32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<3x4x5xi8>, %b: tensor<2x5x6xi8>) {
  // expected-error @+1 {{batch dimension 0 differs: 3 vs 2}}
  %0 = vitq.matmul %a, %b : tensor<3x4x5xi8>, tensor<2x5x6xi8> -> tensor<3x4x6xi32>
  return
}

// -----

func.func @matmul_result(%a: tensor<4x5xi8>, %b: tensor<5x6xi8>) {
  // expected-error @+1 {{result shape [4x7] does not match expected [4x6]}}
  %0 = vitq.matmul %a, %b : tensor<4x5xi8>, tensor<5x6xi8> -> tensor<4x7xi32>
  return
}

// -----

func.func @matmul_lhs_zp(%a: tensor<4x5xi8>, %b: tensor<5x6xi8>) {
  // expected-error @+1 {{lhs_zp 128 does not fit the operand type 'i8'}}
  %0 = vitq.matmul %a, %b {lhs_zp = 128 : i32} : tensor<4x5xi8>, tensor<5x6xi8> -> tensor<4x6xi32>
  return
}

// -----

func.func @matmul_rhs_zp(%a: tensor<4x5xi8>, %b: tensor<5x6xi8>) {
  // expected-error @+1 {{rhs_zp -129 does not fit the operand type 'i8'}}
  %0 = vitq.matmul %a, %b {rhs_zp = -129 : i32} : tensor<4x5xi8>, tensor<5x6xi8> -> tensor<4x6xi32>
  return
}

// -----

func.func @matmul_operand_type(%a: tensor<4x5xi16>, %b: tensor<5x6xi8>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 8-bit signless integer values}}
  %0 = vitq.matmul %a, %b : tensor<4x5xi16>, tensor<5x6xi8> -> tensor<4x6xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// linear
//===----------------------------------------------------------------------===//

func.func @linear_input_rank(%x: tensor<i8>, %w: tensor<4x4xi8>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<1, 2>} : (tensor<i8>, tensor<4x4xi8>) -> tensor<4xi8>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<2x4xi8>, %w: tensor<1x4x4xi8>) {
  // expected-error @+1 {{weight must have rank 2, got 3}}
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<1, 2>} : (tensor<2x4xi8>, tensor<1x4x4xi8>) -> tensor<2x4xi8>
  return
}

// -----

func.func @linear_k(%x: tensor<2x4xi8>, %w: tensor<8x5xi8>) {
  // expected-error @+1 {{input has K = 4 but weight has K = 5}}
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<1, 2>, transpose_weight} : (tensor<2x4xi8>, tensor<8x5xi8>) -> tensor<2x8xi8>
  return
}

// -----

func.func @linear_bias(%x: tensor<2x4xi8>, %w: tensor<4x8xi8>, %b: tensor<4xi32>) {
  // expected-error @+1 {{bias must have shape [8], got [4]}}
  %0 = vitq.linear %x, %w, %b {rescale = #vitq.rescale<1, 2>} : (tensor<2x4xi8>, tensor<4x8xi8>, tensor<4xi32>) -> tensor<2x8xi8>
  return
}

// -----

func.func @linear_result(%x: tensor<2x4xi8>, %w: tensor<4x8xi8>) {
  // expected-error @+1 {{result shape [2x4] does not match expected [2x8]}}
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<1, 2>} : (tensor<2x4xi8>, tensor<4x8xi8>) -> tensor<2x4xi8>
  return
}

// -----

func.func @linear_rescale_axis(%x: tensor<2x4xi8>, %w: tensor<4x2xi8>) {
  // expected-error @+1 {{per-channel rescale must run along dimension 1 (the channels), not 0}}
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<axis = 0, [(1, 2), (1, 2)]>} : (tensor<2x4xi8>, tensor<4x2xi8>) -> tensor<2x2xi8>
  return
}

// -----

func.func @linear_rescale_count(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) {
  // expected-error @+1 {{per-channel rescale has 2 factors but dimension 1 has size 3}}
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<axis = 1, [(1, 2), (1, 2)]>} : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi8>
  return
}

// -----

func.func @linear_input_zp(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) {
  // expected-error @+1 {{input_zp 300 does not fit the operand type 'i8'}}
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<1, 2>, input_zp = 300 : i32} : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi8>
  return
}

// -----

func.func @linear_output_zp(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) {
  // expected-error @+1 {{output_zp 128 does not fit the operand type 'i8'}}
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<1, 2>, output_zp = 128 : i32} : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi8>
  return
}

// -----

func.func @linear_missing_rescale(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) {
  // expected-error @+1 {{without a rescale the result is the int32 accumulator, got 'i8'}}
  %0 = vitq.linear %x, %w : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi8>
  return
}

// -----

func.func @linear_accumulator_zp(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) {
  // expected-error @+1 {{output_zp needs a rescale}}
  %0 = vitq.linear %x, %w {output_zp = 1 : i32} : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi32>
  return
}

// -----

func.func @linear_rescaled_i32(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) {
  // expected-error @+1 {{with a rescale the result must be int8 or int16}}
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<1, 2>} : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

func.func @conv_rank(%x: tensor<3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{input [N, C, H, W] and weight [O, C/groups, KH, KW] must have rank 4}}
  %0 = vitq.conv2d %x, %w : (tensor<3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_strides(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{strides must have 2 entries, got 1}}
  %0 = vitq.conv2d %x, %w {strides = array<i64: 1>} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_stride_zero(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{strides entries must be in [1, 2^31), got 0}}
  %0 = vitq.conv2d %x, %w {strides = array<i64: 1, 0>} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_pads(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{pads entries must be in [0, 2^31), got -1}}
  %0 = vitq.conv2d %x, %w {pads = array<i64: 0, 0, -1, 0>} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_dilations(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{dilations must have 2 entries, got 3}}
  %0 = vitq.conv2d %x, %w {dilations = array<i64: 1, 1, 1>} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{groups must be >= 1, got 0}}
  %0 = vitq.conv2d %x, %w {groups = 0 : i64} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_input_groups(%x: tensor<1x3x8x8xi8>, %w: tensor<4x1x3x3xi8>) {
  // expected-error @+1 {{input channels 3 are not divisible by groups 2}}
  %0 = vitq.conv2d %x, %w {groups = 2 : i64} : (tensor<1x3x8x8xi8>, tensor<4x1x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_output_groups(%x: tensor<1x4x8x8xi8>, %w: tensor<3x2x3x3xi8>) {
  // expected-error @+1 {{output channels 3 are not divisible by groups 2}}
  %0 = vitq.conv2d %x, %w {groups = 2 : i64} : (tensor<1x4x8x8xi8>, tensor<3x2x3x3xi8>) -> tensor<1x3x6x6xi32>
  return
}

// -----

func.func @conv_weight_channels(%x: tensor<1x4x8x8xi8>, %w: tensor<4x4x3x3xi8>) {
  // expected-error @+1 {{weight has 4 input channels per group, expected 2}}
  %0 = vitq.conv2d %x, %w {groups = 2 : i64} : (tensor<1x4x8x8xi8>, tensor<4x4x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>, %b: tensor<3xi32>) {
  // expected-error @+1 {{bias must have shape [4], got [3]}}
  %0 = vitq.conv2d %x, %w, %b : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>, tensor<3xi32>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_kernel_extent(%x: tensor<1x3x4x4xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{kernel extent 5 exceeds the padded input extent 4 in spatial dimension 0}}
  %0 = vitq.conv2d %x, %w {dilations = array<i64: 2, 1>} : (tensor<1x3x4x4xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x1x2xi32>
  return
}

// -----

func.func @conv_result(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{result shape [1x4x8x8] does not match expected [1x4x4x4]}}
  %0 = vitq.conv2d %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x8x8xi32>
  return
}

// -----

func.func @conv_narrow_without_rescale(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{without a rescale the result is the int32 accumulator, got 'i8'}}
  %0 = vitq.conv2d %x, %w : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi8>
  return
}

// -----

func.func @conv_output_zp_without_rescale(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{output_zp needs a rescale}}
  %0 = vitq.conv2d %x, %w {output_zp = 1 : i32} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_i32_with_rescale(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{with a rescale the result must be int8 or int16}}
  %0 = vitq.conv2d %x, %w {rescale = #vitq.rescale<1, 2>} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_rescale_axis(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{per-channel rescale must run along dimension 1 (the channels), not 3}}
  %0 = vitq.conv2d %x, %w {rescale = #vitq.rescale<axis = 3, [(1, 2), (1, 2), (1, 2), (1, 2), (1, 2), (1, 2)]>} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi8>
  return
}

// -----

func.func @conv_input_zp(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{input_zp -200 does not fit the operand type 'i8'}}
  %0 = vitq.conv2d %x, %w {input_zp = -200 : i32} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_output_zp(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{output_zp 999 does not fit the operand type 'i8'}}
  %0 = vitq.conv2d %x, %w {rescale = #vitq.rescale<1, 2>, output_zp = 999 : i32} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi8>
  return
}

// -----

//===----------------------------------------------------------------------===//
// add
//===----------------------------------------------------------------------===//

func.func @add_broadcast(%a: tensor<4x3xi8>, %b: tensor<4x2xi8>) {
  // expected-error @+1 {{operand shapes [4x3] and [4x2] do not broadcast}}
  %0 = vitq.add %a, %b {lhs_multiplier = 1 : i32, rhs_multiplier = 1 : i32, shift = 0 : i32} : tensor<4x3xi8>, tensor<4x2xi8> -> tensor<4x3xi8>
  return
}

// -----

func.func @add_result(%a: tensor<4x3xi8>, %b: tensor<1x3xi8>) {
  // expected-error @+1 {{result shape [1x3] does not match the broadcast shape [4x3]}}
  %0 = vitq.add %a, %b {lhs_multiplier = 1 : i32, rhs_multiplier = 1 : i32, shift = 0 : i32} : tensor<4x3xi8>, tensor<1x3xi8> -> tensor<1x3xi8>
  return
}

// -----

func.func @add_lhs_multiplier(%a: tensor<3xi8>, %b: tensor<3xi8>) {
  // expected-error @+1 {{lhs_multiplier must be above -2^31}}
  %0 = vitq.add %a, %b {lhs_multiplier = -2147483648 : i32, rhs_multiplier = 1 : i32, shift = 0 : i32} : tensor<3xi8>, tensor<3xi8> -> tensor<3xi8>
  return
}

// -----

func.func @add_rhs_multiplier(%a: tensor<3xi8>, %b: tensor<3xi8>) {
  // expected-error @+1 {{rhs_multiplier must be above -2^31}}
  %0 = vitq.add %a, %b {lhs_multiplier = 1 : i32, rhs_multiplier = -2147483648 : i32, shift = 0 : i32} : tensor<3xi8>, tensor<3xi8> -> tensor<3xi8>
  return
}

// -----

func.func @add_shift(%a: tensor<3xi8>, %b: tensor<3xi8>) {
  // expected-error @+1 {{shift 70 is outside [0, 63]}}
  %0 = vitq.add %a, %b {lhs_multiplier = 1 : i32, rhs_multiplier = 1 : i32, shift = 70 : i32} : tensor<3xi8>, tensor<3xi8> -> tensor<3xi8>
  return
}

// -----

func.func @add_lhs_zp(%a: tensor<3xi8>, %b: tensor<3xi8>) {
  // expected-error @+1 {{lhs_zp 128 does not fit the operand type 'i8'}}
  %0 = vitq.add %a, %b {lhs_multiplier = 1 : i32, rhs_multiplier = 1 : i32, shift = 0 : i32, lhs_zp = 128 : i32} : tensor<3xi8>, tensor<3xi8> -> tensor<3xi8>
  return
}

// -----

func.func @add_rhs_zp(%a: tensor<3xi8>, %b: tensor<3xi16>) {
  // expected-error @+1 {{rhs_zp 32768 does not fit the operand type 'i16'}}
  %0 = vitq.add %a, %b {lhs_multiplier = 1 : i32, rhs_multiplier = 1 : i32, shift = 0 : i32, rhs_zp = 32768 : i32} : tensor<3xi8>, tensor<3xi16> -> tensor<3xi16>
  return
}

// -----

func.func @add_output_zp(%a: tensor<3xi8>, %b: tensor<3xi8>) {
  // expected-error @+1 {{output_zp -129 does not fit the operand type 'i8'}}
  %0 = vitq.add %a, %b {lhs_multiplier = 1 : i32, rhs_multiplier = 1 : i32, shift = 0 : i32, output_zp = -129 : i32} : tensor<3xi8>, tensor<3xi8> -> tensor<3xi8>
  return
}

// -----

//===----------------------------------------------------------------------===//
// softmax / gelu / layernorm
//===----------------------------------------------------------------------===//

func.func @softmax_mixed(%x: tensor<4xf32>) {
  // expected-error @+1 {{input and result must both be float or both be quantized, got 'f32' and '!quant.uniform<i8:f32, 7.812500e-03>'}}
  %0 = vitq.softmax %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.0078125>>
  return
}

// -----

func.func @softmax_float_types(%x: tensor<4xf32>) {
  // expected-error @+1 {{float input 'f32' and result 'f16' differ}}
  %0 = vitq.softmax %x : tensor<4xf32> -> tensor<4xf16>
  return
}

// -----

func.func @softmax_per_axis(%x: tensor<2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>) {
  // expected-error @+1 {{expected a signed per-tensor !quant.uniform type, got '!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01}>'}}
  %0 = vitq.softmax %x : tensor<2x!quant.uniform<i8:f32:0, {0.1, 0.2}>> -> tensor<2x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

func.func @softmax_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{result shape [5] does not match input shape [4]}}
  %0 = vitq.softmax %x : tensor<4xf32> -> tensor<5xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = vitq.softmax %x {axis = -3 : i64} : tensor<4x4xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @gelu_approximate(%x: tensor<4xf32>) {
  // expected-error @+1 {{approximate must be "none" or "tanh", got "erf"}}
  %0 = vitq.gelu %x {approximate = "erf"} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @gelu_mixed(%x: tensor<4x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{input and result must both be float or both be quantized}}
  %0 = vitq.gelu %x : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4xf32>
  return
}

// -----

func.func @layernorm_gamma(%x: tensor<2x4xf32>, %g: tensor<3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{gamma shape [3] does not match the normalised shape [4]}}
  %0 = vitq.layernorm %x, %g, %b : (tensor<2x4xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layernorm_beta(%x: tensor<2x4xf32>, %g: tensor<2x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{beta shape [4] does not match the normalised shape [2x4]}}
  %0 = vitq.layernorm %x, %g, %b {axis = 0 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layernorm_axis(%x: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = vitq.layernorm %x, %g, %b {axis = 2 : i64} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layernorm_epsilon(%x: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{epsilon must be non-negative}}
  %0 = vitq.layernorm %x, %g, %b {epsilon = -1.0 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layernorm_mixed(%x: tensor<2x4x!quant.uniform<i16:f32, 0.01>>, %g: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{input and result must both be float or both be quantized}}
  %0 = vitq.layernorm %x, %g, %b : (tensor<2x4x!quant.uniform<i16:f32, 0.01>>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// shiftmax / shiftgelu / ilayernorm
//===----------------------------------------------------------------------===//

func.func @shiftmax_rank(%x: tensor<i32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = vitq.shiftmax %x {x0 = -10 : i32, exp_shift = 15 : i32} : tensor<i32> -> tensor<i8>
  return
}

// -----

func.func @shiftmax_shape(%x: tensor<4x4xi32>) {
  // expected-error @+1 {{result shape [4x5] does not match input shape [4x4]}}
  %0 = vitq.shiftmax %x {x0 = -10 : i32, exp_shift = 15 : i32} : tensor<4x4xi32> -> tensor<4x5xi8>
  return
}

// -----

func.func @shiftmax_x0(%x: tensor<4xi32>) {
  // expected-error @+1 {{x0 (the integer for -1.0) must be negative, got 0}}
  %0 = vitq.shiftmax %x {x0 = 0 : i32, exp_shift = 15 : i32} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @shiftmax_exp_shift(%x: tensor<4xi32>) {
  // expected-error @+1 {{exp_shift 31 is outside [0, 30]}}
  %0 = vitq.shiftmax %x {x0 = -1 : i32, exp_shift = 31 : i32} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @shiftmax_overflow(%x: tensor<4xi32>) {
  // expected-error @+1 {{-x0 * 2^exp_shift = 3276800000 does not fit in 31 bits}}
  %0 = vitq.shiftmax %x {x0 = -100000 : i32, exp_shift = 15 : i32} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @shiftgelu_rank(%x: tensor<i8>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = vitq.shiftgelu %x {x0 = -10 : i32, exp_shift = 15 : i32, rescale = #vitq.rescale<1, 2>} : tensor<i8> -> tensor<i8>
  return
}

// -----

func.func @shiftgelu_x0(%x: tensor<4xi8>) {
  // expected-error @+1 {{x0 (the integer for -1.0) must be negative, got 5}}
  %0 = vitq.shiftgelu %x {x0 = 5 : i32, exp_shift = 15 : i32, rescale = #vitq.rescale<1, 2>} : tensor<4xi8> -> tensor<4xi8>
  return
}

// -----

func.func @shiftgelu_rescale_axis(%x: tensor<2x2xi8>) {
  // expected-error @+1 {{per-channel rescale must run along dimension 1 (the channels), not 0}}
  %0 = vitq.shiftgelu %x {x0 = -5 : i32, exp_shift = 15 : i32, rescale = #vitq.rescale<axis = 0, [(1, 2), (1, 2)]>} : tensor<2x2xi8> -> tensor<2x2xi8>
  return
}

// -----

func.func @ilayernorm_rank(%x: tensor<i16>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = vitq.ilayernorm %x {rescale = #vitq.rescale<1, 2>, bias = array<i32: 0>} : tensor<i16> -> tensor<i8>
  return
}

// -----

func.func @ilayernorm_shape(%x: tensor<2x4xi16>) {
  // expected-error @+1 {{result shape [4x2] does not match input shape [2x4]}}
  %0 = vitq.ilayernorm %x {rescale = #vitq.rescale<1, 2>, bias = array<i32: 0>} : tensor<2x4xi16> -> tensor<4x2xi8>
  return
}

// -----

func.func @ilayernorm_rescale(%x: tensor<2x4xi16>) {
  // expected-error @+1 {{per-channel rescale has 2 factors but dimension 1 has size 4}}
  %0 = vitq.ilayernorm %x {rescale = #vitq.rescale<axis = 1, [(1, 2), (1, 2)]>, bias = array<i32: 0>} : tensor<2x4xi16> -> tensor<2x4xi8>
  return
}

// -----

func.func @ilayernorm_bias(%x: tensor<2x4xi16>) {
  // expected-error @+1 {{bias must have 1 or 4 entries, got 2}}
  %0 = vitq.ilayernorm %x {rescale = #vitq.rescale<1, 2>, bias = array<i32: 0, 1>} : tensor<2x4xi16> -> tensor<2x4xi8>
  return
}

// -----

func.func @ilayernorm_sqrt_iterations(%x: tensor<2x4xi16>) {
  // expected-error @+1 {{sqrt_iterations must be in [1, 64], got 0}}
  %0 = vitq.ilayernorm %x {rescale = #vitq.rescale<1, 2>, bias = array<i32: 0>, sqrt_iterations = 0 : i32} : tensor<2x4xi16> -> tensor<2x4xi8>
  return
}

// -----

func.func @ilayernorm_variance_offset(%x: tensor<2x4xi16>) {
  // expected-error @+1 {{variance_offset must be in [0, 2^48], got -1}}
  %0 = vitq.ilayernorm %x {rescale = #vitq.rescale<1, 2>, bias = array<i32: 0>, variance_offset = -1 : i64} : tensor<2x4xi16> -> tensor<2x4xi8>
  return
}

// -----

func.func @ilayernorm_row_too_long(%x: tensor<2x1626xi16>) {
  // expected-error @+1 {{rows of 1626 exceed the 1625 elements whose sum of squares fits in 63 bits}}
  %0 = vitq.ilayernorm %x {rescale = #vitq.rescale<1, 2>, bias = array<i32: 0>} : tensor<2x1626xi16> -> tensor<2x1626xi8>
  return
}

// -----

func.func @shiftgelu_int32_input(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 8-bit signless integer or 16-bit signless integer values}}
  %0 = vitq.shiftgelu %x {x0 = -20 : i32, exp_shift = 26 : i32, rescale = #vitq.rescale<1073741824, 45>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @quantize_unsigned(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected signed quantized storage, got '!quant.uniform<u8:f32, 1.000000e-01:128>'}}
  %0 = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  return
}

//===----------------------------------------------------------------------===//
// packed_linear / kernel_matmul
//===----------------------------------------------------------------------===//

func.func @packed_linear_mixed(%x: tensor<4x3xi8>, %p: memref<128xi8>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{operands must be all tensors or all memrefs}}
  %y = vitq.packed_linear ins(%x, %p : tensor<4x3xi8>, memref<128xi8>) outs(%i : tensor<4x2xi32>) -> tensor<4x2xi32>
  return
}

// -----

func.func @packed_linear_memref_result(%x: memref<4x3xi8>, %p: memref<128xi8>, %i: memref<4x2xi32>) {
  // expected-error @+1 {{on memrefs it returns nothing}}
  %y = vitq.packed_linear ins(%x, %p : memref<4x3xi8>, memref<128xi8>) outs(%i : memref<4x2xi32>) -> tensor<4x2xi32>
  return
}

// -----

func.func @packed_linear_size(%x: tensor<4x3xi8>, %p: tensor<64xi8>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{packed weight of 3 x 2 must be 128 bytes, got [64]}}
  %y = vitq.packed_linear ins(%x, %p : tensor<4x3xi8>, tensor<64xi8>) outs(%i : tensor<4x2xi32>) -> tensor<4x2xi32>
  return
}

// -----

func.func @packed_linear_rows(%x: tensor<4x3xi8>, %p: tensor<128xi8>, %i: tensor<5x2xi32>) {
  // expected-error @+1 {{init shape [5x2] must have the rows of input shape [4x3]}}
  %y = vitq.packed_linear ins(%x, %p : tensor<4x3xi8>, tensor<128xi8>) outs(%i : tensor<5x2xi32>) -> tensor<5x2xi32>
  return
}

// -----

func.func @packed_linear_no_rescale(%x: tensor<4x3xi8>, %p: tensor<128xi8>, %i: tensor<4x2xi8>) {
  // expected-error @+1 {{an int8 or int16 output needs a rescale}}
  %y = vitq.packed_linear ins(%x, %p : tensor<4x3xi8>, tensor<128xi8>) outs(%i : tensor<4x2xi8>) -> tensor<4x2xi8>
  return
}

// -----

func.func @kernel_matmul_k(%q: tensor<2x4x8xi8>, %k: tensor<2x5x7xi8>, %i: tensor<2x4x5xi32>) {
  // expected-error @+1 {{reduction dimensions differ: lhs has K = 8, rhs has K = 7}}
  %s = vitq.kernel_matmul ins(%q, %k : tensor<2x4x8xi8>, tensor<2x5x7xi8>) outs(%i : tensor<2x4x5xi32>) {transpose_rhs} -> tensor<2x4x5xi32>
  return
}

// -----

func.func @kernel_matmul_dynamic(%q: tensor<?x4x8xi8>, %k: tensor<2x8x5xi8>, %i: tensor<2x4x5xi32>) {
  // expected-error @+1 {{operands need static shapes}}
  %s = vitq.kernel_matmul ins(%q, %k : tensor<?x4x8xi8>, tensor<2x8x5xi8>) outs(%i : tensor<2x4x5xi32>) -> tensor<2x4x5xi32>
  return
}

// -----

func.func @kernel_matmul_result(%q: tensor<2x4x8xi8>, %k: tensor<2x8x5xi8>, %i: tensor<2x4x5xi32>) {
  // expected-error @+1 {{result type must be the init's type}}
  %s = vitq.kernel_matmul ins(%q, %k : tensor<2x4x8xi8>, tensor<2x8x5xi8>) outs(%i : tensor<2x4x5xi32>) -> tensor<2x4x6xi32>
  return
}

// -----

func.func @kernel_matmul_unscaled_i8(%q: tensor<2x4x8xi8>, %k: tensor<2x8x5xi8>, %i: tensor<2x4x5xi8>) {
  // expected-error @+1 {{an int8 product is int32 without a rescale and int8 or int16 with one}}
  %s = vitq.kernel_matmul ins(%q, %k : tensor<2x4x8xi8>, tensor<2x8x5xi8>) outs(%i : tensor<2x4x5xi8>) -> tensor<2x4x5xi8>
  return
}

// -----

func.func @kernel_matmul_rescaled_i32(%q: tensor<2x4x8xi8>, %k: tensor<2x8x5xi8>, %i: tensor<2x4x5xi32>) {
  // expected-error @+1 {{an int8 product is int32 without a rescale and int8 or int16 with one}}
  %s = vitq.kernel_matmul ins(%q, %k : tensor<2x4x8xi8>, tensor<2x8x5xi8>) outs(%i : tensor<2x4x5xi32>) {rescale = #vitq.rescale<1073741824, 31>} -> tensor<2x4x5xi32>
  return
}

// -----

func.func @kernel_matmul_per_channel(%q: tensor<2x4x8xi8>, %k: tensor<2x8x5xi8>, %i: tensor<2x4x5xi8>) {
  // expected-error @+1 {{takes a per-tensor rescale only}}
  %s = vitq.kernel_matmul ins(%q, %k : tensor<2x4x8xi8>, tensor<2x8x5xi8>) outs(%i : tensor<2x4x5xi8>) {rescale = #vitq.rescale<axis = 2, [(1073741824, 31), (1073741824, 31), (1073741824, 31), (1073741824, 31), (1073741824, 31)]>} -> tensor<2x4x5xi8>
  return
}

// -----

func.func @kernel_matmul_output_zp(%q: tensor<2x4x8xi8>, %k: tensor<2x8x5xi8>, %i: tensor<2x4x5xi8>) {
  // expected-error @+1 {{output_zp 300 does not fit the operand type 'i8'}}
  %s = vitq.kernel_matmul ins(%q, %k : tensor<2x4x8xi8>, tensor<2x8x5xi8>) outs(%i : tensor<2x4x5xi8>) {rescale = #vitq.rescale<1073741824, 31>, output_zp = 300 : i32} -> tensor<2x4x5xi8>
  return
}

// -----

func.func @kernel_matmul_f32_rescale(%q: tensor<2x4x8xf32>, %k: tensor<2x8x5xf32>, %i: tensor<2x4x5xf32>) {
  // expected-error @+1 {{f32 operands take no zero points, rescale or output zero point}}
  %s = vitq.kernel_matmul ins(%q, %k : tensor<2x4x8xf32>, tensor<2x8x5xf32>) outs(%i : tensor<2x4x5xf32>) {rescale = #vitq.rescale<1073741824, 31>} -> tensor<2x4x5xf32>
  return
}

// -----

func.func @activation_kind(%x: tensor<4xf32>) {
  // expected-error @+1 {{kind must be sigmoid, silu, hard_sigmoid, hard_swish or relu, got "relu6"}}
  %0 = vitq.activation %x {kind = "relu6"} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @lookup_table_size(%x: tensor<4xi8>) {
  // expected-error @+1 {{table must hold 256 values of the result's element type 'i8'}}
  %0 = vitq.lookup %x {table = dense<0> : tensor<128xi8>} : tensor<4xi8> -> tensor<4xi8>
  return
}

// -----

func.func @lookup_table_type(%x: tensor<4xi8>) {
  // expected-error @+1 {{table must hold 256 values of the result's element type 'i16'}}
  %0 = vitq.lookup %x {table = dense<0> : tensor<256xi8>} : tensor<4xi8> -> tensor<4xi16>
  return
}

// -----

func.func @resize_weights_count(%x: tensor<1x1x2x2xi8>) {
  // expected-error @+1 {{needs 3 x 2 row weights and 2 x 2 column weights}}
  %0 = vitq.resize %x {rows = array<i32: 1, 0, 0, 1>, columns = array<i32: 1, 0, 0, 1>} : tensor<1x1x2x2xi8> -> tensor<1x1x3x2xi32>
  return
}

// -----

func.func @resize_overflow(%x: tensor<1x1x2x2xi16>) {
  // expected-error @+1 {{weights too large: the sums can leave int32 (16-bit input)}}
  %0 = vitq.resize %x {rows = array<i32: 256, 0, 0, 256>, columns = array<i32: 128, 0, 0, 128>} : tensor<1x1x2x2xi16> -> tensor<1x1x2x2xi32>
  return
}

// -----

func.func @reduce_sum_dims(%x: tensor<2x3xi8>) {
  // expected-error @+1 {{dims must be ascending, distinct dimensions of the input}}
  %0 = vitq.reduce_sum %x {dims = array<i64: 1, 0>} : tensor<2x3xi8> -> tensor<i32>
  return
}

// -----

func.func @reduce_sum_shape(%x: tensor<2x3xi8>) {
  // expected-error @+1 {{result shape must be the input's without the summed dimensions}}
  %0 = vitq.reduce_sum %x {dims = array<i64: 1>} : tensor<2x3xi8> -> tensor<3xi32>
  return
}

// -----

func.func @reduce_sum_overflow(%x: tensor<65536xi16>) {
  // expected-error @+1 {{sums 65536 elements; at most 32768 of 'i16' fit int32}}
  %0 = vitq.reduce_sum %x {dims = array<i64: 0>} : tensor<65536xi16> -> tensor<i32>
  return
}

// -----

func.func @affine_bias(%x: tensor<1x2x3xi8>) {
  // expected-error @+1 {{bias needs one value or one per channel (2), got 3}}
  %y = vitq.affine %x {rescale = #vitq.rescale<axis = 1, [(1518500250, 31), (1073741824, 30)]>, bias = array<i32: 1, 2, 3>} : tensor<1x2x3xi8> -> tensor<1x2x3xi8>
  return
}

// -----

func.func @mul_wide(%a: tensor<4xi16>, %b: tensor<4xi16>) {
  // expected-error @+1 {{multiplies at most int16 by int8}}
  %0 = vitq.mul %a, %b {rescale = #vitq.rescale<1518500250, 38>} : tensor<4xi16>, tensor<4xi16> -> tensor<4xi16>
  return
}

// -----

func.func @div_shift(%a: tensor<4xi8>, %b: tensor<4xi8>) {
  // expected-error @+1 {{needs a rescale shift of at least 1}}
  %0 = vitq.div %a, %b {rescale = #vitq.rescale<1073741824, 0>} : tensor<4xi8>, tensor<4xi8> -> tensor<4xi8>
  return
}

// -----

func.func @mul_broadcast(%a: tensor<4xi8>, %b: tensor<3xi8>) {
  // expected-error @+1 {{operand shapes [4] and [3] do not broadcast}}
  %0 = vitq.mul %a, %b {rescale = #vitq.rescale<1518500250, 38>} : tensor<4xi8>, tensor<3xi8> -> tensor<4xi8>
  return
}

// -----

func.func @avg_pool_counts(%x: tensor<1x3x4x5xi8>) {
  // expected-error @+1 {{needs one multiplier and shift per count (2)}}
  %y = vitq.avg_pool2d %x {kernel = array<i64: 2, 1>, strides = array<i64: 2, 1>, pads = array<i64: 0, 0, 0, 0>, multipliers = array<i32: 1073741824>, shifts = array<i32: 31>} : tensor<1x3x4x5xi8> -> tensor<1x3x2x5xi8>
  return
}

// -----

func.func @avg_pool_window(%x: tensor<1x3x4x5xi8>) {
  // expected-error @+1 {{output dimension 2 has windows that start past the input}}
  %y = vitq.avg_pool2d %x {kernel = array<i64: 2, 1>, strides = array<i64: 2, 1>, pads = array<i64: 0, 0, 0, 0>, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: 31, 32>} : tensor<1x3x4x5xi8> -> tensor<1x3x3x5xi8>
  return
}
