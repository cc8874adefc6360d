// RUN: vitq-opt %s --vitq-verify-integer-only --split-input-file --verify-diagnostics | FileCheck %s

// Integer between the quantize and the dequantize; float before and after.
// CHECK-LABEL: func.func @integer_only
func.func @integer_only(%x: tensor<4x8xf32>, %w: tensor<8x8xi8>) -> tensor<4x8xf32> {
  %s = arith.mulf %x, %x : tensor<4x8xf32>
  %q = vitq.quantize %s : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 0.1>>
  %i = quant.scast %q : tensor<4x8x!quant.uniform<i8:f32, 0.1>> to tensor<4x8xi8>
  %l = vitq.linear %i, %w {rescale = #vitq.rescale<1073741824, 31>}
         : (tensor<4x8xi8>, tensor<8x8xi8>) -> tensor<4x8xi8>
  %o = quant.scast %l : tensor<4x8xi8> to tensor<4x8x!quant.uniform<i8:f32, 0.1>>
  %d = vitq.dequantize %o : tensor<4x8x!quant.uniform<i8:f32, 0.1>> -> tensor<4x8xf32>
  %e = arith.addf %d, %d : tensor<4x8xf32>
  return %e : tensor<4x8xf32>
}

// -----

// A float island: dequantize -> float op -> quantize.
// expected-error @below {{1 float op between quantize and dequantize: the function is not integer-only}}
module {
  func.func @island(%x: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
    %d = vitq.dequantize %x : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4xf32>
    // expected-error @+1 {{'arith.mulf' computes in floating point between quantize and dequantize}}
    %m = arith.mulf %d, %d : tensor<4xf32>
    %q = vitq.quantize %m : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
    return %q : tensor<4x!quant.uniform<i8:f32, 0.1>>
  }
}

// -----

// A float-semantic op still on quantized tensors.
// expected-error @below {{1 float op between quantize and dequantize}}
module {
  func.func @not_legalised(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %q = vitq.quantize %x : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 0.1>>
    // expected-error @+1 {{'vitq.softmax' computes in floating point between quantize and dequantize (run vitq-legalize-nonlinear)}}
    %s = vitq.softmax %q : tensor<4x8x!quant.uniform<i8:f32, 0.1>> -> tensor<4x8x!quant.uniform<i8:f32, 0.0078125>>
    %d = vitq.dequantize %s : tensor<4x8x!quant.uniform<i8:f32, 0.0078125>> -> tensor<4x8xf32>
    return %d : tensor<4x8xf32>
  }
}

// -----

// Integer data converted to float inside the quantized region.
// expected-error @below {{2 float ops between quantize and dequantize}}
module {
  func.func @converted(%x: tensor<4xf32>) -> tensor<4xf32> {
    %q = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
    %i = quant.scast %q : tensor<4x!quant.uniform<i8:f32, 0.1>> to tensor<4xi8>
    // expected-error @+1 {{'arith.sitofp' computes in floating point}}
    %f = arith.sitofp %i : tensor<4xi8> to tensor<4xf32>
    // expected-error @+1 {{'arith.fptosi' computes in floating point}}
    %j = arith.fptosi %f : tensor<4xf32> to tensor<4xi8>
    %o = quant.scast %j : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 0.1>>
    %d = vitq.dequantize %o : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4xf32>
    return %d : tensor<4xf32>
  }
}

// -----

// A float-semantic op on a quantized function argument computes in float
// although no quantize reaches it.
// expected-error @below {{1 float op between quantize and dequantize: the function is not integer-only}}
module {
func.func @softmax_on_argument(%x: tensor<4x!quant.uniform<i8:f32, 0.05>>)
    -> tensor<4x!quant.uniform<i8:f32, 0.0078125>> {
  // expected-error @+1 {{'vitq.softmax' computes in floating point between quantize and dequantize (run vitq-legalize-nonlinear)}}
  %0 = vitq.softmax %x : tensor<4x!quant.uniform<i8:f32, 0.05>>
                      -> tensor<4x!quant.uniform<i8:f32, 0.0078125>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.0078125>>
}
}
