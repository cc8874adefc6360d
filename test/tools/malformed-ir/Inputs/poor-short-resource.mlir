// Reproducer, not a test: `vitq-compile poor-short-resource.mlir -o x.so`
// fails with "error: op was not bufferized": the blob holds 1 float for a
// tensor<4xf32>.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant dense_resource<w> : tensor<4xf32>
  %0 = arith.addf %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F"
    }
  }
#-}
