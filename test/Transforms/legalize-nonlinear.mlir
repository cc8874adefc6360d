// RUN: vitq-opt %s --vitq-legalize-nonlinear --split-input-file --verify-diagnostics | FileCheck %s

// int8 scores at scale 1/80: the exponentials of max - x = 0, 1, 2, ...
// are a table of round(2^30 e^(-d / 80)). The 16-bit result (scale 2^-15)
// is rescaled by 127 * 2^-15 into the declared int8 type at scale 1/127
// (0.9921875 * 2^-8).
// CHECK-LABEL: func.func @softmax
// CHECK: %[[S:.*]] = quant.scast %arg0 : tensor<4x17x!quant.uniform<i8:f32, 1.250000e-02>> to tensor<4x17xi8>
// CHECK: %[[P:.*]] = vitq.tablemax %[[S]] {exp_table = array<i32: 1073741824, 1060403589, 1047231044, {{.*}}>} : tensor<4x17xi8> -> tensor<4x17xi16>
// CHECK: %[[R:.*]] = vitq.requantize %[[P]] {rescale = #vitq.rescale<2130706432, 39>} : tensor<4x17xi16> -> tensor<4x17xi8>
// CHECK: quant.scast %[[R]] : tensor<4x17xi8> to tensor<4x17x!quant.uniform<i8:f32, 0.0078740157480314959>>
func.func @softmax(%x: tensor<4x17x!quant.uniform<i8:f32, 0.0125>>)
    -> tensor<4x17x!quant.uniform<i8:f32, 0.0078740157480314959>> {
  %0 = vitq.softmax %x : tensor<4x17x!quant.uniform<i8:f32, 0.0125>>
                      -> tensor<4x17x!quant.uniform<i8:f32, 0.0078740157480314959>>
  return %0 : tensor<4x17x!quant.uniform<i8:f32, 0.0078740157480314959>>
}

// -----

// A uint8-style output (zero point -128 after normalisation) keeps its zero
// point in the requantize. An int16 input (x - max takes too many values for
// a table) takes Shiftmax, whose exp_shift a finer input scale lowers:
// 1000 * 2^21 < 2^31 <= 1000 * 2^22.
// CHECK-LABEL: func.func @softmax_zero_point
// CHECK: vitq.shiftmax %{{.*}} {exp_shift = 21 : i32, x0 = -1000 : i32} : tensor<197xi16> -> tensor<197xi16>
// CHECK: vitq.requantize %{{.*}} {output_zp = -128 : i32, rescale = #vitq.rescale<{{.*}}>} : tensor<197xi16> -> tensor<197xi8>
func.func @softmax_zero_point(%x: tensor<197x!quant.uniform<i16:f32, 0.001>>)
    -> tensor<197x!quant.uniform<i8:f32, 0.0039215686274509803:-128>> {
  %0 = vitq.softmax %x : tensor<197x!quant.uniform<i16:f32, 0.001>>
                      -> tensor<197x!quant.uniform<i8:f32, 0.0039215686274509803:-128>>
  return %0 : tensor<197x!quant.uniform<i8:f32, 0.0039215686274509803:-128>>
}

// -----

// Declared int8 at scale 2^-7 with zero point 0: the 8-bit form, no rescale.
// CHECK-LABEL: func.func @softmax_direct8
// CHECK: vitq.shiftmax %{{.*}} : tensor<2x8xi16> -> tensor<2x8xi8>
// CHECK-NOT: vitq.requantize
func.func @softmax_direct8(%x: tensor<2x8x!quant.uniform<i16:f32, 0.0125>>)
    -> tensor<2x8x!quant.uniform<i8:f32, 0.0078125>> {
  %0 = vitq.softmax %x : tensor<2x8x!quant.uniform<i16:f32, 0.0125>>
                      -> tensor<2x8x!quant.uniform<i8:f32, 0.0078125>>
  return %0 : tensor<2x8x!quant.uniform<i8:f32, 0.0078125>>
}

// -----

// GELU at input scale 0.05 (x0 = -20, exp_shift 26), zero points carried;
// the rescale is 0.05 * 2^-15 / 0.025 = 2^-14.
// CHECK-LABEL: func.func @gelu
// CHECK: vitq.shiftgelu %{{.*}} {exp_shift = 26 : i32, input_zp = 3 : i32, output_zp = -5 : i32, rescale = #vitq.rescale<1073741824, 44>, x0 = -20 : i32} : tensor<3x8xi8> -> tensor<3x8xi8>
func.func @gelu(%x: tensor<3x8x!quant.uniform<i8:f32, 0.05:3>>)
    -> tensor<3x8x!quant.uniform<i8:f32, 0.025:-5>> {
  %0 = vitq.gelu %x : tensor<3x8x!quant.uniform<i8:f32, 0.05:3>>
                   -> tensor<3x8x!quant.uniform<i8:f32, 0.025:-5>>
  return %0 : tensor<3x8x!quant.uniform<i8:f32, 0.025:-5>>
}

// -----

// LayerNorm over 4 channels into scale 0.05, zero point 2: factor_c =
// gamma_c * sqrt(4) * 2^-30 / 0.05 = gamma_c * 0.625 * 2^-24 (gamma -1 gives a negative multiplier,
// gamma 0 the multiplier 0); bias_c = round(beta_c / 0.05) + 2; epsilon
// becomes variance_offset = 4^3 * 1e-6 / 0.001^2 = 64.
// CHECK-LABEL: func.func @layernorm
// CHECK: vitq.ilayernorm %{{.*}} {bias = array<i32: 2, 12, -8, 2>, reciprocal_shift = 30 : i32, rescale = #vitq.rescale<axis = 1, [(1342177280, 55), (-1342177280, 55), (0, 0), (1342177280, 56)]>, variance_offset = 64 : i64} : tensor<2x4xi16> -> tensor<2x4xi8>
func.func @layernorm(%x: tensor<2x4x!quant.uniform<i16:f32, 0.001>>)
    -> tensor<2x4x!quant.uniform<i8:f32, 0.05:2>> {
  %gamma = arith.constant dense<[1.0, -1.0, 0.0, 0.5]> : tensor<4xf32>
  %beta = arith.constant dense<[0.0, 0.5, -0.5, 0.0]> : tensor<4xf32>
  %0 = vitq.layernorm %x, %gamma, %beta {epsilon = 1.0e-6 : f32}
         : (tensor<2x4x!quant.uniform<i16:f32, 0.001>>, tensor<4xf32>, tensor<4xf32>)
         -> tensor<2x4x!quant.uniform<i8:f32, 0.05:2>>
  return %0 : tensor<2x4x!quant.uniform<i8:f32, 0.05:2>>
}

// -----

// Equal gammas and betas fold to a per-tensor rescale and one bias.
// CHECK-LABEL: func.func @layernorm_uniform
// CHECK: vitq.ilayernorm %{{.*}} {bias = array<i32: 0>, reciprocal_shift = 30 : i32, rescale = #vitq.rescale<1342177280, 55>}
func.func @layernorm_uniform(%x: tensor<2x4x!quant.uniform<i8:f32, 0.1>>)
    -> tensor<2x4x!quant.uniform<i8:f32, 0.05>> {
  %gamma = arith.constant dense<1.0> : tensor<4xf32>
  %beta = arith.constant dense<0.0> : tensor<4xf32>
  %0 = vitq.layernorm %x, %gamma, %beta
         : (tensor<2x4x!quant.uniform<i8:f32, 0.1>>, tensor<4xf32>, tensor<4xf32>)
         -> tensor<2x4x!quant.uniform<i8:f32, 0.05>>
  return %0 : tensor<2x4x!quant.uniform<i8:f32, 0.05>>
}

// -----

// Float ops are left alone.
// CHECK-LABEL: func.func @float_untouched
// CHECK: vitq.softmax
// CHECK: vitq.gelu
func.func @float_untouched(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = vitq.softmax %x : tensor<2x4xf32> -> tensor<2x4xf32>
  %1 = vitq.gelu %0 : tensor<2x4xf32> -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

func.func @softmax_axis(%x: tensor<4x17x!quant.uniform<i8:f32, 0.0125>>)
    -> tensor<4x17x!quant.uniform<i8:f32, 0.0078125>> {
  // expected-error @+1 {{integer form normalises the last dimension only, got axis 0}}
  %0 = vitq.softmax %x {axis = 0 : i64} : tensor<4x17x!quant.uniform<i8:f32, 0.0125>>
                      -> tensor<4x17x!quant.uniform<i8:f32, 0.0078125>>
  return %0 : tensor<4x17x!quant.uniform<i8:f32, 0.0078125>>
}

// -----

func.func @softmax_too_fine(%x: tensor<4x64x!quant.uniform<i32:f32, 1.0e-10>>)
    -> tensor<4x64x!quant.uniform<i8:f32, 0.0078125>> {
  // expected-error @+1 {{is too fine for the shift exponential}}
  %0 = vitq.softmax %x : tensor<4x64x!quant.uniform<i32:f32, 1.0e-10>>
                      -> tensor<4x64x!quant.uniform<i8:f32, 0.0078125>>
  return %0 : tensor<4x64x!quant.uniform<i8:f32, 0.0078125>>
}

// -----

func.func @softmax_fine_scale(%x: tensor<4x4096x!quant.uniform<i32:f32, 1.0e-6>>)
    -> tensor<4x4096x!quant.uniform<i8:f32, 0.0078125>> {
  // expected-error @+1 {{input scale 1.000000e-06 is too fine for the shift exponential (1.0 is 1.000000e+06 input units); requantize the input first}}
  %0 = vitq.softmax %x : tensor<4x4096x!quant.uniform<i32:f32, 1.0e-6>>
                      -> tensor<4x4096x!quant.uniform<i8:f32, 0.0078125>>
  return %0 : tensor<4x4096x!quant.uniform<i8:f32, 0.0078125>>
}

// -----

func.func @layernorm_gamma_argument(%x: tensor<2x4x!quant.uniform<i8:f32, 0.1>>,
                                    %gamma: tensor<4xf32>)
    -> tensor<2x4x!quant.uniform<i8:f32, 0.05>> {
  %beta = arith.constant dense<0.0> : tensor<4xf32>
  // expected-error @+1 {{gamma must be a constant to be folded into the integer form}}
  %0 = vitq.layernorm %x, %gamma, %beta
         : (tensor<2x4x!quant.uniform<i8:f32, 0.1>>, tensor<4xf32>, tensor<4xf32>)
         -> tensor<2x4x!quant.uniform<i8:f32, 0.05>>
  return %0 : tensor<2x4x!quant.uniform<i8:f32, 0.05>>
}

// -----

func.func @layernorm_dynamic_row(%x: tensor<2x?x!quant.uniform<i16:f32, 0.001>>, %g: tensor<?xf32>)
    -> tensor<2x?x!quant.uniform<i8:f32, 0.05>> {
  // expected-error @+1 {{integer form needs a static shape}}
  %0 = vitq.layernorm %x, %g, %g {epsilon = 1.0e-6 : f32}
         : (tensor<2x?x!quant.uniform<i16:f32, 0.001>>, tensor<?xf32>, tensor<?xf32>)
         -> tensor<2x?x!quant.uniform<i8:f32, 0.05>>
  return %0 : tensor<2x?x!quant.uniform<i8:f32, 0.05>>
}

// -----

func.func @layernorm_long_int16_row(%x: tensor<1x2000x!quant.uniform<i16:f32, 0.001>>)
    -> tensor<1x2000x!quant.uniform<i8:f32, 0.05>> {
  %g = arith.constant dense<1.0> : tensor<2000xf32>
  // expected-error @+1 {{integer LayerNorm over 2000 elements exceeds the 1625-element row limit of 'i16' input}}
  %0 = vitq.layernorm %x, %g, %g {epsilon = 1.0e-6 : f32}
         : (tensor<1x2000x!quant.uniform<i16:f32, 0.001>>, tensor<2000xf32>, tensor<2000xf32>)
         -> tensor<1x2000x!quant.uniform<i8:f32, 0.05>>
  return %0 : tensor<1x2000x!quant.uniform<i8:f32, 0.05>>
}

// -----

func.func @gelu_int32_input(%x: tensor<4x!quant.uniform<i32:f32, 0.001>>)
    -> tensor<4x!quant.uniform<i8:f32, 0.05>> {
  // expected-error @+1 {{integer GELU takes int8 or int16 input, not '!quant.uniform<i32:f32, 1.000000e-03>'}}
  %0 = vitq.gelu %x : tensor<4x!quant.uniform<i32:f32, 0.001>>
                   -> tensor<4x!quant.uniform<i8:f32, 0.05>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.05>>
}

// -----

func.func @softmax_int32_output(%x: tensor<4x!quant.uniform<i8:f32, 0.05>>)
    -> tensor<4x!quant.uniform<i32:f32, 0.001>> {
  // expected-error @+1 {{integer form writes int8 or int16, not '!quant.uniform<i32:f32, 1.000000e-03>'}}
  %0 = vitq.softmax %x : tensor<4x!quant.uniform<i8:f32, 0.05>>
                      -> tensor<4x!quant.uniform<i32:f32, 0.001>>
  return %0 : tensor<4x!quant.uniform<i32:f32, 0.001>>
}

// -----

// HardSwish of an int8 input at scale 0.5 into scale 0.25, zero point -1:
// a table of the 256 exact results, quantized with ties to even. Inputs
// -128..-6 (x <= -3) give 0, i.e. -1; -3 (x = -1.5) gives -0.375 / 0.25 =
// -1.5, rounded to -2, i.e. -3; 0 gives -1; 1 (x = 0.5) gives 1.17, i.e. 0.
// CHECK-LABEL: func.func @hard_swish
// CHECK: %[[IN:.*]] = quant.scast %arg0
// CHECK: vitq.lookup %[[IN]] {table = dense<"0x{{(FF)+}}FEFEFDFEFEFF0002{{[0-9A-F]*}}"> : tensor<256xi8>} : tensor<2x3xi8> -> tensor<2x3xi8>
func.func @hard_swish(%x: tensor<2x3x!quant.uniform<i8:f32, 0.5>>)
    -> tensor<2x3x!quant.uniform<i8:f32, 0.25:-1>> {
  %0 = vitq.activation %x {kind = "hard_swish"}
         : tensor<2x3x!quant.uniform<i8:f32, 0.5>>
         -> tensor<2x3x!quant.uniform<i8:f32, 0.25:-1>>
  return %0 : tensor<2x3x!quant.uniform<i8:f32, 0.25:-1>>
}

// -----

// A narrow-range result type saturates at its own bound: HardSwish's
// minimum, -0.375 at x = -1.5, is -37.5 steps of 0.01 below the zero point
// -100, and every entry beyond -127 (0x81) stays -127, not -128 (0x80).
// CHECK-LABEL: func.func @hard_swish_narrow_range
// CHECK: vitq.lookup %{{.*}} {table = dense<"0x{{(9C)+}}9A979593918F8D8B8987868483{{(81)+}}8384{{[0-9A-F]*}}"> : tensor<256xi8>}
func.func @hard_swish_narrow_range(%x: tensor<2x3x!quant.uniform<i8:f32, 0.05>>)
    -> tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.01:-100>> {
  %0 = vitq.activation %x {kind = "hard_swish"}
         : tensor<2x3x!quant.uniform<i8:f32, 0.05>>
         -> tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.01:-100>>
  return %0 : tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.01:-100>>
}

// -----

// A 16-bit input has no table form.
func.func @silu_i16(%x: tensor<4x!quant.uniform<i16:f32, 0.001>>)
    -> tensor<4x!quant.uniform<i8:f32, 0.05>> {
  // expected-error @+1 {{integer silu takes an 8-bit input}}
  %0 = vitq.activation %x {kind = "silu"}
         : tensor<4x!quant.uniform<i16:f32, 0.001>>
         -> tensor<4x!quant.uniform<i8:f32, 0.05>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.05>>
}
