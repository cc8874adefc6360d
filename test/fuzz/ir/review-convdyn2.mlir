func.func @conv_dyn(%x: tensor<1x1024x16x16xi8>, %w: tensor<?x1024x16x16xi8>) -> tensor<1x?x1x1xi32> {
  %r = vitq.conv2d %x, %w : (tensor<1x1024x16x16xi8>, tensor<?x1024x16x16xi8>) -> tensor<1x?x1x1xi32>
  return %r : tensor<1x?x1x1xi32>
}
func.func @conv_static(%x: tensor<1x1024x16x16xi8>, %w: tensor<2x1024x16x16xi8>) -> tensor<1x2x1x1xi32> {
  %r = vitq.conv2d %x, %w : (tensor<1x1024x16x16xi8>, tensor<2x1024x16x16xi8>) -> tensor<1x2x1x1xi32>
  return %r : tensor<1x2x1x1xi32>
}
