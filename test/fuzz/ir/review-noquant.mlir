func.func @main(%a: tensor<1x140000xi8>, %b: tensor<140000x1xi8>) -> tensor<1x1xi32> {
  %r = vitq.matmul %a, %b : tensor<1x140000xi8>, tensor<140000x1xi8> -> tensor<1x1xi32>
  return %r : tensor<1x1xi32>
}
