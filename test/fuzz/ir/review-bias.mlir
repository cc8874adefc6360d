func.func @bias_hides_acc(%x: tensor<1x131072xi8>, %w: tensor<131072x1xi8>) -> tensor<1x1xi8> {
  %b = arith.constant dense<-1> : tensor<1xi32>
  %r = vitq.linear %x, %w, %b {rescale = #vitq.rescale<1, 24>} : (tensor<1x131072xi8>, tensor<131072x1xi8>, tensor<1xi32>) -> tensor<1x1xi8>
  return %r : tensor<1x1xi8>
}
