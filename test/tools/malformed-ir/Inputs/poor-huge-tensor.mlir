// Reproducer, not a test: `vitq-compile poor-huge-tensor.mlir -o x.so` fails
// with "error: op was not bufferized" at the tanh; the real problem is a
// 2^80-element tensor.
func.func @main(%x: tensor<1099511627776x1099511627776xf32>) -> tensor<1099511627776x1099511627776xf32> {
  %0 = math.tanh %x : tensor<1099511627776x1099511627776xf32>
  return %0 : tensor<1099511627776x1099511627776xf32>
}
