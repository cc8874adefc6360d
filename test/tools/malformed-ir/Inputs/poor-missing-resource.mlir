// Reproducer, not a test: `vitq-compile poor-missing-resource.mlir -o x.so`
// fails with "error: op was not bufferized" at the addf: nothing says that
// the dense_resource blob 'nothere' does not exist.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant dense_resource<nothere> : tensor<4xf32>
  %0 = arith.addf %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}
