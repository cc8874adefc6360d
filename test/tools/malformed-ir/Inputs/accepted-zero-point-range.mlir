// Reproducer, not a test: `vitq-opt accepted-zero-point-range.mlir` accepts a
// zero point of 300 for i8 storage (neither the quant type nor
// vitq.quantize's verifier checks it).
func.func @main(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.1:300>> {
  %0 = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1:300>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1:300>>
}
