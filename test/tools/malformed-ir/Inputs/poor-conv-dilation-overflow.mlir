// Reproducer, not a test: `vitq-opt poor-conv-dilation-overflow.mlir` fails
// cleanly, but the verifier's expected shape has overflowed:
// "result shape [1x4x6x6] does not match expected [1x4x-9223372036854775800x6]".
func.func @main(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32> {
  %0 = vitq.conv2d %x, %w {dilations = array<i64: 4611686018427387904, 1>} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return %0 : tensor<1x4x6x6xi32>
}
