// A small model for the runtime tests: y = x * 2 + b (b broadcast from an
// int8 input), and the int8 input passed through as a second output.
func.func @main(%x: tensor<2x3xf32> {vitq.onnx_name = "x"},
                %b: tensor<3xi8> {vitq.onnx_name = "bias"})
    -> (tensor<2x3xf32> {vitq.onnx_name = "y"},
        tensor<3xi8> {vitq.onnx_name = "bias_copy"}) {
  %e = tensor.empty() : tensor<2x3xf32>
  %y = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                       affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<2x3xf32>, tensor<3xi8>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%xv: f32, %bv: i8, %o: f32):
    %two = arith.constant 2.0 : f32
    %bf = arith.sitofp %bv : i8 to f32
    %m = arith.mulf %xv, %two : f32
    %s = arith.addf %m, %bf : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  return %y, %b : tensor<2x3xf32>, tensor<3xi8>
}
