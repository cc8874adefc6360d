// Reproducer, not a test: `vitq-opt poor-conv-pad-overflow.mlir` fails, but
// the padded extent 8 + 2 * (2^63 - 1) wraps and the verifier "expects"
// [1x4x4x6]; with that result type the op would verify.
func.func @main(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32> {
  %0 = vitq.conv2d %x, %w {pads = array<i64: 9223372036854775807, 0, 9223372036854775807, 0>} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return %0 : tensor<1x4x6x6xi32>
}
