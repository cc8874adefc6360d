func.func @f(%x: tensor<1x1x4x4xi8>, %w: tensor<1x1x4611686018427387905x1xi8>) -> tensor<1x1x4x4xi32> {
  %r = vitq.conv2d %x, %w {dilations = array<i64: 4, 1>} : (tensor<1x1x4x4xi8>, tensor<1x1x4611686018427387905x1xi8>) -> tensor<1x1x4x4xi32>
  return %r : tensor<1x1x4x4xi32>
}
