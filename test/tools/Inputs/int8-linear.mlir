// An int8 linear layer with a constant weight between a quantize and a
// dequantize: the smallest model that gets an int8 kernel.
!qi = !quant.uniform<i8:f32, 0.05>
!qo = !quant.uniform<i8:f32, 0.1>
func.func @main(%x: tensor<4x32xf32> {vitq.onnx_name = "x"}) -> (tensor<4x16xf32> {vitq.onnx_name = "y"}) {
  %w = arith.constant dense<3> : tensor<32x16xi8>
  %q = vitq.quantize %x : tensor<4x32xf32> -> tensor<4x32x!qi>
  %i = quant.scast %q : tensor<4x32x!qi> to tensor<4x32xi8>
  %y = vitq.linear %i, %w {rescale = #vitq.rescale<1073741824, 32>} : (tensor<4x32xi8>, tensor<32x16xi8>) -> tensor<4x16xi8>
  %o = quant.scast %y : tensor<4x16xi8> to tensor<4x16x!qo>
  %d = vitq.dequantize %o : tensor<4x16x!qo> -> tensor<4x16xf32>
  return %d : tensor<4x16xf32>
}
