// A model without inputs: one result per run.
func.func @main() -> (tensor<4xf32> {vitq.onnx_name = "constant"}) {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  return %c : tensor<4xf32>
}
