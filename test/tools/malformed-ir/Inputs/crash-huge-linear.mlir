// Reproducer, not a test (Inputs/ is excluded from lit): an int8 linear layer
// with K = 2^62. `vitq-compile crash-huge-linear.mlir -o x.so` aborts with an
// uncaught std::length_error ("cannot create std::vector larger than
// max_size()") during code generation, and vitq-plan-memory reports
// "activation arena: 320 bytes for 3 buffers" for a 4 x 2^62 f32 buffer (the
// byte counts overflow).
!qi = !quant.uniform<i8:f32, 0.05>
!qo = !quant.uniform<i8:f32, 0.1>
func.func @main(%x: tensor<4x4611686018427387904xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<3> : tensor<4611686018427387904x16xi8>
  %q = vitq.quantize %x : tensor<4x4611686018427387904xf32> -> tensor<4x4611686018427387904x!qi>
  %i = quant.scast %q : tensor<4x4611686018427387904x!qi> to tensor<4x4611686018427387904xi8>
  %y = vitq.linear %i, %w {rescale = #vitq.rescale<1073741824, 32>} : (tensor<4x4611686018427387904xi8>, tensor<4611686018427387904x16xi8>) -> tensor<4x16xi8>
  %o = quant.scast %y : tensor<4x16xi8> to tensor<4x16x!qo>
  %d = vitq.dequantize %o : tensor<4x16x!qo> -> tensor<4x16xf32>
  return %d : tensor<4x16xf32>
}
