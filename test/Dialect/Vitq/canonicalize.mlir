// RUN: vitq-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @quantize_dequantize_same_params
// CHECK-SAME: (%[[Q:.*]]: tensor
// CHECK-NEXT: return %[[Q]]
func.func @quantize_dequantize_same_params(
    %q: tensor<4x!quant.uniform<i8:f32, 0.1>>)
    -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  %d = vitq.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4xf32>
  %r = vitq.quantize %d : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %r : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

// Different parameters round: the pair stays.
// CHECK-LABEL: func.func @quantize_dequantize_other_params
// CHECK: vitq.dequantize
// CHECK: vitq.quantize
func.func @quantize_dequantize_other_params(
    %q: tensor<4x!quant.uniform<i8:f32, 0.1>>)
    -> tensor<4x!quant.uniform<i8:f32, 0.2>> {
  %d = vitq.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4xf32>
  %r = vitq.quantize %d : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.2>>
  return %r : tensor<4x!quant.uniform<i8:f32, 0.2>>
}

// -----

// CHECK-LABEL: func.func @requantize_identity
// CHECK-SAME: (%[[X:.*]]: tensor<4xi8>
// CHECK-NOT: vitq.requantize
// CHECK: return %[[X]], %[[X]]
func.func @requantize_identity(%x: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>) {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1073741824, 30>}
         : tensor<4xi8> -> tensor<4xi8>
  %1 = vitq.requantize %x {rescale = #vitq.rescale<axis = 0, [(1, 0), (2, 1), (4, 2), (1073741824, 30)]>,
                           input_zp = 3 : i32, output_zp = 3 : i32}
         : tensor<4xi8> -> tensor<4xi8>
  return %0, %1 : tensor<4xi8>, tensor<4xi8>
}

// -----

// Unit factor but different zero points or types: not an identity.
// CHECK-LABEL: func.func @requantize_not_identity
// CHECK-COUNT-2: vitq.requantize
func.func @requantize_not_identity(%x: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi16>) {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1073741824, 30>, output_zp = 1 : i32}
         : tensor<4xi8> -> tensor<4xi8>
  %1 = vitq.requantize %x {rescale = #vitq.rescale<1073741824, 30>}
         : tensor<4xi8> -> tensor<4xi16>
  return %0, %1 : tensor<4xi8>, tensor<4xi16>
}

// -----

// Rounds half up (2.5 -> 3, -2.5 -> -2) and saturates.
// CHECK-LABEL: func.func @requantize_constant
// CHECK: %[[C:.*]] = arith.constant dense<[3, -2, 127, -128]> : tensor<4xi8>
// CHECK: return %[[C]]
func.func @requantize_constant() -> tensor<4xi8> {
  %c = arith.constant dense<[5, -5, 300, -300]> : tensor<4xi32>
  %0 = vitq.requantize %c {rescale = #vitq.rescale<1073741824, 31>}
         : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

// CHECK-LABEL: func.func @requantize_constant_splat
// CHECK: arith.constant dense<-7> : tensor<2x3xi16>
func.func @requantize_constant_splat() -> tensor<2x3xi16> {
  %c = arith.constant dense<-20> : tensor<2x3xi32>
  // (-20 - 4) * 0.25 + (-1) = -7
  %0 = vitq.requantize %c {rescale = #vitq.rescale<1073741824, 32>,
                           input_zp = 4 : i32, output_zp = -1 : i32}
         : tensor<2x3xi32> -> tensor<2x3xi16>
  return %0 : tensor<2x3xi16>
}

// -----

// Column 0 scales by 1, column 1 by 0.25 (2.5 -> 3, 1.75 -> 2), then + 1.
// CHECK-LABEL: func.func @requantize_constant_per_channel
// CHECK: arith.constant dense<{{\[}}[11, 4], [-6, 3]]> : tensor<2x2xi8>
func.func @requantize_constant_per_channel() -> tensor<2x2xi8> {
  %c = arith.constant dense<[[10, 10], [-7, 7]]> : tensor<2x2xi32>
  %0 = vitq.requantize %c {
         rescale = #vitq.rescale<axis = 1, [(1073741824, 30), (1073741824, 32)]>,
         output_zp = 1 : i32}
         : tensor<2x2xi32> -> tensor<2x2xi8>
  return %0 : tensor<2x2xi8>
}

// -----

// An exact x4 up-scaling from int8 into int16 cannot saturate: the chain
// becomes one requantize whose factor is 4 * 2^-33 = 2^-31.
// CHECK-LABEL: func.func @requantize_chain_exact
// CHECK-SAME: (%[[X:.*]]: tensor<4xi8>
// CHECK: %[[R:.*]] = vitq.requantize %[[X]] {input_zp = 2 : i32, output_zp = 5 : i32, rescale = #vitq.rescale<1073741824, 31>} : tensor<4xi8> -> tensor<4xi8>
// CHECK-NEXT: return %[[R]]
func.func @requantize_chain_exact(%x: tensor<4xi8>) -> tensor<4xi8> {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1073741824, 28>,
                           input_zp = 2 : i32, output_zp = 7 : i32}
         : tensor<4xi8> -> tensor<4xi16>
  %1 = vitq.requantize %0 {rescale = #vitq.rescale<1073741824, 33>,
                           input_zp = 7 : i32, output_zp = 5 : i32}
         : tensor<4xi16> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}

// -----

// Per-channel outer factors are each multiplied by the inner integer factor.
// CHECK-LABEL: func.func @requantize_chain_per_channel
// CHECK: vitq.requantize %{{.*}} {rescale = #vitq.rescale<axis = 1, [(1518500250, 37), (6, 3)]>} : tensor<3x2xi8> -> tensor<3x2xi8>
// CHECK-NOT: vitq.requantize
func.func @requantize_chain_per_channel(%x: tensor<3x2xi8>) -> tensor<3x2xi8> {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1073741824, 29>}
         : tensor<3x2xi8> -> tensor<3x2xi16>
  %1 = vitq.requantize %0 {rescale = #vitq.rescale<axis = 1, [(1518500250, 38), (3, 3)]>}
         : tensor<3x2xi16> -> tensor<3x2xi8>
  return %1 : tensor<3x2xi8>
}

// -----

// The inner requantize rounds: merging would change results.
// CHECK-LABEL: func.func @requantize_chain_rounding
// CHECK-COUNT-2: vitq.requantize
func.func @requantize_chain_rounding(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1518500250, 38>}
         : tensor<4xi32> -> tensor<4xi16>
  %1 = vitq.requantize %0 {rescale = #vitq.rescale<1073741824, 31>}
         : tensor<4xi16> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}

// -----

// An x4 scaling of int16 into int16 may saturate: the chain stays.
// CHECK-LABEL: func.func @requantize_chain_saturating
// CHECK-COUNT-2: vitq.requantize
func.func @requantize_chain_saturating(%x: tensor<4xi16>) -> tensor<4xi8> {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1073741824, 28>}
         : tensor<4xi16> -> tensor<4xi16>
  %1 = vitq.requantize %0 {rescale = #vitq.rescale<1073741824, 31>}
         : tensor<4xi16> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}

// -----

// The inner output zero point differs from the outer input zero point.
// CHECK-LABEL: func.func @requantize_chain_zero_points
// CHECK-COUNT-2: vitq.requantize
func.func @requantize_chain_zero_points(%x: tensor<4xi8>) -> tensor<4xi8> {
  %0 = vitq.requantize %x {rescale = #vitq.rescale<1073741824, 28>, output_zp = 1 : i32}
         : tensor<4xi8> -> tensor<4xi16>
  %1 = vitq.requantize %0 {rescale = #vitq.rescale<1073741824, 31>}
         : tensor<4xi16> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}
