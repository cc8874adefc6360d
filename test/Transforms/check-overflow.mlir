// RUN: vitq-opt %s --vitq-check-overflow=remarks --split-input-file --verify-diagnostics

// All-min weights at K = 768 (ViT-Base hidden width): every column's
// partial sums stay in 768 * [-16256, 16384], plus the bias.
func.func @linear_k768_all_min(%x: tensor<4x768xi8>) -> tensor<4x8xi32> {
  %w = arith.constant dense<-128> : tensor<768x8xi8>
  %b = arith.constant dense<5> : tensor<8xi32>
  // expected-remark @below {{int32 sum of products in [-12484608, 12582912]; int32 accumulator plus bias in [-12484603, 12582917]}}
  %r = vitq.linear %x, %w, %b : (tensor<4x768xi8>, tensor<768x8xi8>, tensor<8xi32>) -> tensor<4x8xi32>
  return %r : tensor<4x8xi32>
}

// -----

// All-max weights at K = 3072 (the MLP's second layer) with the largest
// bias that still cannot overflow: all-max inputs reach INT32_MAX exactly.
func.func @linear_k3072_all_max_at_the_edge(%x: tensor<4x3072xi8>) -> tensor<4x8xi32> {
  %w = arith.constant dense<127> : tensor<8x3072xi8>
  %b = arith.constant dense<2097935359> : tensor<8xi32>
  // expected-remark @below {{int32 accumulator plus bias in [2047996927, 2147483647]}}
  %r = vitq.linear %x, %w, %b {transpose_weight} : (tensor<4x3072xi8>, tensor<8x3072xi8>, tensor<8xi32>) -> tensor<4x8xi32>
  return %r : tensor<4x8xi32>
}

// -----

// One more in the bias and the all-max row wraps.
func.func @linear_k3072_bias_overflow(%x: tensor<4x3072xi8>) -> tensor<4x8xi32> {
  %w = arith.constant dense<127> : tensor<8x3072xi8>
  %b = arith.constant dense<[0, 0, 0, 2097935360, 0, 0, 0, 0]> : tensor<8xi32>
  // expected-error @below {{int32 accumulator plus bias can overflow: it reaches [-49938432, 2147483648], beyond int32 (bias in [0, 2097935360])}}
  %r = vitq.linear %x, %w, %b {transpose_weight} : (tensor<4x3072xi8>, tensor<8x3072xi8>, tensor<8xi32>) -> tensor<4x8xi32>
  return %r : tensor<4x8xi32>
}

// -----

// Per-column bounds: a zero column and a mixed column, with an input zero
// point (x - x_zp in [-255, 0]) and a fused requantization.
func.func @linear_columns_zp_rescale(%x: tensor<2x4xi8>) -> tensor<2x2xi8> {
  %w = arith.constant dense<[[0, 1], [0, -2], [0, 3], [0, -4]]> : tensor<4x2xi8>
  // expected-remark @below {{int32 operand x - x_zp in [-255, 0]; int32 product (x - x_zp) * (w - w_zp) in [-765, 1020]; int32 sum of products in [-1020, 1530]; int64 rescale product x * multiplier + rounding in [-1094142918656, 1643898732544]}}
  %r = vitq.linear %x, %w {input_zp = 127 : i32, rescale = #vitq.rescale<1073741824, 31>} : (tensor<2x4xi8>, tensor<4x2xi8>) -> tensor<2x2xi8>
  return %r : tensor<2x2xi8>
}

// -----

// Attention scores: both operands are activations, bounded by their type.
func.func @attention_scores(%q: tensor<3x197x64xi8>, %k: tensor<3x197x64xi8>) -> tensor<3x197x197xi32> {
  // expected-remark @below {{int32 sum of products in [-1040384, 1048576]}}
  %s = vitq.matmul %q, %k {transpose_rhs} : tensor<3x197x64xi8>, tensor<3x197x64xi8> -> tensor<3x197x197xi32>
  return %s : tensor<3x197x197xi32>
}

// -----

// A reduction too long for int32 from the operand widths alone.
func.func @matmul_k_too_long(%a: tensor<1x140000xi8>, %b: tensor<140000x1xi8>) -> tensor<1x1xi32> {
  // expected-error @below {{int32 sum of products can overflow: it reaches [-2275840000, 2293760000], beyond int32 (K = 140000 products in [-16256, 16384])}}
  %r = vitq.matmul %a, %b : tensor<1x140000xi8>, tensor<140000x1xi8> -> tensor<1x1xi32>
  return %r : tensor<1x1xi32>
}

// -----

// Patch embedding: K = 3 * 16 * 16 = 768 with all-max weights; padding and
// zero points included.
func.func @patch_embed(%x: tensor<1x3x32x32xi8>) -> tensor<1x4x2x2xi8> {
  %w = arith.constant dense<127> : tensor<4x3x16x16xi8>
  %b = arith.constant dense<-7> : tensor<4xi32>
  // expected-remark @below {{int32 sum of products in [-12484608, 12387072]; int32 accumulator plus bias in [-12484615, 12387065]}}
  %r = vitq.conv2d %x, %w, %b {strides = array<i64: 16, 16>, rescale = #vitq.rescale<1073741824, 40>} : (tensor<1x3x32x32xi8>, tensor<4x3x16x16xi8>, tensor<4xi32>) -> tensor<1x4x2x2xi8>
  return %r : tensor<1x4x2x2xi8>
}

// -----

// Requantizing an int32 accumulator with extreme parameters: x - input_zp
// spans 2^32 and the rounding of shift 63 is 2^62.
func.func @requantize_overflow(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @below {{int64 rescale product x * multiplier + rounding can overflow: it reaches [4611686018427387904, 13835058048839712769], beyond int64 (x in [0, 4294967295], 1 multiplier/shift pair(s))}}
  %r = vitq.requantize %x {input_zp = -2147483648 : i32, rescale = #vitq.rescale<2147483647, 63>} : tensor<4xi32> -> tensor<4xi8>
  return %r : tensor<4xi8>
}

// -----

func.func @requantize_ok(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-remark @below {{int64 x - input_zp in [-2147483648, 2147483647]; int64 rescale product x * multiplier + rounding in [-3260954318919958528, 3260954592279365222]}}
  %r = vitq.requantize %x {rescale = #vitq.rescale<1518500250, 38>} : tensor<4xi32> -> tensor<4xi8>
  return %r : tensor<4xi8>
}

// -----

func.func @residual_add(%a: tensor<197x192xi16>, %b: tensor<197x192xi8>) -> tensor<197x192xi16> {
  // expected-remark @below {{int64 lhs term (lhs - lhs_zp) * lhs_multiplier in [-35184372088832, 35183298347008]}}
  %r = vitq.add %a, %b {lhs_multiplier = 1073741824 : i32, rhs_multiplier = 1518500250 : i32, shift = 30 : i32} : tensor<197x192xi16>, tensor<197x192xi8> -> tensor<197x192xi16>
  return %r : tensor<197x192xi16>
}

// -----

// Shiftmax over int32 scores: each exponential is at most |x0| << n.
func.func @shiftmax_scores(%s: tensor<3x197x197xi32>) -> tensor<3x197x197xi16> {
  // expected-remark @below {{int64 exp: shifted exponential in [40, 1342177280]; int64 row sum of exponentials in [0, 264408924160]}}
  %p = vitq.shiftmax %s {x0 = -80 : i32, exp_shift = 24 : i32} : tensor<3x197x197xi32> -> tensor<3x197x197xi16>
  return %p : tensor<3x197x197xi16>
}

// -----

// A row of 2^33 exponentials of up to 80 << 24 overflows the 64-bit sum.
func.func @shiftmax_row_too_long(%s: tensor<1x8589934592xi8>) -> tensor<1x8589934592xi16> {
  // expected-error @below {{int64 row sum of exponentials can overflow: it reaches [0, 11529215046068469760], beyond int64 (8589934592 exponentials in [40, 1342177280])}}
  %p = vitq.shiftmax %s {x0 = -80 : i32, exp_shift = 24 : i32} : tensor<1x8589934592xi8> -> tensor<1x8589934592xi16>
  return %p : tensor<1x8589934592xi16>
}

// -----

func.func @shiftgelu_mlp(%x: tensor<197x3072xi8>) -> tensor<197x3072xi8> {
  // expected-remark @below {{int64 e1 + e2 in [20, 2684354560]}}
  %g = vitq.shiftgelu %x {x0 = -20 : i32, exp_shift = 26 : i32, rescale = #vitq.rescale<1073741824, 45>} : tensor<197x3072xi8> -> tensor<197x3072xi8>
  return %g : tensor<197x3072xi8>
}

// -----

// The longest int16 row the verifier allows keeps the sum of squares in
// 63 bits (Popoviciu: N^3 (max - min)^2 / 4).
func.func @ilayernorm_longest_row(%x: tensor<2x1625xi16>) -> tensor<2x1625xi8> {
  // expected-remark @below {{int64 sum(y * y) + variance_offset in [0, 4607302337072753906]}}
  %n = vitq.ilayernorm %x {rescale = #vitq.rescale<1073741824, 40>, bias = array<i32: 3>} : tensor<2x1625xi16> -> tensor<2x1625xi8>
  return %n : tensor<2x1625xi8>
}

// -----

// The sum is reduced in int32 before the bias joins it: a bias cannot make
// an overflowing sum safe.
func.func @bias_does_not_hide_the_sum(%x: tensor<1x131072xi8>, %w: tensor<131072x1xi8>) -> tensor<1x1xi8> {
  %b = arith.constant dense<-1> : tensor<1xi32>
  // expected-error @below {{int32 sum of products can overflow: it reaches [-2130706432, 2147483648], beyond int32 (K = 131072 products in [-16256, 16384])}}
  %r = vitq.linear %x, %w, %b {rescale = #vitq.rescale<1, 24>} : (tensor<1x131072xi8>, tensor<131072x1xi8>, tensor<1xi32>) -> tensor<1x1xi8>
  return %r : tensor<1x1xi8>
}

// -----

// Weights whose values the analysis cannot read (sparse) are bounded by
// their type, never taken as zeros.
func.func @sparse_weights(%x: tensor<1x140000xi8>) -> tensor<1x2xi32> {
  %w = arith.constant sparse<[[0, 0]], [127]> : tensor<140000x2xi8>
  // expected-error @below {{int32 sum of products can overflow}}
  %r = vitq.linear %x, %w : (tensor<1x140000xi8>, tensor<140000x2xi8>) -> tensor<1x2xi32>
  return %r : tensor<1x2xi32>
}

// -----

// A dynamic reduction length is unbounded.
func.func @conv_dynamic_channels(%x: tensor<1x?x8x8xi8>, %w: tensor<4x?x3x3xi8>) -> tensor<1x4x6x6xi32> {
  // expected-error @below {{int32 sum of products can overflow: it reaches [-1237940039285380274899124224, 1237940039285380274899124224], beyond int32 (K = ? products in [-16256, 16384])}}
  %r = vitq.conv2d %x, %w : (tensor<1x?x8x8xi8>, tensor<4x?x3x3xi8>) -> tensor<1x4x6x6xi32>
  return %r : tensor<1x4x6x6xi32>
}

// -----

// The hybrid models' integer ops. vitq.affine: x - zp in [-130, 125], one
// factor of 0.707 and one of -1, then the bias [-7, 3].
func.func @affine(%x: tensor<1x2x3x3xi8>) -> tensor<1x2x3x3xi8> {
  // expected-remark @below {{no overflow: int64 x - input_zp in [-130, 125]; int64 rescale product x * multiplier + rounding in [-196331290676, 190886273074]; int64 rescaled value plus offset in [-132, 133]}}
  %y = vitq.affine %x {rescale = #vitq.rescale<axis = 1, [(1518500250, 31), (-1073741824, 30)]>, bias = array<i32: 3, -7>, input_zp = 2 : i32} : tensor<1x2x3x3xi8> -> tensor<1x2x3x3xi8>
  return %y : tensor<1x2x3x3xi8>
}

// -----

// vitq.reduce_sum: 49 centred int8 values in int32.
func.func @reduce_sum(%x: tensor<1x4x49xi8>) -> tensor<1x4xi32> {
  // expected-remark @below {{no overflow: int32 x - input_zp in [-123, 132]; int32 sum of x - input_zp in [-6027, 6468]}}
  %y = vitq.reduce_sum %x {dims = array<i64: 2>, input_zp = -5 : i32} : tensor<1x4x49xi8> -> tensor<1x4xi32>
  return %y : tensor<1x4xi32>
}

// -----

// vitq.avg_pool2d: windows of 2 over the input padded with its zero point,
// one rescale per window count.
func.func @avg_pool(%x: tensor<1x3x4x5xi8>) -> tensor<1x3x3x5xi8> {
  // expected-remark @below {{no overflow: int32 window sum in [-256, 254]; int64 window sum - K * input_zp in [-260, 250]; int64 rescale product x * multiplier + rounding in [-278099132416, 270582939648]; int64 rescaled value plus offset in [-130, 125]}}
  %y = vitq.avg_pool2d %x {kernel = array<i64: 2, 1>, strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 0, 0>, count_include_pad, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: 31, 32>, input_zp = 2 : i32} : tensor<1x3x4x5xi8> -> tensor<1x3x3x5xi8>
  return %y : tensor<1x3x3x5xi8>
}

// -----

// vitq.mul: the product of two centred int8 operands, then the rescale.
func.func @mul(%a: tensor<1x4x5xi8>, %b: tensor<1x1x5xi8>) -> tensor<1x4x5xi8> {
  // expected-remark @below {{no overflow: int64 x - input_zp in [-124, 131]; int64 x - input_zp in [0, 255]; int64 product (lhs - lhs_zp) * (rhs - rhs_zp) in [-31620, 33405]; int64 rescale product x * multiplier + rounding in [-41626104012892, 44046623862683]; int64 rescaled value plus offset in [-603, 643]}}
  %y = vitq.mul %a, %b {lhs_zp = -4 : i32, rhs_zp = -128 : i32, output_zp = 3 : i32, rescale = #vitq.rescale<1317535223, 36>} : tensor<1x4x5xi8>, tensor<1x1x5xi8> -> tensor<1x4x5xi8>
  return %y : tensor<1x4x5xi8>
}

// -----

// vitq.div: the numerator takes the multiplier; a quotient is at most the
// numerator, then the shift.
func.func @div(%a: tensor<1x4x5xi8>, %b: tensor<1x1x5xi8>) -> tensor<1x4x5xi8> {
  // expected-remark @below {{no overflow: int64 x - input_zp in [-128, 127]; int64 x - input_zp in [-128, 127]; int64 numerator (lhs - lhs_zp) * multiplier in [-137438953472, 136365211648]; int64 rescale product x * multiplier + rounding in [-137430564864, 137447342080]; int64 rescaled value plus offset in [-8192, 8192]}}
  %y = vitq.div %a, %b {lhs_zp = 0 : i32, rhs_zp = 0 : i32, output_zp = 0 : i32, rescale = #vitq.rescale<1073741824, 24>} : tensor<1x4x5xi8>, tensor<1x1x5xi8> -> tensor<1x4x5xi8>
  return %y : tensor<1x4x5xi8>
}

// -----

// vitq.resize: x - zp in [-131, 124], row weights summing to 4 at most,
// column weights to 4.
func.func @resize(%x: tensor<1x2x2x2xi8>) -> tensor<1x2x3x2xi32> {
  // expected-remark @below {{no overflow: int32 x - input_zp in [-131, 124]; int32 sum along the rows in [-524, 524]; int32 sum along the columns in [-2096, 2096]}}
  %y = vitq.resize %x {rows = array<i32: 3, 1, 1, 3, 0, 4>, columns = array<i32: 4, 0, 0, 4>, input_zp = 3 : i32} : tensor<1x2x2x2xi8> -> tensor<1x2x3x2xi32>
  return %y : tensor<1x2x3x2xi32>
}
