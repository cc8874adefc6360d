// A model with an empty (0 x 4) input next to a normal one.
func.func @main(%e: tensor<0x4xf32>, %x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
